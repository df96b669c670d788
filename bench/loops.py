"""Figure "loops": each provider's main endpoint on asyncio and on uvloop, each against bare aiohttp on the same loop,
at 16 and at 64 connections (issue 16, item 2).

Four server processes share one run: ``sealmail serve --loop asyncio``, ``--loop uvloop``, and
:mod:`bench.baseline_server` on each loop. The load generator visits them in turn, round after
round (A B C D A B C D ...), so a noisy neighbour slows all four alike; medians per server.
Skipped with one line when uvloop is not installed (``pip install -e '.[fast]'``).
"""

from __future__ import annotations

import importlib.util
import tempfile
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable, Mapping

from .measure import LoadSettings, median, requests_file, run_load
from .profiles import Profile, main_path
from .report import Figure, ratio
from .servers import ServerProcess, start_baseline, start_mocks

LOOPS = ("asyncio", "uvloop")


def uvloop_available() -> bool:
    return importlib.util.find_spec("uvloop") is not None


def rotate(rounds: int, runs: Mapping[str, Callable[[], dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    """Every run once per round, in the same order each round (A B C A B C ...)."""
    results: dict[str, list[dict[str, Any]]] = {name: [] for name in runs}
    for _ in range(rounds):
        for name, run in runs.items():
            results[name].append(run())
    return results


def summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Medians (and spread) of one server's runs: req/s, p50/p99 ms, server CPU us per request."""
    rps = [r["ok_rps"] for r in runs]
    return {
        "rps": median(rps),
        "rps_min": min(rps) if rps else 0.0,
        "rps_max": max(rps) if rps else 0.0,
        "p50_ms": median([r["latency_ms"]["p50"] for r in runs if r["latency_ms"]["p50"] is not None]),
        "p99_ms": median([r["latency_ms"]["p99"] for r in runs if r["latency_ms"]["p99"] is not None]),
        "cpu_us": median([r["server_cpu_us_per_request"] for r in runs if r.get("server_cpu_us_per_request")]),
        "rejected": sum(r["completed"] - r["ok"] for r in runs),
        "errors": sum(sum(r["errors"].values()) for r in runs),
    }


def describe(s: Mapping[str, Any]) -> str:
    return (f"{s['rps']:,.0f} req/s (spread {s['rps_min']:,.0f}-{s['rps_max']:,.0f}), p50/p99 {s['p50_ms']:.1f}/{s['p99_ms']:.1f} ms, "
            f"CPU {s['cpu_us']:.0f} us/req")


CONCURRENCIES = (16, 64)
"""Issue 16, item 2: the ratio goal holds at 16 and at 64 connections."""
GOAL = 0.7
"""Issue 16, item 2: >= 0.7 of bare aiohttp on the same loop (figure 1 keeps issue 8's 0.8)."""


def measure(profile: Profile, settings: LoadSettings, concurrencies: tuple[int, ...] = CONCURRENCIES) -> list[Figure]:
    servers: dict[str, ServerProcess] = {}
    with ExitStack() as stack, tempfile.TemporaryDirectory() as tmp:
        for loop in LOOPS:
            servers[f"mock/{loop}"] = stack.enter_context(start_mocks([profile.provider_id], {profile.provider_id: profile.settings}, loop=loop))
        config = servers["mock/asyncio"].info["mocks"][0]
        requests = profile.build(config, settings.distinct_requests)
        for loop in LOOPS:
            servers[f"bare/{loop}"] = stack.enter_context(start_baseline([main_path(requests)], loop=loop))
        runs: dict[str, Callable[[], dict[str, Any]]] = {}
        for concurrency in concurrencies:
            at = replace(settings, concurrency=concurrency)
            for name, server in servers.items():
                url = server.info["urls"][profile.provider_id] if name.startswith("mock") else server.info["url"]
                path = requests_file(Path(tmp), f"{name.replace('/', '-')}-c{concurrency}", url, requests)
                runs[f"{name}@{concurrency}"] = lambda path=path, server=server, at=at: run_load(path, at, server=server)
        results = rotate(settings.rounds, runs)
    stats = {name: summary(r) for name, r in results.items()}
    figures = []
    for concurrency in concurrencies:
        for loop in LOOPS:
            mock, bare = stats[f"mock/{loop}@{concurrency}"], stats[f"bare/{loop}@{concurrency}"]
            invalid = mock["rejected"] or mock["errors"] or bare["errors"]
            figures.append(Figure(
                figure="loops",
                subject=f"{profile.provider_id} {profile.endpoint} on {loop}, c={concurrency}",
                value=mock["rps"], unit="req/s", baseline_name=f"bare aiohttp on {loop}", baseline=bare["rps"],
                ratio=0.0 if invalid else ratio(mock["rps"], bare["rps"]), target=GOAL if profile.throughput_target is not None else None,
                note=f"mock {describe(mock)}; bare {describe(bare)}; CPU ratio (bare/mock us per request) "
                     f"{ratio(bare['cpu_us'], mock['cpu_us']):.3f}" + ("; INVALID: rejected requests or connection errors" if invalid else ""),
                raw={"concurrency": concurrency, "mock": mock, "bare": bare,
                     "mock_runs": results[f"mock/{loop}@{concurrency}"], "bare_runs": results[f"bare/{loop}@{concurrency}"]},
            ))
    first = concurrencies[0]
    figures.append(Figure(
        figure="loops",
        subject=f"{profile.provider_id} on uvloop vs the same on asyncio, c={first}",
        value=stats[f"mock/uvloop@{first}"]["rps"], unit="req/s", baseline_name="sealmail on asyncio",
        baseline=stats[f"mock/asyncio@{first}"]["rps"],
        ratio=ratio(stats[f"mock/uvloop@{first}"]["rps"], stats[f"mock/asyncio@{first}"]["rps"]),
        note=f"bare aiohttp uvloop/asyncio: {ratio(stats[f'bare/uvloop@{first}']['rps'], stats[f'bare/asyncio@{first}']['rps']):.3f}",
        raw={"stats": stats},
    ))
    return figures
