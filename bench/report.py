"""Benchmark figures: one record per measured ratio, printed as a table and written as JSON."""

from __future__ import annotations

import json
import os
import platform
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Sequence

RESULTS_PATH = Path(__file__).resolve().parent / "results.json"


@dataclass
class Figure:
    """One line of the report: a subject measured against a baseline from the same run.

    ``ratio`` is always "higher is better": throughput / baseline throughput, or
    baseline time / subject time.
    """

    figure: str
    """Which of the issue's figures: ``1-throughput``, ``2-jose``, ``3-fixtures``, ``4-memory``, ``5-cold-start``."""
    subject: str
    value: float
    unit: str
    baseline_name: str
    baseline: float
    ratio: float
    target: float | None = None
    note: str = ""
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def met(self) -> bool | None:
        return None if self.target is None else self.ratio >= self.target

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["met"] = self.met
        return data


def machine() -> dict[str, Any]:
    model = ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            model = next((line.split(":", 1)[1].strip() for line in info if line.startswith("model name")), "")
    except OSError:
        pass
    return {
        "cores": os.cpu_count(),
        "cores_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "cpu": model,
        "python": sys.version.split()[0],
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
    }


def ratio(value: float, baseline: float) -> float:
    return round(value / baseline, 3) if baseline else 0.0


def table(figures: Sequence[Figure]) -> str:
    """The report as a fixed-width text table."""
    rows = [("figure", "subject", "value", "baseline", "ratio", "target", "")]
    for f in figures:
        status = "" if f.met is None else ("ok" if f.met else "MISSED")
        rows.append((
            f.figure,
            f.subject,
            f"{_num(f.value)} {f.unit}",
            f"{_num(f.baseline)} ({f.baseline_name})",
            f"{f.ratio:.3f}",
            "" if f.target is None else f">= {f.target}",
            status,
        ))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    notes = [f"  [{f.figure} {f.subject}] {f.note}" for f in figures if f.note]
    return "\n".join(lines + ([""] + notes if notes else []))


def _num(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 1:
        return f"{value:.2f}"
    return f"{value:.4f}"


def write(path: Path, figures: Sequence[Figure], *, load: dict[str, Any], extra: dict[str, Any] | None = None,
          keep_others: bool = False) -> None:
    """Write the run to ``path``.

    ``keep_others`` (a run of some figures, ``--only``): rows of ``path`` this run did not measure
    again (same figure and subject) stay, each marked with the ``measured_at`` of its own run, so a
    partial rerun does not lose the rest.
    """
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    rows = [{**f.to_json(), "measured_at": now} for f in figures]
    if keep_others and path.exists():
        try:
            earlier = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            earlier = {}
        fresh = {(row["figure"], row["subject"]) for row in rows}
        stamp = earlier.get("written_at", "an earlier run")
        rows += [{**row, "measured_at": row.get("measured_at", stamp)} for row in earlier.get("figures", [])
                 if (row.get("figure"), row.get("subject")) not in fresh]
    data = {
        "schema": "sealmail-bench-v1",
        "written_at": now,
        "machine": machine(),
        "load_generator": load,
        "figures": rows,
        **(extra or {}),
    }
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
