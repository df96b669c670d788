"""``sealmail vectors generate`` with one seed writes byte-identical trees for every provider.

(That the committed files equal a regeneration from the recorded seeds, byte for byte, is
tests/vectors/test_vectors.py::test_committed_files_are_the_output_of_the_recorded_seed.)
"""

from __future__ import annotations

import contextlib
import filecmp
import io
from pathlib import Path

from sealmail.vectors.cli import main


def _generate(out: Path) -> None:
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["generate", "--seed", "7", "--out", str(out)]) == 0


def test_generate_with_one_seed_twice_gives_identical_trees(tmp_path: Path) -> None:
    one, two = tmp_path / "first", tmp_path / "second"
    _generate(one)
    _generate(two)
    files = sorted(p.relative_to(one) for p in one.rglob("*"))
    assert files == sorted(p.relative_to(two) for p in two.rglob("*"))
    assert {p.parts[0] for p in files} == {"autosend", "ncp-mailer", "netcore-ce", "netcore-email", "stayprivate"}
    _, mismatch, errors = filecmp.cmpfiles(one, two, [str(p) for p in files if (one / p).is_file()], shallow=False)
    assert mismatch == [] and errors == []
