"""Passive conformance (``sealmail conformance check``): judging traffic already in a mock's journal.

Traffic from each provider's reference client must pass every requirement traffic can decide and fail
none; traffic from a client with one mistake must fail exactly that mistake's requirement.
"""

from __future__ import annotations

import base64
import inspect
import json
import subprocess
import sys
from typing import Any, Callable, Iterator

import pytest
import requests

from sealmail.conformance.clients import ncp_mailer as ncp_mailer_client
from sealmail.conformance.clients import netcore_ce as netcore_ce_client
from sealmail.conformance.clients.http import BlockingRunner
from sealmail.conformance.framework import Report, get_suite
from sealmail.conformance.suites import autosend, ncp_mailer, netcore_ce, netcore_email, stayprivate
from sealmail.conformance.traffic import check_traffic, rules_for
from sealmail.mockservers.core import MockHandle
from sealmail.mockservers.crypto import aes_cbc

from . import broken_netcore_email

PROVIDERS = ("netcore-email", "autosend", "ncp-mailer", "netcore-ce", "stayprivate")


@pytest.fixture(scope="module")
def runner() -> Iterator[BlockingRunner]:
    blocking = BlockingRunner()
    yield blocking
    blocking.close()


def call(runner: BlockingRunner, fn: Callable[..., Any], *args: Any) -> Any:
    result = fn(*args)
    return runner.run(result, timeout=20) if inspect.isawaitable(result) else result


def close(runner: BlockingRunner, client: Any) -> None:
    for name in ("aclose", "close"):
        if callable(getattr(client, name, None)):
            call(runner, getattr(client, name))
            return


def drive(provider_id: str, mock: MockHandle, runner: BlockingRunner, factory: Callable[..., Any] | None = None) -> None:
    """Three typical calls of a provider's client (the reference client unless ``factory`` says otherwise)."""
    client = (factory or get_suite(provider_id).reference_factory)(mock.url, mock.config)
    client = runner.run(client, timeout=20) if inspect.isawaitable(client) else client
    try:
        for round_ in range(3):
            if provider_id == "netcore-email":
                call(runner, client.send, netcore_email.SAMPLE_MESSAGE)
            elif provider_id == "autosend":
                call(runner, client.send_mail, autosend.SAMPLE_MAIL)
            elif provider_id == "ncp-mailer":
                call(runner, client.send, ncp_mailer.SAMPLE_MAIL)
            elif provider_id == "netcore-ce":
                call(runner, client.upload, netcore_ce.sample_events(str(round_)), netcore_ce.ECODES[round_ % 3])
            else:
                message = stayprivate.attachment_message(mock.config) if round_ else stayprivate.plain_message(mock.config)
                call(runner, client.send_email, message)
    finally:
        close(runner, client)


def judged(provider_id: str, mock: MockHandle) -> Report:
    return check_traffic(provider_id, [entry.to_json() for entry in mock.requests()], mock.config)


@pytest.mark.parametrize("provider_id", PROVIDERS)
def test_reference_traffic_passes_everything_traffic_can_decide(provider_id: str, mock_server: Any, runner: BlockingRunner) -> None:
    mock = mock_server(provider_id)
    drive(provider_id, mock, runner)
    report = judged(provider_id, mock)
    assert report.failed_ids() == set(), report.table()
    passed = {r.requirement.id for r in report.results if r.passed}
    assert passed, report.table()
    evaluable = rules_for(provider_id).evaluable()
    for result in report.results:
        if result.requirement.id not in evaluable:
            assert result.passed is None and "sealmail conformance run" in result.evidence


def test_iv_reuse_fails_exactly_the_iv_requirement(mock_server: Any, runner: BlockingRunner) -> None:
    mock = mock_server("netcore-email")
    factory, broken = broken_netcore_email.BROKEN_CLIENTS["reuses the IV"]
    drive("netcore-email", mock, runner, factory)
    report = judged("netcore-email", mock)
    assert report.failed_ids() == set(broken) == {"NE-IV-FRESH"}, report.table()
    [result] = report.failures()
    assert "share one IV" in result.evidence


