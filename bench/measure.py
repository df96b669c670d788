"""Measuring helpers shared by the figures: load runs, CPU time, medians, interleaving."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

from .loadgen import RawRequest, write_requests
from .profiles import PreparedRequest
from .servers import ROOT, ServerProcess, port_of

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class LoadSettings:
    """The load generator's settings for one figure (written into results.json)."""

    concurrency: int = 16
    duration_s: float = 3.0
    warmup_s: float = 0.5
    max_requests: int = 200_000
    rounds: int = 3
    distinct_requests: int = 2000

    def to_json(self) -> dict[str, Any]:
        return {
            "process": "python -m bench.loadgen (separate process, 127.0.0.1, HTTP/1.1 keep-alive, closed loop)",
            "concurrency": self.concurrency,
            "duration_s": self.duration_s,
            "warmup_s": self.warmup_s,
            "max_requests": self.max_requests,
            "rounds": self.rounds,
            "distinct_requests": self.distinct_requests,
            "order": "interleaved A/B/A/B, medians",
        }


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds used so far by process ``pid`` (``/proc/<pid>/stat``)."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def requests_file(directory: Path, name: str, url: str, requests: Sequence[PreparedRequest]) -> Path:
    """Write the generator's input for ``requests`` aimed at the server at ``url``."""
    port = port_of(url)
    path = directory / f"{name}.json"
    write_requests(path, [RawRequest(port, r.method, r.path, r.headers, r.body) for r in requests])
    return path


def run_load(path: Path, settings: LoadSettings, *, server: ServerProcess | None = None, duration_s: float | None = None,
             max_requests: int | None = None, warmup_s: float | None = None) -> dict[str, Any]:
    """One load generator run (a separate process); adds the server's CPU time per request."""
    argv = [
        sys.executable, "-m", "bench.loadgen", "--requests", str(path),
        "--concurrency", str(settings.concurrency),
        "--duration", str(duration_s if duration_s is not None else settings.duration_s),
        "--max-requests", str(max_requests if max_requests is not None else settings.max_requests),
        "--warmup", str(warmup_s if warmup_s is not None else settings.warmup_s),
    ]
    cpu_before = cpu_seconds(server.pid) if server else 0.0
    started = time.perf_counter()
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=3600)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"load generator failed ({done.returncode}): {done.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout)
    result["wall_s"] = round(wall, 3)
    if server is not None:
        served = result["completed"] + result["warmup_completed"]
        cpu = cpu_seconds(server.pid) - cpu_before
        result["server_cpu_s"] = round(cpu, 4)
        result["server_cpu_us_per_request"] = round(cpu / served * 1e6, 2) if served else None
    return result


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values)) if values else 0.0


@dataclass
class ABResult:
    """Interleaved runs of a subject (A) and its baseline (B)."""

    a: list[dict[str, Any]] = field(default_factory=list)
    b: list[dict[str, Any]] = field(default_factory=list)

    def medians(self, key: str) -> tuple[float, float]:
        return median([r[key] for r in self.a if r.get(key) is not None]), median([r[key] for r in self.b if r.get(key) is not None])


def interleave(rounds: int, run_a: Callable[[], dict[str, Any]], run_b: Callable[[], dict[str, Any]]) -> ABResult:
    """A/B/A/B... ``rounds`` times each, so slow drifts of a noisy machine hit both alike."""
    result = ABResult()
    for _ in range(rounds):
        result.a.append(run_a())
        result.b.append(run_b())
    return result
