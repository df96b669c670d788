"""Figure 7: one expensive client never stalls the others (issue 13, "Bounded work").

All five mocks run in one ``sealmail serve`` process (one event loop, as users
run them). For each worst input of :mod:`bench.worst` one load generator
connection sends that request back to back for ``seconds``, while a prober in
this process sends ``GET /__mock__/health`` to every provider every
``PROBE_INTERVAL_S`` over keep-alive connections and records each answer's
latency. Between two worst inputs the same prober measures the idle mocks: the
baseline of the same run. Goal: health p99 under 100 ms under every worst
input (ratio = 100 ms / p99, >= 1 met); the note gives p50 / p99 and the ratio
to the idle p99.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from .loadgen import HOST, RawRequest, write_requests
from .measure import median
from .report import Figure, ratio
from .servers import ROOT, port_of, start_mocks
from .worst import WORST, WorstInput

GOAL_MS = 100.0
PROBE_INTERVAL_S = 0.01


def measure(seconds: float = 4.0, only: list[str] | None = None) -> list[Figure]:
    worst = [w for w in WORST if not only or w.provider_id in only]
    providers = sorted({w.provider_id for w in WORST})
    figures: list[Figure] = []
    with start_mocks(providers) as mock, tempfile.TemporaryDirectory() as tmp:
        rows = {row["provider"]: row for row in mock.info["mocks"]}
        health_ports = [port_of(mock.info["urls"][p]) for p in providers]
        idle_runs: list[list[float]] = [asyncio.run(probe(health_ports, seconds))]
        for item in worst:
            request = item.build(rows[item.provider_id])
            path = Path(tmp) / "worst.json"
            write_requests(path, [RawRequest(port_of(mock.info["urls"][item.provider_id]), request.method, request.path,
                                             request.headers, request.body)])
            load = subprocess.Popen(
                [sys.executable, "-m", "bench.loadgen", "--requests", str(path), "--concurrency", "1",
                 "--duration", str(seconds), "--warmup", "0"],
                cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            )
            latencies = asyncio.run(probe(health_ports, seconds))
            out, err = load.communicate(timeout=seconds + 600)
            if load.returncode != 0:
                raise RuntimeError(f"load generator failed for {item.name}: {err[-2000:]}")
            heavy = json.loads(out)
            idle_runs.append(asyncio.run(probe(health_ports, min(seconds, 2.0))))
            figures.append(_figure(item, len(request.body), latencies, heavy, idle_runs))
        mock.stop()
    return figures


def _figure(item: WorstInput, body_bytes: int, latencies: list[float], heavy: dict[str, Any], idle_runs: list[list[float]]) -> Figure:
    p50, p99 = _pct(latencies, 0.50), _pct(latencies, 0.99)
    idle_p50 = median([_pct(run, 0.50) for run in idle_runs])
    idle_p99 = median([_pct(run, 0.99) for run in idle_runs])
    statuses = heavy["statuses"]
    accepted = sum(n for s, n in statuses.items() if s.startswith("2"))
    valid = heavy["completed"] > 0 and (item.expect == "either" or (accepted == heavy["completed"]) == (item.expect == "accepted"))
    note = (f"{item.why}; {body_bytes / 1048576:.2f} MiB body, {heavy['completed']} sent in the window "
            f"(statuses {statuses}, each {heavy['latency_ms']['p50']:.0f} ms); health of all five mocks "
            f"p50 {p50:.1f} / p99 {p99:.1f} / max {max(latencies, default=0):.1f} ms over {len(latencies)} probes; "
            f"idle p50 {idle_p50:.1f} / p99 {idle_p99:.1f} ms (p99 x{p99 / idle_p99 if idle_p99 else 0:.1f} idle)")
    if not valid:
        note += f"; INVALID: expected {item.expect}"
    return Figure(
        figure="7-stall",
        subject=f"health p99 while {item.provider_id} gets its {item.name}",
        value=round(p99, 2), unit="ms health p99",
        baseline_name=f"goal {GOAL_MS:.0f} ms; idle p99 {idle_p99:.1f} ms", baseline=GOAL_MS,
        ratio=ratio(GOAL_MS, p99) if valid and p99 else 0.0, target=1.0, note=note,
        raw={"health_ms": {"p50": p50, "p99": p99, "max": max(latencies, default=0.0), "probes": len(latencies)},
             "idle_ms": {"p50": idle_p50, "p99": idle_p99}, "heavy": heavy, "body_bytes": body_bytes},
    )


def _pct(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def probe(ports: list[int], seconds: float) -> list[float]:
    """Health latencies (ms) of every port, probed together every ``PROBE_INTERVAL_S`` for ``seconds``."""
    connections = [await asyncio.open_connection(HOST, port) for port in ports]
    latencies: list[float] = []
    stop_at = time.perf_counter() + seconds
    try:
        while time.perf_counter() < stop_at:
            started = time.perf_counter()
            done = await asyncio.gather(*(_health(reader, writer, port) for (reader, writer), port in zip(connections, ports)))
            latencies.extend(done)
            await asyncio.sleep(max(0.0, PROBE_INTERVAL_S - (time.perf_counter() - started)))
    finally:
        for _, writer in connections:
            writer.close()
    return latencies


async def _health(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, port: int) -> float:
    started = time.perf_counter()
    writer.write(f"GET /__mock__/health HTTP/1.1\r\nHost: {HOST}:{port}\r\n\r\n".encode("ascii"))
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    await reader.readexactly(length)
    if not head.startswith(b"HTTP/1.1 200"):
        raise RuntimeError(f"health answered {head[:40]!r}")
    return (time.perf_counter() - started) * 1000
