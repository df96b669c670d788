"""Figure "fixtures-process": per-test cost of the fixtures measured as whole pytest processes.

Figure 3 times only the test loop inside pytest; a user pays the whole process. Here each side
(the ``<provider>_mock`` fixture, pytest-httpserver's ``httpserver``) runs a generated file of
300 one-request tests and the same file with 1 test, each as a fresh ``python -m pytest``
process timed from spawn to exit, interleaved (ours-300, theirs-300, ours-1, theirs-1, ...).
Per-test cost = (wall(300) - wall(1)) / 299 from the medians: interpreter start-up, plugin
loading, collection overhead and the first server start cancel out. Ratio = theirs / ours
(>= 1: ours no slower; the goal is ours <= 0.7 of theirs, ratio >= 1.43).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from .fixtures import TESTS, fixture_name, write_request, write_test_files
from .loops import rotate
from .measure import median
from .profiles import Profile
from .report import Figure, ratio
from .servers import ROOT

GOAL = 0.7
"""Issue 16: ours <= 0.7 of pytest-httpserver's per-test cost."""


def run_pytest(folder: Path, test_file: Path) -> dict[str, Any]:
    """One whole ``python -m pytest`` process on ``test_file``: wall and CPU (user + system) seconds, spawn to exit."""
    env = {**os.environ, "PYTHONPATH": f"{folder}{os.pathsep}{ROOT}"}
    argv = [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:cacheprovider", "-p", "no:xdist",
            "--rootdir", str(folder), "-c", os.devnull, str(test_file)]
    with tempfile.TemporaryFile() as out:
        started = time.perf_counter()
        process = subprocess.Popen(argv, cwd=folder, env=env, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)  # the child's own rusage: CPU, steadier than wall on a shared machine
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        output = out.read().decode(errors="replace")
    if process.returncode != 0:
        raise RuntimeError(f"pytest {test_file.name} failed ({process.returncode}): {output[-2000:]}")
    return {"wall_s": round(wall, 4), "cpu_s": round(usage.ru_utime + usage.ru_stime, 4),
            "summary": output.strip().splitlines()[-1] if output.strip() else ""}


def measure(profile: Profile, rounds: int, tests: int = TESTS) -> Figure:
    fixture = fixture_name(profile)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write_request(folder, profile)
        ours_many, theirs_many = write_test_files(folder, fixture, tests, suffix=f"_{tests}")
        ours_one, theirs_one = write_test_files(folder, fixture, 1, suffix="_1")
        runs = rotate(rounds, {
            "ours_many": lambda: run_pytest(folder, ours_many),
            "theirs_many": lambda: run_pytest(folder, theirs_many),
            "ours_one": lambda: run_pytest(folder, ours_one),
            "theirs_one": lambda: run_pytest(folder, theirs_one),
        })
    walls = {name: median([r["wall_s"] for r in results]) for name, results in runs.items()}
    cpus = {name: median([r["cpu_s"] for r in results]) for name, results in runs.items()}
    spread = {name: (min(r["wall_s"] for r in results), max(r["wall_s"] for r in results)) for name, results in runs.items()}

    def per_test(values: dict[str, float], side: str) -> float:
        return (values[f"{side}_many"] - values[f"{side}_one"]) / (tests - 1) * 1000

    ours, theirs = per_test(walls, "ours"), per_test(walls, "theirs")
    ours_cpu, theirs_cpu = per_test(cpus, "ours"), per_test(cpus, "theirs")
    return Figure(
        figure="fixtures-process",
        subject=f"whole pytest process, {tests} vs 1 one-request tests: {fixture} vs pytest-httpserver, per test",
        value=round(ours, 3), unit="ms/test", baseline_name="httpserver fixture", baseline=round(theirs, 3),
        ratio=ratio(theirs, ours), target=round(1 / GOAL, 3),
        note=(f"ratio = httpserver ms/test / ours (goal: ours <= {GOAL} of theirs); CPU per test {ours_cpu:.2f} vs {theirs_cpu:.2f} ms "
              f"(cpu ratio {ratio(theirs_cpu, ours_cpu):.3f}); process walls (median, min-max): "
              + "; ".join(f"{name} {walls[name]:.2f} s ({spread[name][0]:.2f}-{spread[name][1]:.2f})" for name in walls)),
        raw={"runs": runs, "wall_medians_s": walls, "cpu_medians_s": cpus, "tests": tests,
             "cpu_ms_per_test": {"ours": round(ours_cpu, 3), "theirs": round(theirs_cpu, 3), "ratio": ratio(theirs_cpu, ours_cpu)}},
    )
