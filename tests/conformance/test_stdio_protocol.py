"""The stdio adapter protocol's failure modes, with tiny fake adapters (Python scripts):
a program that crashes, prints non-JSON, answers the wrong id, stays silent or never exits
fails its check with that said plainly (and its stderr), and never hangs the run."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import shlex
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from sealmail.conformance import framework, stdio
from sealmail.conformance.framework import Report, Suite, get_suite, run_suite
from sealmail.conformance.stdio import StdioAdapterFactory, to_wire
from sealmail.conformance.suites.netcore_ce import IST, Event
from sealmail.conformance.suites.stayprivate import attachment_message
from sealmail.mockservers.core import MockPool

from .adapter_toolchains import php_command

SEND_CHECK_IDS = {"NE-AUTH-BEARER", "NE-CONTENT-TYPE", "NE-ENC-HEADERS", "NE-KEY-SIZE", "NE-IV-SIZE", "NE-BASE64-STD",
                  "NE-BODY-LAYOUT", "NE-PLAINTEXT-JSON", "NE-PAYLOAD-FAITHFUL"}

PRELUDE = """
import json, sys, time
def answer(message):
    print(json.dumps(message), flush=True)
for line in sys.stdin:
    request = json.loads(line)
    if request["method"] == "init":
        answer({"jsonrpc": "2.0", "id": request["id"], "result": None})
        continue
