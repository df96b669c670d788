"""How close can a full pipeline get to a bare handler? (why figure 1 misses 0.8)

    python -m bench.ceiling [--rounds 5] [--duration 3]

Three servers, each its own process, under the same load as figure 1 with
netcore-email's encrypted requests, as two figures each against its own bare
run (A/B interleaved; ``make bench`` writes the first as figure 1's ceiling row):

- the bare aiohttp handler (figure 1's baseline);
- the *unchecked* pipeline: the bare handler plus only the work no mock can
  skip (base64 of key, IV and body, AES-256-GCM, JSON parse, keep the request
  and the message in capped deques, a JSON answer) and none of the checks
  (:mod:`bench.baseline_server` ``--work aesgcm``);
- the netcore-email mock (auth, strict decoding, validation, journal with
  reasons, store, error shapes).

If the unchecked pipeline is itself below 0.8 of the bare handler, no
optimisation of the mock that keeps its checks can reach 0.8.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import Sequence

from . import throughput
from .measure import LoadSettings, interleave, median, requests_file, run_load
from .profiles import PROFILES, main_path
from .report import Figure, ratio, table
from .servers import start_baseline, start_mocks


def measure(settings: LoadSettings) -> Figure:
    """Figure 1's reference row: netcore-email's unchecked pipeline against the bare handler.

    Not a target: the ceiling any netcore-email mock that keeps its checks stays under.
    """
    profile = PROFILES["netcore-email"]
    with start_mocks(["netcore-email"]) as mock, tempfile.TemporaryDirectory() as tmp:
        requests = profile.build(mock.info["mocks"][0], settings.distinct_requests)
        path = main_path(requests)
        with start_baseline([path]) as bare, start_baseline([path], work="aesgcm") as unchecked:
            unchecked_file = requests_file(Path(tmp), "unchecked", unchecked.info["url"], requests)
            bare_file = requests_file(Path(tmp), "bare", bare.info["url"], requests)
            runs = interleave(
                settings.rounds,
                lambda: run_load(unchecked_file, settings, server=unchecked),
                lambda: run_load(bare_file, settings, server=bare),
            )
    unchecked_rps = median([r["ok_rps"] for r in runs.a])
    bare_rps = median([r["ok_rps"] for r in runs.b])
    unchecked_cpu = median([r["server_cpu_us_per_request"] for r in runs.a])
    bare_cpu = median([r["server_cpu_us_per_request"] for r in runs.b])
    return Figure(
        figure="1-throughput",
        subject="ceiling: netcore-email's irreducible work, no checks (base64 x3, AES-256-GCM, JSON, capped deques)",
        value=unchecked_rps, unit="req/s", baseline_name="bare aiohttp", baseline=bare_rps,
        ratio=ratio(unchecked_rps, bare_rps), target=None,
        note=f"server CPU {unchecked_cpu:.0f} us/request vs {bare_cpu:.0f}: a mock that keeps its checks stays below this ratio",
        raw={"unchecked_runs": runs.a, "baseline_runs": runs.b},
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ceiling")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--duration", type=float, default=3.0)
    args = parser.parse_args(argv)
    settings = LoadSettings(duration_s=args.duration, rounds=args.rounds)
    # The same two rows make bench writes: the ceiling, and the mock itself (figure 1).
    print(table([measure(settings), throughput.measure(PROFILES["netcore-email"], settings)]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
