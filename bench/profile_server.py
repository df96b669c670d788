"""Profile a mock under load: where does a request's time go?

    python -m bench.profile_server --provider netcore-email [--seconds 5] [--top 40] [--sort tottime]

Starts the provider's mock in this process under ``cProfile``, drives its main
endpoint from the load generator (a separate process, as in ``make bench``) with
the provider's profile requests, and prints the hottest functions. This is the
tool behind the "before and after" numbers in the benchmark report.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import json
import pstats
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Sequence

from sealmail.mockservers.core import create_app, start_mock
from sealmail.mockservers.core.control import describe

from .loadgen import RawRequest, write_requests
from .profiles import PROFILES
from .servers import port_of


async def profile(provider_id: str, seconds: float, concurrency: int, settings: dict[str, str]) -> pstats.Stats:
    app = create_app(provider_id, PROFILES[provider_id].settings | settings)
    running = await start_mock(app)
    requests = PROFILES[provider_id].build(describe(running.state, running.url), 2000)
    port = port_of(running.url)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "requests.json"
        write_requests(path, [RawRequest(port, r.method, r.path, r.headers, r.body) for r in requests])
        profiler = cProfile.Profile()
        profiler.enable()
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bench.loadgen", "--requests", str(path), "--concurrency", str(concurrency),
            "--duration", str(seconds), stdout=subprocess.PIPE,
        )
        out, _ = await process.communicate()
        profiler.disable()
    await running.runner.cleanup()
    result = json.loads(out)
    print(f"{provider_id}: {result['rps']} req/s under the profiler, statuses {result['statuses']}", file=sys.stderr)
    return pstats.Stats(profiler)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile_server")
    parser.add_argument("--provider", required=True, choices=sorted(PROFILES))
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--sort", default="tottime", choices=("tottime", "cumulative"))
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="mock setting")
    args = parser.parse_args(argv)
    settings = dict(item.split("=", 1) for item in args.set)
    stats = asyncio.run(profile(args.provider, args.seconds, args.concurrency, settings))
    text = io.StringIO()
    stats.stream = text  # type: ignore[attr-defined]
    stats.sort_stats(args.sort).print_stats(args.top)
    print(text.getvalue())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
