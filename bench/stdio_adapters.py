"""``python -m bench.stdio_adapters``: what a stdio adapter costs per check, against the in-process Python adapter.

For each provider with adapters in several languages (netcore-email, ncp-mailer,
netcore-ce), one round runs the whole suite once per client, in an order that
rotates every round: the reference Python client in-process (the baseline),
then the Node, Java and PHP stdio adapters. Reported per client: the median
suite time and its spread over the rounds, the ratio to the same round's
Python time, and the overhead per check, (stdio - Python) / checks.

Java runs as classes compiled once with ``javac`` (with C1 only and the serial
GC, as the tests do); ``java Adapter.java`` compiles on every start, and its
cost is shown separately as one extra client.
"""

from __future__ import annotations

import argparse
import json
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Sequence

from sealmail.conformance.framework import client_factory, get_suite, run_suite
from sealmail.mockservers.core import MockPool

ADAPTERS = Path(__file__).resolve().parents[1] / "conformance" / "adapters"
PROVIDERS = ("netcore-email", "ncp-mailer", "netcore-ce")
JAVA_FLAGS = ["-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"]


def commands(provider: str, classes: Path | None, with_source_java: bool) -> dict[str, str | None]:
    """Client label -> stdio command (None: the in-process Python reference client)."""
    chosen: dict[str, str | None] = {"python (in-process)": None}
    if shutil.which("node"):
        chosen["node"] = shlex.join(["node", str(ADAPTERS / "node" / f"{provider}.mjs")])
    if classes is not None:
        chosen["java (javac once)"] = shlex.join(["java", *JAVA_FLAGS, "-cp", str(classes), "Adapter", provider])
        if with_source_java:
            chosen["java Adapter.java"] = shlex.join(["java", str(ADAPTERS / "java" / "Adapter.java"), provider])
    if shutil.which("php"):
        chosen["php"] = shlex.join(["php", str(ADAPTERS / "php" / "adapter.php"), provider])
    return chosen


def measure(rounds: int, with_source_java: bool) -> dict[str, object]:
    results: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as scratch, MockPool() as pool:
        classes = None
        if shutil.which("javac"):
            classes = Path(scratch)
            subprocess.run(["javac", "-d", str(classes), str(ADAPTERS / "java" / "Adapter.java")], check=True)
        for provider in PROVIDERS:
            suite = get_suite(provider)
            clients = commands(provider, classes, with_source_java)
            times: dict[str, list[float]] = {label: [] for label in clients}
            ratios: dict[str, list[float]] = {label: [] for label in clients}
            failures: dict[str, list[str]] = {label: [] for label in clients}
            labels = list(clients)
            for round_index in range(rounds):
                order = labels[round_index % len(labels):] + labels[:round_index % len(labels)]
                this_round: dict[str, float] = {}
                for label in order:
                    factory = client_factory(suite, command=clients[label]) if clients[label] else None
                    started = time.perf_counter()
                    report = run_suite(suite, factory, pool=pool, client_name=label)
                    this_round[label] = time.perf_counter() - started
                    # Timing-judged requirements (retry backoff) can fail on a loaded machine; say so, keep timing.
                    failures[label].extend(sorted(report.failed_ids()))
                for label, seconds in this_round.items():
                    times[label].append(seconds)
                    ratios[label].append(seconds / this_round["python (in-process)"])
            baseline = statistics.median(times["python (in-process)"])
            results[provider] = {
                "checks": len(suite.checks),
                "clients": {
                    label: {
                        "median_s": round(statistics.median(values), 3),
                        "min_s": round(min(values), 3),
                        "max_s": round(max(values), 3),
                        "ratio_to_python": round(statistics.median(ratios[label]), 2),
                        "overhead_per_check_ms": round(1000 * (statistics.median(values) - baseline) / len(suite.checks), 1),
                        "failed_requirements": failures[label],
                    }
                    for label, values in times.items()
                },
            }
    return results


def table(results: dict[str, object]) -> str:
    lines = [f"{'provider':14} {'client':20} {'checks':>6} {'median s':>9} {'min-max s':>13} {'x python':>9} {'ms/check':>9}"]
    for provider, data in results.items():
        assert isinstance(data, dict)
        for label, row in data["clients"].items():
            lines.append(f"{provider:14} {label:20} {data['checks']:>6} {row['median_s']:>9.2f} "
                         f"{row['min_s']:>6.2f}-{row['max_s']:<6.2f} {row['ratio_to_python']:>9.2f} {row['overhead_per_check_ms']:>9.0f}"
                         + (f"  failed: {', '.join(row['failed_requirements'])}" if row["failed_requirements"] else ""))
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.stdio_adapters", description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--source-java", action="store_true", help="also time `java Adapter.java` (compiles at every start)")
    parser.add_argument("--out", type=Path, help="also write the numbers as JSON")
    args = parser.parse_args(argv)
    results = measure(args.rounds, args.source_java)
    print(table(results))
    if args.out:
        args.out.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
