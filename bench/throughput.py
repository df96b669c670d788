"""Figure 1: each provider's main endpoint against a bare aiohttp handler, same load.

The mock runs the full pipeline (auth, decrypt or verify, validate, journal,
store) in ``python -m sealmail serve``; the baseline is
:mod:`bench.baseline_server` on the same path, reading the same body and
returning a small JSON. Both are separate processes driven in turn by the same
load generator settings (A/B/A/B), and every request sent to the mock must be
accepted (2xx), or the figure is reported as invalid.

Beside requests per second, each run records the server's CPU time per request
(``/proc/<pid>/stat``): on a shared machine that is the steadier number.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from .measure import ABResult, LoadSettings, interleave, median, requests_file, run_load
from .profiles import Profile, main_path
from .report import Figure, ratio
from .servers import start_baseline, start_mocks


def measure(profile: Profile, settings: LoadSettings) -> Figure:
    runs, _, _ = mock_vs_bare(profile, settings)
    return figure_from(profile, runs.a, runs.b)


def mock_vs_bare(profile: Profile, settings: LoadSettings, *, fill: int = 0) -> tuple[ABResult, dict[str, Any] | None, dict[str, int]]:
    """Interleaved load runs of the mock (A) and the bare aiohttp handler (B) on the same requests.

    ``fill``: first send this many requests to the mock, unmeasured (e.g. to fill its journal).
    Returns the runs, the fill run (or None) and the mock's RSS at the end.
    """
    with start_mocks([profile.provider_id], {profile.provider_id: profile.settings}) as mock, tempfile.TemporaryDirectory() as tmp:
        config = mock.info["mocks"][0]
        requests = profile.build(config, settings.distinct_requests)
        with start_baseline([main_path(requests)]) as bare:
            mock_file = requests_file(Path(tmp), "mock", mock.info["urls"][profile.provider_id], requests)
            bare_file = requests_file(Path(tmp), "bare", bare.info["url"], requests)
            filled = run_load(mock_file, settings, server=mock, duration_s=600, max_requests=fill, warmup_s=0) if fill else None
            runs = interleave(
                settings.rounds,
                lambda: run_load(mock_file, settings, server=mock),
                lambda: run_load(bare_file, settings, server=bare),
            )
            rss = mock.rss_kib()
    return runs, filled, rss


def figure_from(profile: Profile, mock_runs: list[dict[str, Any]], bare_runs: list[dict[str, Any]]) -> Figure:
    mock_rps = median([r["ok_rps"] for r in mock_runs])
    bare_rps = median([r["ok_rps"] for r in bare_runs])
    mock_cpu = median([r["server_cpu_us_per_request"] for r in mock_runs])
    bare_cpu = median([r["server_cpu_us_per_request"] for r in bare_runs])
    rejected = sum(r["completed"] - r["ok"] for r in mock_runs)
    errors = sum(sum(r["errors"].values()) for r in mock_runs + bare_runs)
    note = f"server CPU {mock_cpu:.0f} us/request vs {bare_cpu:.0f} (cpu ratio {ratio(bare_cpu, mock_cpu):.3f})"
    if rejected or errors:
        note += f"; INVALID: {rejected} mock response(s) not 2xx, {errors} connection error(s)"
    return Figure(
        figure="1-throughput",
        subject=f"{profile.provider_id} {profile.endpoint}",
        value=mock_rps,
        unit="req/s",
        baseline_name="bare aiohttp",
        baseline=bare_rps,
        ratio=0.0 if rejected else ratio(mock_rps, bare_rps),
        target=profile.throughput_target,
        note=note,
        raw={
            "mock_runs": mock_runs,
            "baseline_runs": bare_runs,
            "server_cpu_us_per_request": {"mock": mock_cpu, "baseline": bare_cpu, "ratio": ratio(bare_cpu, mock_cpu)},
        },
    )
