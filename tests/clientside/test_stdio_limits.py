"""Stdio adapters that print without end: an endless answer line fails the check at once, and stderr is kept bounded."""

from __future__ import annotations

import dataclasses
import shlex
import sys
from pathlib import Path

import pytest

from sealmail.conformance import framework, stdio
from sealmail.conformance.framework import get_suite, run_suite
from sealmail.conformance.stdio import StdioAdapterFactory
from sealmail.mockservers.core import MockPool

from ..conformance.test_stdio_protocol import _evidence, _fake, _run_send_check


@pytest.fixture(autouse=True)
def _small_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stdio, "MAX_ANSWER_CHARS", 1000)
    monkeypatch.setattr(framework, "CALL_TIMEOUT_S", 10.0)  # a failing fix shows as a timeout, not a hang


def test_an_answer_line_without_end_fails_the_check_without_waiting_for_the_newline(tmp_path: Path, sealmail_pool: MockPool) -> None:
    command = _fake(tmp_path, """
        sys.stdout.write("x" * 5000)
        sys.stdout.flush()
        sys.stdin.read()
    """)
    report, factory = _run_send_check(command, sealmail_pool)
    (evidence,) = _evidence(report)
    assert "printed a line longer than 1000 characters in answer to request id 1 (send)" in evidence
    assert all(client._process.poll() is not None for client in factory.clients)


def test_a_long_stderr_line_is_cut_and_marked_and_the_answers_after_it_still_count(tmp_path: Path, sealmail_pool: MockPool) -> None:
    command = _fake(tmp_path, """
        sys.stderr.write("e" * 100_000 + "\\nlast words\\n")
        sys.stderr.flush()
        sys.exit(4)
    """)
    report, _ = _run_send_check(command, sealmail_pool)
    (evidence,) = _evidence(report)
    assert "(exit status 4)" in evidence
    assert "e" * stdio.STDERR_KEEP_CHARS + " [...]\n  last words" in evidence


def test_an_adapter_that_exits_while_its_child_holds_stdout_fails_as_exited_not_as_silent(tmp_path: Path, sealmail_pool: MockPool) -> None:
    # The child inherits stdin, stdout and stderr and ends when sealmail closes the adapter's stdin.
    command = _fake(tmp_path, """
        import subprocess
        subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"])
        sys.exit(5)
    """)
    report, _ = _run_send_check(command, sealmail_pool)
    (evidence,) = _evidence(report)
    assert "exited before answering request id 1 (send) (exit status 5)" in evidence


def test_an_adapter_silent_at_start_costs_the_start_up_limit_once_not_once_per_check(
    tmp_path: Path, sealmail_pool: MockPool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(framework, "STARTUP_TIMEOUT_S", 1.5)
    script = tmp_path / "silent.py"
    script.write_text("import sys\nsys.stdin.read()\n")
    suite = get_suite("netcore-email")
    suite = dataclasses.replace(suite, checks=suite.checks[:3])
    report = run_suite(suite, StdioAdapterFactory(shlex.join([sys.executable, str(script)]), suite.adapter), pool=sealmail_pool, client_name="silent")
    evidence = [r.evidence for r in report.failures()]
    assert sum("did not answer request id 0 (init) within" in e and "not started again" not in e for e in evidence) >= 1
    assert any("not started again: on an earlier check did not answer request id 0 (init) within" in e for e in evidence), evidence
