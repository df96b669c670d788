"""The two ways a user runs the suite: ``python -m sealmail conformance`` and ``pytest --pyargs sealmail.conformance``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "sealmail", "conformance", *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def test_cli_reference_client_passes_and_writes_the_json_report(tmp_path: Path) -> None:
    report_path = tmp_path / "report.json"
    result = _run("run", "netcore-email", "--report-json", str(report_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "NE-IV-FRESH" in result.stdout and "14 passed, 0 failed" in result.stdout
    report = json.loads(report_path.read_text())
    assert report["provider"] == "netcore-email" and report["must_failed"] is False
    assert {r["id"] for r in report["requirements"]} >= {"NE-KEY-FRESH", "NE-BODY-LAYOUT", "NE-NO-RETRY-4XX"}
    assert all(r["result"] == "pass" and r["source"] for r in report["requirements"])


def test_cli_exits_1_when_a_must_requirement_fails(tmp_path: Path) -> None:
    factory = tmp_path / "reuse_iv_client.py"
    factory.write_text(
        "from tests.conformance.broken_netcore_email import BROKEN_CLIENTS\n"
        "factory = BROKEN_CLIENTS['reuses the IV'][0]\n"
    )
    report_path = tmp_path / "report.json"
    env_path = f"{tmp_path}:{ROOT}"
    result = subprocess.run(
        [sys.executable, "-m", "sealmail", "conformance", "run", "netcore-email", "--client", "reuse_iv_client:factory", "--report-json", str(report_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=120, env={**os.environ, "PYTHONPATH": env_path},
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "FAIL" in result.stdout and "NE-IV-FRESH" in result.stdout
    report = json.loads(report_path.read_text())
    failed = [r["id"] for r in report["requirements"] if r["result"] == "fail"]
    assert failed == ["NE-IV-FRESH"] and report["must_failed"] is True


def test_cli_usage_errors_exit_2() -> None:
    assert _run("run", "no-such-provider").returncode == 2
    assert _run("run", "netcore-email", "--client", "not-a-factory").returncode == 2
    listing = _run("list", "netcore-email")
    assert listing.returncode == 0 and listing.stdout.count("\n") == 14


def test_pytest_pyargs_gives_one_junit_case_per_requirement(pytester: pytest.Pytester) -> None:
    junit = pytester.path / "conformance.xml"
    result = pytester.runpytest_subprocess(
        "--pyargs", "sealmail.conformance", "--conformance-provider", "netcore-email", f"--junitxml={junit}", "-p", "no:cacheprovider"
    )
    result.assert_outcomes(passed=14, skipped=_other_requirements() + _property_items())
    text = junit.read_text()
    assert 'name="test_requirement[netcore-email:NE-IV-FRESH:MUST]"' in text


def test_pytest_pyargs_with_a_broken_client_fails_exactly_its_requirement(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    pytester.makepyfile(reuse_iv_client="from tests.conformance.broken_netcore_email import BROKEN_CLIENTS\nfactory = BROKEN_CLIENTS['reuses the IV'][0]\n")
    monkeypatch.setenv("PYTHONPATH", f"{pytester.path}:{ROOT}")
    result = pytester.runpytest_subprocess(
        "--pyargs", "sealmail.conformance", "--conformance-client", "netcore-email=reuse_iv_client:factory", "-p", "no:cacheprovider",
        "-k", "netcore-email",
    )
    result.assert_outcomes(passed=13, failed=1, skipped=1)  # netcore-email's property item: off without --conformance-properties
    result.stdout.fnmatch_lines(["*FAILED*NE-IV-FRESH*"])


def _property_items() -> int:
    """One ``test_properties`` item per provider, skipped without ``--conformance-properties``."""
    from sealmail.conformance.framework import suites

    return len(suites())


def _other_requirements() -> int:
    from sealmail.conformance.framework import suites

    return sum(len(s.requirements) for pid, s in suites().items() if pid != "netcore-email")
