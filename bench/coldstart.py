"""Figure 5: cold start of ``python -m sealmail serve`` and of ``python -m sealmail vectors generate``.

- serve: from spawning ``python -m sealmail serve --port-base 0 --json`` (every
  registered provider) until every provider's ``GET /__mock__/health`` answers 200;
  baseline: the bare aiohttp server (:mod:`bench.baseline_server`) until its URL answers.
- vectors: ``python -m sealmail vectors generate --out <temporary folder>`` (all providers,
  the committed data is left alone) until it exits; baseline: the interpreter
  importing the same packages (``import sealmail.vectors.cli``) and exiting.

Ratios are baseline time / measured time (the share of start-up that is Python and
aiohttp themselves). Health is polled with a bounded retry on connection refused:
acceptable in a benchmark script, never in tests.
"""

from __future__ import annotations

import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from typing import Any, Sequence

from .measure import interleave, median
from .report import Figure, ratio
from .servers import ROOT, spawn


def wait_healthy(url: str, deadline: float, context: ssl.SSLContext | None = None) -> None:
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5, context=context) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError):
            pass
        if time.perf_counter() > deadline:
            raise TimeoutError(f"{url} not healthy in time")
        time.sleep(0.005)


def serve_once(extra: Sequence[str] = ()) -> dict[str, Any]:
    """``serve [extra...]`` until every health answers (over HTTPS with the CA of the start-up line for ``--tls``)."""
    started = time.perf_counter()
    server = spawn("mocks", [sys.executable, "-m", "sealmail", "serve", "--port-base", "0", "--json", "--quiet", *extra])
    try:
        line_at = time.perf_counter() - started
        ca_file = server.info.get("ca_file")
        context = ssl.create_default_context(cafile=ca_file) if ca_file else None
        for row in server.info["mocks"]:
            wait_healthy(row["base_url"] + "/__mock__/health", started + 60, context)
        return {"seconds": round(time.perf_counter() - started, 4), "startup_line_s": round(line_at, 4),
                "providers": [row["provider"] for row in server.info["mocks"]]}
    finally:
        server.stop()


def bare_once() -> dict[str, Any]:
    started = time.perf_counter()
    server = spawn("baseline", [sys.executable, "-m", "bench.baseline_server", "--path", "/health"])
    try:
        wait_healthy(server.info["url"] + "/health", started + 60)
        return {"seconds": round(time.perf_counter() - started, 4)}
    finally:
        server.stop()


def vectors_once() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as out:
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "sealmail", "vectors", "generate", "--out", out], cwd=ROOT, capture_output=True, text=True, timeout=600)
        elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"vectors generate failed: {done.stderr[-2000:]}")
    return {"seconds": round(elapsed, 4), "output_lines": len(done.stdout.splitlines())}


def imports_once() -> dict[str, Any]:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import sealmail.vectors.cli"], cwd=ROOT, check=True, timeout=120)
    return {"seconds": round(time.perf_counter() - started, 4)}


def measure(rounds: int) -> list[Figure]:
    serve = interleave(rounds, serve_once, bare_once)
    vectors = interleave(rounds, vectors_once, imports_once)
    serve_s, bare_s = median([r["seconds"] for r in serve.a]), median([r["seconds"] for r in serve.b])
    gen_s, import_s = median([r["seconds"] for r in vectors.a]), median([r["seconds"] for r in vectors.b])
    providers = serve.a[0]["providers"]
    return [
        Figure(
            figure="5-cold-start",
            subject=f"python -m sealmail serve ({len(providers)} providers) until every health answers",
            value=serve_s, unit="s", baseline_name="bare aiohttp server start", baseline=bare_s, ratio=ratio(bare_s, serve_s),
            note=f"start-up line after {median([r['startup_line_s'] for r in serve.a]):.2f} s; providers {', '.join(providers)}",
            raw={"serve_runs": serve.a, "bare_runs": serve.b},
        ),
        Figure(
            figure="5-cold-start",
            subject="python -m sealmail vectors generate (all providers, to a temporary folder)",
            value=gen_s, unit="s", baseline_name="python -c 'import sealmail.vectors.cli'", baseline=import_s, ratio=ratio(import_s, gen_s),
            note=f"{vectors.a[0]['output_lines']} vector files written per run",
            raw={"generate_runs": vectors.a, "import_runs": vectors.b},
        ),
    ]
