"""Figure "cold-start": ``sealmail serve`` start-up with aiohttp's client CA loading deferred, and without.

Since aiohttp 3.10, ``import aiohttp`` builds two client TLS contexts and parses the system CA
bundle twice (about 100 ms each here); ``sealmail serve`` defers that to the contexts' first use
(:mod:`sealmail.lazy_ca`). Three start-ups, interleaved, each from spawn until every provider's
``GET /__mock__/health`` answers (the bare server: until its route answers):

- ``python -m sealmail serve --port-base 0 --json`` (as shipped);
- the same with aiohttp imported first (``python -c "import aiohttp; ..."``): the CA loading as before;
- "before": that, plus the other start-up work issue 16 removed (``importlib.metadata`` for
  ``__version__``, the settings epilog of ``--help`` built at every start);
- the bare aiohttp server of :mod:`bench.baseline_server` (which imports aiohttp normally).

Byte-code: every start-up runs with bytecode caching on (``PYTHONDONTWRITEBYTECODE`` cleared for the
children) after one unmeasured round, as a pip-installed sealmail has its ``.pyc`` files; with it
set (as on some CI machines) an editable checkout recompiles its ~90 modules at every start.

Ratios: bare time / serve time (goal: serve within 1.2x of bare, ratio >= 0.833), and the
eager-CA serve time / serve time (the gain of the deferral).
"""

from __future__ import annotations

import os
import sys
import time
from contextlib import contextmanager
from typing import Any, Iterator

from .coldstart import bare_once, wait_healthy
from .loops import rotate
from .measure import median
from .report import Figure, ratio
from .servers import spawn

SERVE = ["sealmail", "serve", "--port-base", "0", "--json"]
EAGER = "import sys, aiohttp; from sealmail.cli import main; sys.exit(main(sys.argv[1:]))"
BEFORE = (  # what start-up did before issue 16: CA bundle at import, importlib.metadata for __version__, --help epilog
    "import sys, aiohttp, importlib.metadata as m; m.version('sealmail'); "
    "from sealmail.mockservers.cli import settings_help; settings_help(); "
    "from sealmail.cli import main; sys.exit(main(sys.argv[1:]))"
)


def serve_once(argv: list[str], loop: str) -> dict[str, Any]:
    started = time.perf_counter()
    server = spawn("mocks", argv + ["--loop", loop])
    try:
        for row in server.info["mocks"]:
            wait_healthy(row["base_url"] + "/__mock__/health", started + 60)
        return {"seconds": round(time.perf_counter() - started, 4), "providers": len(server.info["mocks"])}
    finally:
        server.stop()


@contextmanager
def bytecode_cached() -> Iterator[None]:
    """Children write and read ``.pyc`` files (an empty ``PYTHONDONTWRITEBYTECODE`` is off)."""
    saved = os.environ.get("PYTHONDONTWRITEBYTECODE")
    os.environ["PYTHONDONTWRITEBYTECODE"] = ""
    try:
        yield
    finally:
        if saved is None:
            del os.environ["PYTHONDONTWRITEBYTECODE"]
        else:
            os.environ["PYTHONDONTWRITEBYTECODE"] = saved


def measure(rounds: int) -> list[Figure]:
    with bytecode_cached():
        return _measure(rounds)


def _measure(rounds: int) -> list[Figure]:
    serve_once([sys.executable, "-m", *SERVE], "auto")  # unmeasured: writes the byte-code of every module serve imports
    runs = rotate(rounds, {
        "serve": lambda: serve_once([sys.executable, "-m", *SERVE], "asyncio"),
        "serve_uvloop": lambda: serve_once([sys.executable, "-m", *SERVE], "auto"),
        "serve_eager_ca": lambda: serve_once([sys.executable, "-c", EAGER, *SERVE[1:]], "asyncio"),
        "serve_before": lambda: serve_once([sys.executable, "-c", BEFORE, *SERVE[1:]], "asyncio"),
        "bare": bare_once,
    })
    s = {name: median([r["seconds"] for r in results]) for name, results in runs.items()}
    spread = {name: (min(r["seconds"] for r in rs), max(r["seconds"] for r in rs)) for name, rs in runs.items()}
    shown = "; ".join(f"{name} {s[name]:.3f} s ({spread[name][0]:.2f}-{spread[name][1]:.2f})" for name in s)
    providers = runs["serve"][0]["providers"]
    return [
        Figure(
            figure="cold-start", subject=f"sealmail serve ({providers} providers, asyncio) until every health answers",
            value=s["serve"], unit="s", baseline_name="bare aiohttp server start", baseline=s["bare"],
            ratio=ratio(s["bare"], s["serve"]), target=round(1 / 1.2, 3), note=f"medians (min-max): {shown}", raw={"runs": runs},
        ),
        Figure(
            figure="cold-start", subject="sealmail serve: client CA loading deferred vs at import (before)",
            value=s["serve"], unit="s", baseline_name="serve with aiohttp's import-time CA loading", baseline=s["serve_eager_ca"],
            ratio=ratio(s["serve_eager_ca"], s["serve"]),
            note=f"gain {1000 * (s['serve_eager_ca'] - s['serve']):.0f} ms; with --loop auto (uvloop import) {s['serve_uvloop']:.3f} s",
        ),
        Figure(
            figure="cold-start", subject="sealmail serve: after vs before issue 16 (CA at import, importlib.metadata, --help epilog)",
            value=s["serve"], unit="s", baseline_name="serve doing the start-up work removed", baseline=s["serve_before"],
            ratio=ratio(s["serve_before"], s["serve"]), note=f"gain {1000 * (s['serve_before'] - s['serve']):.0f} ms",
        ),
    ]
