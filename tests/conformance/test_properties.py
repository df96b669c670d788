"""Property runs against a client: reference clients pass; planted bugs are found and shrunk."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from sealmail.conformance.framework import get_suite
from sealmail.conformance.properties import json_diff, run_properties

from . import property_bugs

PROVIDERS = ("netcore-email", "autosend", "ncp-mailer", "netcore-ce", "stayprivate")


@pytest.mark.parametrize("provider_id", PROVIDERS)
def test_reference_clients_keep_every_property(provider_id: str) -> None:
    count = 12 if provider_id == "stayprivate" else 25  # attachments up to 1 MiB: fewer, larger examples
    report = run_properties(get_suite(provider_id), None, count)
    assert report.passed, report.text()
    assert report.examples >= count


def test_a_latin1_client_is_found_and_shrunk_to_one_non_ascii_character() -> None:
    report = run_properties(get_suite("netcore-email"), property_bugs.latin1_client, 100)
    assert not report.passed
    assert "payload_not_utf8" in (report.failure or "")
    text = json.dumps(report.minimal_example, ensure_ascii=False)
    non_ascii = [c for c in text if ord(c) > 127]
    assert len(non_ascii) == 1, text  # shrunk: one character outside ASCII is all it takes
    assert "\\u0080" in report.text() or "\\x80" in report.text() or non_ascii[0] in report.text()


def test_a_client_dropping_empty_lists_is_found_with_the_field_named_the_same_way_every_run() -> None:
    report = run_properties(get_suite("netcore-email"), property_bugs.drops_empty_lists_client, 60, seed=7)
    assert not report.passed
    assert re.search(r"personalizations\[0\]\.(cc|bcc): missing \(expected \[\]\)", report.failure or ""), report.failure
    minimal = report.minimal_example
    assert [p.get("cc", p.get("bcc")) for p in minimal["personalizations"]].count([]) == 1, minimal
    assert len(minimal["personalizations"]) == 1 and len(minimal["personalizations"][0]["to"]) == 1
    again = run_properties(get_suite("netcore-email"), property_bugs.drops_empty_lists_client, 60, seed=7)
    assert (again.failure, again.minimal_example, again.examples) == (report.failure, report.minimal_example, report.examples)
    assert "seed 7" in report.text()


def test_json_diff_names_each_field() -> None:
    diff = json_diff({"a": 1, "b": [1, 2], "c": "x"}, {"a": 1, "b": [1, 3], "d": True})
    assert diff == 'b[1]: 3, expected 2; c: missing (expected "x"); d: unexpected field (true)'
    assert json_diff({"s": "Grüße"}, {"s": "Gr\u0080e"}) == 's: "Gr\\u0080e", expected "Grüße"'
    assert json_diff({"a": 1}, {"a": 1}) == "(equal)"


def test_cli_property_run(tmp_path: Path) -> None:
    (tmp_path / "bugs.py").write_text(Path(property_bugs.__file__).read_text(encoding="utf-8"), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "sealmail", "conformance", "run", "netcore-email", "--client", "bugs:latin1_client",
         "--properties", "30", "--seed", "3", "--report-json", str(tmp_path / "r.json")],
        cwd=tmp_path, capture_output=True, text=True, timeout=240,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "smallest failing payload" in done.stdout and "seed 3" in done.stdout
    report: Any = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert report["properties"]["passed"] is False and report["properties"]["seed"] == 3


def test_pytest_route_property_run(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(bugs=Path(property_bugs.__file__).read_text(encoding="utf-8"))
    pytester.syspathinsert()
    result = pytester.runpytest_subprocess(
        "--pyargs", "sealmail.conformance", "-k", "test_properties", "-p", "no:cacheprovider",
        "--conformance-client", "netcore-email=bugs:drops_empty_lists_client", "--conformance-properties", "25",
    )
    result.assert_outcomes(failed=1, skipped=4)
    result.stdout.fnmatch_lines(["*smallest failing payload*"])
