"""Before and after, commit by commit: each git revision's ``sealmail serve`` against bare aiohttp, one run.

    python -m bench.commits --provider netcore-email 2b1cf94 05bb902 HEAD [--rounds 5] [--duration 3]
                            [--concurrency 16] [--loop asyncio]

Each revision is exported (``git archive``) and installed on its own into a temporary folder
(``pip install --no-deps --target``); its server runs with that folder first on ``PYTHONPATH``, so
the checkout's editable install is not used. All servers and a bare aiohttp handler are then driven
with the same pre-built requests (the checkout's reference client builds them), one run after another,
round after round (A B C bare A B C bare ...), by ``wrk`` when installed (else ``bench.loadgen``).
Printed per revision: req/s (min-max), server CPU per request, p50/p99, and both ratios to bare.
This is how docs/benchmarks.md gives each change's share of a gain: the CPU per request of
consecutive revisions, measured in the same run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from contextlib import ExitStack
from pathlib import Path
from typing import Any, Callable, Sequence

from .headroom import run_wrk, wrk_script
from .loops import rotate
from .measure import LoadSettings, median, requests_file, run_load
from .profiles import PROFILES, main_path
from .servers import PYTHON, ROOT, ServerProcess, port_of, spawn, start_baseline


def install_revision(revision: str, into: Path) -> Path:
    """``revision`` of this repository, installed alone (no dependencies) under ``into``; returns its folder."""
    source, target = into / f"src-{revision}", into / f"site-{revision}"
    source.mkdir(parents=True)
    archive = subprocess.run(["git", "archive", "--format=tar", revision], cwd=ROOT, capture_output=True, check=True).stdout
    archive_path = into / f"{revision}.tar"
    archive_path.write_bytes(archive)
    with tarfile.open(archive_path) as tar:
        tar.extractall(source, filter="data")
    subprocess.run([PYTHON, "-m", "pip", "install", "-q", "--disable-pip-version-check", "--no-deps", "--no-build-isolation",
                    "--target", str(target), str(source)], check=True, capture_output=True)
    return target


def start_revision(site: Path, provider_id: str, settings: dict[str, Any], loop: str) -> ServerProcess:
    """``sealmail serve`` of the revision installed in ``site`` (first on ``PYTHONPATH``)."""
    argv = [PYTHON, "-m", "sealmail", "serve", "--port-base", "0", "--json", "--quiet", "--loop", loop, "--provider", provider_id]
    for key, value in settings.items():
        argv += ["--set", f"{provider_id}.{key}={value}"]
    server = spawn(f"sealmail {site.name}", argv, env={**os.environ, "PYTHONPATH": str(site)})
    server.info["urls"] = {row["provider"]: row["base_url"] for row in server.info["mocks"]}
    return server


def compare(provider_id: str, revisions: Sequence[str], settings: LoadSettings, loop: str) -> dict[str, dict[str, Any]]:
    """Every revision and bare aiohttp, rotated; medians per server."""
    profile = PROFILES[provider_id]
    use_wrk = shutil.which("wrk") is not None
    with ExitStack() as stack, tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        servers: dict[str, tuple[ServerProcess, str]] = {}
        for revision in revisions:
            print(f"[commits] installing {revision}", file=sys.stderr, flush=True)
            server = stack.enter_context(start_revision(install_revision(revision, folder), provider_id, profile.settings, loop))
            servers[revision] = (server, server.info["urls"][provider_id])
        requests = profile.build(servers[revisions[-1]][0].info["mocks"][0], settings.distinct_requests)
        bare = stack.enter_context(start_baseline([main_path(requests)], loop=loop))
        servers["bare aiohttp"] = (bare, bare.info["url"])
        runs: dict[str, Callable[[], dict[str, Any]]] = {}
        for index, (name, (server, url)) in enumerate(servers.items()):
            if use_wrk:
                script = wrk_script(folder / f"{index}.lua", requests, f"127.0.0.1:{port_of(url)}")
                runs[name] = lambda url=url, script=script, server=server: run_wrk(url, script, settings, server)
            else:
                path = requests_file(folder, str(index), url, requests)
                runs[name] = lambda path=path, server=server: run_load(path, settings, server=server)
        results = rotate(settings.rounds, runs)
    return {name: {
        "rps": median([r["ok_rps"] for r in rs]),
        "rps_range": (min(r["ok_rps"] for r in rs), max(r["ok_rps"] for r in rs)),
        "cpu_us": median([r["server_cpu_us_per_request"] for r in rs if r.get("server_cpu_us_per_request")]),
        "p50_ms": median([r["latency_ms"]["p50"] for r in rs]),
        "p99_ms": median([r["latency_ms"]["p99"] for r in rs]),
        "generator": "wrk" if use_wrk else "bench.loadgen",
    } for name, rs in results.items()}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.commits", description=__doc__.split("\n\n")[0])
    parser.add_argument("revisions", nargs="+", help="git revisions, oldest first")
    parser.add_argument("--provider", default="netcore-email", choices=sorted(PROFILES))
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--duration", type=float, default=3.0)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--loop", default="asyncio", choices=("asyncio", "uvloop"))
    args = parser.parse_args(argv)
    settings = LoadSettings(concurrency=args.concurrency, duration_s=args.duration, rounds=args.rounds, distinct_requests=500)
    stats = compare(args.provider, args.revisions, settings, args.loop)
    bare = stats["bare aiohttp"]
    print(f"{args.provider}, c={args.concurrency}, {args.loop}, {args.rounds} rounds of {args.duration:g} s ({bare['generator']}):")
    for name, s in stats.items():
        low, high = s["rps_range"]
        print(f"  {name:14s} {s['rps']:8,.0f} req/s ({low:,.0f}-{high:,.0f})  CPU {s['cpu_us']:6.1f} us/req  "
              f"p50/p99 {s['p50_ms']:.1f}/{s['p99_ms']:.1f} ms  ratio req/s {s['rps'] / bare['rps']:.3f}  "
              f"CPU {bare['cpu_us'] / s['cpu_us']:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