"""


def _one_check(provider_id: str, check_name: str) -> Suite:
    suite = get_suite(provider_id)
    return dataclasses.replace(suite, checks=[c for c in suite.checks if c.name == check_name])


class Recording(StdioAdapterFactory):
    """The factory, remembering every program it started."""

    def __init__(self, command: str, adapter: type | None) -> None:
        super().__init__(command, adapter)
        self.clients: list[Any] = []

    def __call__(self, base_url: str, config: dict[str, Any]) -> Any:
        client = super().__call__(base_url, config)
        self.clients.append(client)
        return client


def _fake(tmp_path: Path, body: str, after: str = "") -> str:
    script = tmp_path / "fake_adapter.py"
    script.write_text(PRELUDE + textwrap.indent(textwrap.dedent(body).strip(), "    ") + "\n" + textwrap.dedent(after))
    return shlex.join([sys.executable, str(script)])


def _run_send_check(command: str, pool: MockPool) -> tuple[Report, Recording]:
    suite = _one_check("netcore-email", "encrypted_send")
    factory = Recording(command, suite.adapter)
    return run_suite(suite, factory, pool=pool, client_name="fake"), factory


def _evidence(report: Report) -> set[str]:
    assert report.failed_ids() == SEND_CHECK_IDS, report.table()
    return {r.evidence for r in report.failures()}


def test_a_crashing_adapter_fails_the_check_with_its_exit_status_and_stderr(tmp_path: Path, sealmail_pool: MockPool) -> None:
    command = _fake(tmp_path, """
        print("boom: the HTTP library is missing", file=sys.stderr, flush=True)
        sys.exit(3)
    """)
    report, factory = _run_send_check(command, sealmail_pool)
    (evidence,) = _evidence(report)
    assert "exited before answering request id 1 (send) (exit status 3)" in evidence
    assert "adapter stderr:" in evidence and "boom: the HTTP library is missing" in evidence
    assert all(client._process.poll() is not None for client in factory.clients)


def test_a_line_that_is_not_json_is_named(tmp_path: Path, sealmail_pool: MockPool) -> None:
    command = _fake(tmp_path, 'print("sending mail...", flush=True)')
    report, _ = _run_send_check(command, sealmail_pool)
    (evidence,) = _evidence(report)
    assert "printed a line that is not JSON in answer to request id 1 (send): 'sending mail...'" in evidence


def test_an_answer_to_the_wrong_id_is_named(tmp_path: Path, sealmail_pool: MockPool) -> None:
    command = _fake(tmp_path, 'answer({"jsonrpc": "2.0", "id": request["id"] + 41, "result": None})')
    report, _ = _run_send_check(command, sealmail_pool)
    (evidence,) = _evidence(report)
    assert "answered id 42 to request id 1 (send)" in evidence


def test_an_answer_that_is_not_a_response_is_named(tmp_path: Path, sealmail_pool: MockPool) -> None:
    command = _fake(tmp_path, 'answer({"id": request["id"], "value": 1})')
    report, _ = _run_send_check(command, sealmail_pool)
    (evidence,) = _evidence(report)
    assert "is not a JSON-RPC 2.0 response" in evidence


def test_a_silent_adapter_times_out_instead_of_hanging(tmp_path: Path, sealmail_pool: MockPool, monkeypatch: pytest.MonkeyPatch) -> None:
    # The adapter's own limit is 10% shorter than the framework's: 200 ms here, room for a loaded machine's
    # thread start-up before the framework's generic timeout would win the race.
    monkeypatch.setattr(framework, "CALL_TIMEOUT_S", 2.0)
    command = _fake(tmp_path, "time.sleep(60)")
    report, factory = _run_send_check(command, sealmail_pool)
    (evidence,) = _evidence(report)
    assert "did not answer request id 1 (send) within 1.8s" in evidence
    assert all(client._process.poll() is not None for client in factory.clients)


def test_an_error_answer_is_the_client_raising_and_a_lingering_program_is_killed(
    tmp_path: Path, sealmail_pool: MockPool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(stdio, "EXIT_GRACE_S", 0.3)
    command = _fake(
        tmp_path,
        'answer({"jsonrpc": "2.0", "id": request["id"], "error": {"code": 7, "message": "SMTP relay refused"}})',
        after="time.sleep(60)\n",
    )
    report, factory = _run_send_check(command, sealmail_pool)
    (evidence,) = _evidence(report)
    assert "no request reached POST /v6/mail/send (client raised AdapterError: SMTP relay refused (code 7))" in evidence
    assert "did not exit within 0.3s of stdin closing; killed" in evidence
    assert all(client._process.poll() is not None for client in factory.clients)


def test_start_up_gets_its_own_longer_allowance(tmp_path: Path, sealmail_pool: MockPool, monkeypatch: pytest.MonkeyPatch) -> None:
    """A slow start (a JVM compiling Adapter.java) is not a hung call: init has STARTUP_TIMEOUT_S."""
    monkeypatch.setattr(framework, "CALL_TIMEOUT_S", 0.5)
    script = tmp_path / "slow_start.py"
    script.write_text("import time\ntime.sleep(2.0)\n" + PRELUDE
                      + '    answer({"jsonrpc": "2.0", "id": request["id"], "error": {"code": 1, "message": "offline"}})\n')
    report, _ = _run_send_check(shlex.join([sys.executable, str(script)]), sealmail_pool)
    (evidence,) = _evidence(report)
    assert "client raised AdapterError: offline (code 1)" in evidence and "init" not in evidence
    # 1.5 s: the adapter's init limit is 150 ms shorter, room for a loaded machine before the framework's own
    # limit wins the race (at 0.5 s the 50 ms margin lost it under load); the program answers only after 2 s.
    monkeypatch.setattr(framework, "STARTUP_TIMEOUT_S", 1.5)
    report, _ = _run_send_check(shlex.join([sys.executable, str(script)]), sealmail_pool)
    assert "did not answer request id 0 (init) within" in _evidence(report).pop()


def test_init_refused_or_program_missing(tmp_path: Path, sealmail_pool: MockPool) -> None:
    script = tmp_path / "refuses.py"
    script.write_text('import json, sys\nrequest = json.loads(sys.stdin.readline())\n'
                      'print(json.dumps({"jsonrpc": "2.0", "id": request["id"], "error": {"code": 2, "message": "no api_key"}}), flush=True)\n')
    report, _ = _run_send_check(shlex.join([sys.executable, str(script)]), sealmail_pool)
    assert "the adapter refused init: no api_key (code 2)" in _evidence(report).pop()
    report, _ = _run_send_check("sealmail-no-such-adapter-program --flag", sealmail_pool)
    assert "could not start the adapter 'sealmail-no-such-adapter-program --flag'" in _evidence(report).pop()


def test_requests_carry_init_then_the_arguments_by_name(tmp_path: Path, sealmail_pool: MockPool) -> None:
    log = tmp_path / "requests.jsonl"
    script = tmp_path / "logger.py"
    script.write_text(f"""