def test_stale_timestamps_fail_the_freshness_requirement(mock_server: Any, runner: BlockingRunner) -> None:
    mock = mock_server("ncp-mailer")
    drive("ncp-mailer", mock, runner)
    mock.clock(offset_ms=-10 * 60 * 1000)  # the client's clock runs 10 minutes ahead of the gateway's
    with pytest.raises(ncp_mailer_client.NcpMailerError):  # the reference client reports the 401
        drive("ncp-mailer", mock, runner)
    report = judged("ncp-mailer", mock)
    assert report.failed_ids() == {"NCP-TS-FRESH"}, report.table()


def test_an_unexplained_signature_fails_only_the_string_to_sign(mock_server: Any) -> None:
    """A wrong secret: the diagnosis lists the mistakes it *checked* (query, '?', host, URL-safe, ISO-8859-1);
    none of those may be blamed."""
    mock = mock_server("ncp-mailer")
    with ncp_mailer_client.NcpMailerSyncClient(mock.url, mock.config["access_key"], "another secret key") as client:
        with pytest.raises(ncp_mailer_client.NcpMailerError):
            client.send(ncp_mailer.SAMPLE_MAIL)
    report = judged("ncp-mailer", mock)
    assert report.failed_ids() == {"NCP-SIGN-STRING"}, report.table()


def test_nothing_to_judge_is_not_a_pass(mock_server: Any) -> None:
    report = judged("netcore-email", mock_server("netcore-email"))
    assert {r.passed for r in report.results} == {None}


def test_handle_conformance_report_is_the_same_judgement(mock_server: Any, runner: BlockingRunner) -> None:
    mock = mock_server("netcore-email")
    factory, _ = broken_netcore_email.BROKEN_CLIENTS["reuses the IV"]
    drive("netcore-email", mock, runner, factory)
    assert mock.conformance_report().failed_ids() == {"NE-IV-FRESH"}


def test_cli_check_reads_a_running_mock(mock_server: Any, runner: BlockingRunner, tmp_path: Any) -> None:
    mock = mock_server("netcore-email")
    factory, _ = broken_netcore_email.BROKEN_CLIENTS["reuses the IV"]
    drive("netcore-email", mock, runner, factory)
    report_path = tmp_path / "report.json"
    junit_path = tmp_path / "report.xml"
    done = subprocess.run(
        [sys.executable, "-m", "sealmail", "conformance", "check", "netcore-email", "--url", mock.url,
         "--report-json", str(report_path), "--junit-xml", str(junit_path)],
        capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 1, done.stdout + done.stderr  # a MUST failed
    assert "NE-IV-FRESH" in done.stdout and "FAIL" in done.stdout
    report = json.loads(report_path.read_text(encoding="utf-8"))
    assert [r["id"] for r in report["requirements"] if r["result"] == "fail"] == ["NE-IV-FRESH"]
    assert 'name="NE-IV-FRESH"' in junit_path.read_text(encoding="utf-8")
    mock.reset()
    drive("netcore-email", mock, runner)
    clean = subprocess.run([sys.executable, "-m", "sealmail", "conformance", "check", "netcore-email", "--url", mock.url],
                           capture_output=True, text=True, timeout=60)
    assert clean.returncode == 0, clean.stdout + clean.stderr


@pytest.mark.parametrize("prepend_iv", [False, True])
def test_a_wrong_cbc_iv_fails_the_key_bytes_requirement_not_the_payload(mock_server: Any, prepend_iv: bool) -> None:
    """Only the first block decrypts to garbage: the reason is plaintext_not_json, the diagnosis names the IV."""
    mock = mock_server("netcore-ce")
    config = mock.config
    plaintext = netcore_ce_client.encode_activities(
        [netcore_ce_client.activity(config["asset"], "form_submitted", "9999911111", {"day": "Tuesday"})])
    wrong_iv = b"0123456789abcdef"
    sealed = aes_cbc.encrypt(config["key"].encode(), config["iv"].encode() if prepend_iv else wrong_iv, plaintext)
    text = base64.b64encode((wrong_iv if prepend_iv else b"") + sealed).decode()
    answer = requests.post(mock.url + "/v1/activity/upload", data=json.dumps({"encryptedRequest": text}), timeout=10,
                           headers={"Content-Type": "application/json", "x-eCode": str(netcore_ce.AES_256_CBC_BASE64),
                                    "x-asset": config["asset"], "Authorization": f"Bearer {config['api_key']}"})
    assert answer.status_code == 400
    report = judged("netcore-ce", mock)
    assert report.failed_ids() == {"CE-KEY-BYTES"}, report.table()
