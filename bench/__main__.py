"""``python -m bench`` (``make bench``): every figure of issue 8, as ratios against same-run baselines.

    python -m bench [--only 1,2,3,4,5,6,7] [--provider ID ...] [--quick] [--rounds N] [--duration S]
                    [--concurrency N] [--memory-requests N] [--out bench/results.json] [--strict]

1. throughput of each provider's main endpoint vs a bare aiohttp handler (:mod:`bench.throughput`)
2. JWE / JWT endpoints vs raw ``cryptography`` (:mod:`bench.jose`)
3. per-test cost of the fixtures vs pytest-httpserver (:mod:`bench.fixtures`)
4. peak RSS after 200,000 requests (:mod:`bench.memory`), and with maximum-size inputs until every byte
   budget evicts, vs the documented bound of docs/memory.md (:mod:`bench.memory_max`)
5. cold start of ``serve`` and ``vectors generate`` (:mod:`bench.coldstart`)
8. ``serve --tls --persist`` start-up vs plain, and ``--persist`` throughput vs in memory (:mod:`bench.serve_features`)
6. the latency tail with a full journal and store (p99/p50 at c=16 vs bare aiohttp; netcore-email, ncp-mailer,
   netcore-ce) and the GC-tracked objects one request leaves behind (every provider) (:mod:`bench.tail`)
7. health p99 of every mock while one client sends each provider's most expensive input (:mod:`bench.stall`)

Issue 16's figures (:mod:`bench.more_figures`): ``loops`` (asyncio and uvloop at c=16 and c=64, each vs bare aiohttp
on the same loop), ``ladder`` (bare aiohttp, the unavoidable steps without checks, the mock: CPU per request),
``peers`` (WireMock standalone), ``fixtures-process`` (whole pytest processes),
``headroom`` (the load generator's own CPU; wrk), ``cold-start`` (serve with the deferred client CA
loading, before and after). ``--only 1,peers`` picks any of them. Issue 17's ``tenants``: the cost of
tenant attribution, a request with 100 tenants defined vs none (:mod:`bench.tenants`).

Prints a table, writes JSON (raw numbers, the machine's cores, the load
generator's settings). Exit 0 unless a figure could not be measured, or
``--strict`` and a target was missed.
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from pathlib import Path
from typing import Callable, Sequence

from . import ceiling, coldstart, fixtures, jose, memory, memory_max, more_figures, serve_features, stall, tail, tenants, throughput
from .measure import LoadSettings
from .profiles import available_profiles, missing_profiles
from .report import RESULTS_PATH, Figure, table, write


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description="sealmail benchmarks (issue 8)")
    parser.add_argument("--only", default=",".join(["1", "2", "3", "4", "5", "6", "7", "8", *more_figures.NAMES, "tenants"]),
                        help="figures to run, e.g. 1,3,peers (default: all)")
    parser.add_argument("--provider", action="append", help="only these providers (default: every one with a profile)")
    parser.add_argument("--quick", action="store_true", help="short runs (a smoke test of the harness, not a measurement)")
    parser.add_argument("--rounds", type=int, help="A/B rounds per figure (default 5, quick 1)")
    parser.add_argument("--duration", type=float, help="seconds per load run (default 3, quick 1)")
    parser.add_argument("--concurrency", type=int, default=16, help="load generator connections (default 16)")
    parser.add_argument("--memory-requests", type=int, help="figure 4 request count (default 200000, quick 20000)")
    parser.add_argument("--out", type=Path, default=RESULTS_PATH, help="JSON output (default bench/results.json)")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    wanted = {part.strip() for part in args.only.split(",") if part.strip()}
    rounds = args.rounds or (1 if args.quick else 5)
    settings = LoadSettings(
        concurrency=args.concurrency,
        duration_s=args.duration or (1.0 if args.quick else 3.0),
        warmup_s=0.2 if args.quick else 0.5,
        rounds=rounds,
        distinct_requests=300 if args.quick else 2000,
    )
    profiles = available_profiles(args.provider)
    figures: list[Figure] = []
    errors: list[str] = []
    started = time.perf_counter()

    def attempt(name: str, run: Callable[[], list[Figure]]) -> None:
        print(f"[bench] {name} ...", file=sys.stderr, flush=True)
        begun = time.perf_counter()
        try:
            got = run()
        except Exception as error:  # one broken figure must not hide the others
            errors.append(f"{name}: {type(error).__name__}: {error}")
            traceback.print_exc()
            return
        figures.extend(got)
        for figure in got:
            status = "" if figure.met is None else (" ok" if figure.met else " MISSED")
            print(f"[bench]   {figure.subject}: ratio {figure.ratio:.3f}{status}", file=sys.stderr, flush=True)
        print(f"[bench]   ({time.perf_counter() - begun:.0f} s)", file=sys.stderr, flush=True)

    if "1" in wanted:
        for provider_id, profile in profiles.items():
            attempt(f"1 throughput {provider_id}", lambda profile=profile: [throughput.measure(profile, settings)])
        if "netcore-email" in profiles:
            attempt("1 ceiling", lambda: [ceiling.measure(settings)])
    if "2" in wanted:
        for provider_id, profile in profiles.items():
            if profile.jose:
                attempt(f"2 jose {provider_id}", lambda profile=profile: jose.measure(profile, settings))
    if "3" in wanted:
        first = next(iter(profiles.values()), None)
        if first is None:
            errors.append("3 fixtures: no provider profile")
        elif not fixtures.httpserver_available():
            errors.append("3 fixtures: pytest-httpserver is not installed (pip install -e '.[bench]')")
        else:
            attempt("3 fixtures", lambda: [fixtures.measure(first, max(rounds, 3 if not args.quick else 1))])
    if "4" in wanted and profiles:
        total = args.memory_requests or (20_000 if args.quick else 200_000)
        attempt("4 memory", lambda: [memory.measure(profiles, settings, total_requests=total)])
    if "4" in wanted and len(profiles) == len(memory_max.BIG) and not args.quick:
        attempt("4 memory, maximum-size inputs", lambda: [memory_max.measure()])
    if "5" in wanted:
        attempt("5 cold start", lambda: coldstart.measure(max(1, min(rounds, 3))))
    if "6" in wanted:
        for provider_id, profile in profiles.items():
            if profile.throughput_target is not None:
                attempt(f"6 tail {provider_id}", lambda profile=profile: tail.measure(profile, settings, fill=2_000 if args.quick else 12_000))
            else:
                attempt(f"6 gc objects {provider_id}", lambda profile=profile: tail.measure_objects(profile, 500 if args.quick else 3_000))
    if "7" in wanted:
        attempt("7 stall", lambda: stall.measure(seconds=1.0 if args.quick else 4.0, only=args.provider))
    if "8" in wanted:
        attempt("8 serve --tls --persist start-up", lambda: [serve_features.measure_startup(max(1, min(rounds, 3)))])
        for provider_id, profile in profiles.items():
            attempt(f"8 --persist throughput {provider_id}",
                    lambda profile=profile: [serve_features.measure_persist_throughput(profile, settings)])
    more_figures.run(wanted, attempt, errors, profiles, settings, quick=args.quick, rounds=rounds)
    if "tenants" in wanted:
        attempt("tenant attribution", lambda: tenants.figures(rounds, 200 if args.quick else 1000))

    extra = {
        "seconds": round(time.perf_counter() - started, 1),
        "errors": errors,
        "skipped": more_figures.SKIPPED,
        "providers": list(profiles),
        "providers_without_profile": missing_profiles(),
        "quick": args.quick,
    }
    everything = wanted >= set(build_parser().get_default("only").split(",")) and not args.provider
    write(args.out, figures, load=settings.to_json(), extra=extra, keep_others=not everything and not args.quick)
    print(table(figures))
    for error in errors:
        print(f"ERROR {error}")
    if extra["providers_without_profile"]:
        print(f"no bench profile yet (add one in bench/profiles.py): {', '.join(extra['providers_without_profile'])}")
    print(f"written: {args.out}")
    missed = [f for f in figures if f.met is False]
    if errors:
        return 2
    return 1 if args.strict and missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
