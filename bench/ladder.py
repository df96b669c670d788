"""Figure "ladder": what stands between the mock and 0.7 of bare aiohttp (issue 16, item 2).

Three servers on the same loop, driven by the same requests (netcore-email's encrypted mails), rotated
round after round, each measured by the server's CPU time per request:

1. bare aiohttp: read the body, answer a small JSON (figure 1's baseline);
2. the *unchecked* pipeline: (1) plus only the work no netcore-email mock can skip, done with the
   standard library and ``cryptography`` and no check at all (three base64 decodes, AES-256-GCM, a JSON
   parse, keeping the request and the message in capped deques, a JSON answer:
   :mod:`bench.baseline_server` ``--work aesgcm``);
3. the mock: every rule of the provider, the journal with reasons, the store, the byte budgets.

The goal "0.7 of bare" leaves ``bare_cpu / 0.7 - bare_cpu`` microseconds per request for everything the
mock adds; the ladder shows how much of that the unchecked steps alone already use. Driven by ``wrk``
when installed (the Python generator shares the 2 cores and flatters ratios, see ``headroom``), else by
``bench.loadgen``.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any, Callable

from .headroom import run_wrk, wrk_script
from .loops import GOAL, rotate
from .measure import LoadSettings, median, requests_file, run_load
from .profiles import Profile, main_path
from .report import Figure, ratio
from .servers import ServerProcess, port_of, start_baseline, start_mocks

STEPS = ("bare", "unchecked", "mock")


def measure(profile: Profile, settings: LoadSettings) -> list[Figure]:
    """The ladder for ``profile`` (netcore-email: the unchecked pipeline is its work)."""
    use_wrk = shutil.which("wrk") is not None
    with start_mocks([profile.provider_id], {profile.provider_id: profile.settings}) as mock, tempfile.TemporaryDirectory() as tmp:
        requests = profile.build(mock.info["mocks"][0], settings.distinct_requests)
        path = main_path(requests)
        with start_baseline([path]) as bare, start_baseline([path], work="aesgcm") as unchecked:
            servers: dict[str, tuple[ServerProcess, str]] = {
                "bare": (bare, bare.info["url"]),
                "unchecked": (unchecked, unchecked.info["url"]),
                "mock": (mock, mock.info["urls"][profile.provider_id]),
            }
            runs: dict[str, Callable[[], dict[str, Any]]] = {}
            for step, (server, url) in servers.items():
                if use_wrk:
                    script = wrk_script(Path(tmp) / f"{step}.lua", requests, f"127.0.0.1:{port_of(url)}")
                    runs[step] = lambda url=url, script=script, server=server: run_wrk(url, script, settings, server)
                else:
                    file = requests_file(Path(tmp), step, url, requests)
                    runs[step] = lambda file=file, server=server: run_load(file, settings, server=server)
            results = rotate(settings.rounds, runs)
    cpu = {step: median([r["server_cpu_us_per_request"] for r in results[step] if r.get("server_cpu_us_per_request")]) for step in STEPS}
    rps = {step: median([r["ok_rps"] for r in results[step]]) for step in STEPS}
    budget = cpu["bare"] / GOAL - cpu["bare"]
    generator = "wrk" if use_wrk else "bench.loadgen"
    shared = {"generator": generator, "cpu_us": cpu, "rps": rps, "budget_us_at_goal": round(budget, 1), "runs": results}
    figures = []
    for step in ("unchecked", "mock"):
        added = cpu[step] - cpu["bare"]
        figures.append(Figure(
            figure="ladder",
            subject=f"{profile.provider_id}: {'its unavoidable steps, no checks' if step == 'unchecked' else 'the mock, every check'} "
                    f"vs bare aiohttp, server CPU per request ({generator})",
            value=round(cpu[step], 1), unit="us/req", baseline_name="bare aiohttp", baseline=round(cpu["bare"], 1),
            ratio=ratio(cpu["bare"], cpu[step]), target=GOAL if step == "mock" else None,
            note=(f"adds {added:.0f} us per request; {GOAL} of bare leaves {budget:.0f} us for everything the mock adds; "
                  f"req/s {rps[step]:,.0f} vs {rps['bare']:,.0f}"),
            raw=shared if step == "mock" else {"cpu_us": cpu},
        ))
    return figures