import json, sys
with open({str(log)!r}, "a") as log:
    for line in sys.stdin:
        log.write(line)
        request = json.loads(line)
        result = ["k" * 32, "v" * 16] if request["method"] == "generate_key_and_iv" else None
        print(json.dumps({{"jsonrpc": "2.0", "id": request["id"], "result": result}}), flush=True)
""")
    suite = _one_check("netcore-ce", "key_generator")
    report = run_suite(suite, StdioAdapterFactory(shlex.join([sys.executable, str(script)]), suite.adapter), pool=sealmail_pool)
    requests = [json.loads(line) for line in log.read_text().splitlines()]
    assert [r["id"] for r in requests] == [0, 1, 2, 3]
    assert requests[0]["method"] == "init" and requests[0]["params"]["config"]["asset"]
    assert requests[0]["params"]["base_url"].startswith("http://127.0.0.1:")
    assert [r["method"] for r in requests[1:]] == ["generate_key_and_iv"] * 3 and requests[1]["params"] == {}
    assert report.failed_ids() == {"CE-KEY-FORMAT"}  # the same key three times


def test_wire_forms_of_dataclasses_bytes_and_datetimes() -> None:
    message = to_wire(attachment_message({"sender_email": "me@example.com"}))
    assert message["sender_email"] == "me@example.com" and message["cc"] == [] and message["to"] == ["eve@example.org"]
    first = message["attachments"][0]
    assert first["file_name"] == "contract.pdf" and first["esign"] is True and set(first["data"]) == {"base64"}
    event = to_wire(Event("opened", 42, {"n": [1]}, dt.datetime(2025, 8, 26, 17, 35, 43, tzinfo=IST), "app"))
    assert event == {"name": "opened", "identity": 42, "params": {"n": [1]}, "occurred_at": "2025-08-26T17:35:43+05:30", "source": "app"}


ROOT = Path(__file__).resolve().parents[2]


def _cli(*args: str, broken: str = "") -> Any:
    import os
    import subprocess

    return subprocess.run([sys.executable, "-m", "sealmail", "conformance", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300, env={**os.environ, "SEALMAIL_BROKEN": broken})


def test_cli_client_cmd_exit_status_follows_the_report() -> None:
    command = php_command("netcore-email")
    passing = _cli("run", "netcore-email", "--client-cmd", command)
    assert passing.returncode == 0 and "14 passed, 0 failed" in passing.stdout, passing.stdout + passing.stderr
    assert f"netcore-email conformance of {command}" in passing.stdout
    failing = _cli("run", "netcore-email", "--client-cmd", command, broken="reuse-iv")
    assert failing.returncode == 1 and "13 passed, 1 failed" in failing.stdout and "NE-IV-FRESH" in failing.stdout
    assert _cli("run", "netcore-email", "--client-cmd", command, "--client", "a.b:c").returncode == 2
    assert _cli("run", "netcore-email", "--client-cmd", " ").returncode == 2


def test_pytest_route_takes_a_client_command(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_subprocess(
        "--pyargs", "sealmail.conformance", "--conformance-client-cmd", f"netcore-email={php_command('netcore-email')}",
        "-p", "no:cacheprovider", "-k", "netcore-email",
    )
    result.assert_outcomes(passed=14, skipped=1)  # netcore-email's property item: off without --conformance-properties
    usage = pytester.runpytest_subprocess("--pyargs", "sealmail.conformance", "--conformance-client-cmd", "netcore-email", "-k", "netcore-email")
    assert usage.ret != 0
    assert "--conformance-client-cmd wants ID=COMMAND, got 'netcore-email'" in usage.stdout.str() + usage.stderr.str()
