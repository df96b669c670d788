"""``sealmail vectors generate`` is byte-reproducible for every provider, and the committed data is its output."""

from __future__ import annotations

import filecmp
import subprocess
import sys
from pathlib import Path

from sealmail.vectors.schema import DATA_DIR


def _generate(out: Path, *seed: str) -> None:
    result = subprocess.run([sys.executable, "-m", "sealmail", "vectors", "generate", *seed, "--out", str(out)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr


def _same_tree(one: Path, two: Path) -> None:
    files = sorted(p.relative_to(one) for p in one.rglob("*.json"))
    assert files == sorted(p.relative_to(two) for p in two.rglob("*.json"))
    assert {p.parts[0] for p in files} == {"autosend", "ncp-mailer", "netcore-ce", "netcore-email", "stayprivate"}
    _, mismatch, errors = filecmp.cmpfiles(one, two, [str(p) for p in files], shallow=False)
    assert mismatch == [] and errors == []


def test_generate_with_one_seed_twice_gives_identical_trees(tmp_path: Path) -> None:
    _generate(tmp_path / "first", "--seed", "7")
    _generate(tmp_path / "second", "--seed", "7")
    _same_tree(tmp_path / "first", tmp_path / "second")


def test_committed_data_equals_a_regeneration(tmp_path: Path) -> None:
    _generate(tmp_path / "again")
    _same_tree(DATA_DIR, tmp_path / "again")
