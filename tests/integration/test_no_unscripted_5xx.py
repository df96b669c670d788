"""Inputs that used to leave a mock answering 500 for good (issue 13, "Never a 5xx the test did not script")."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests

from sealmail.conformance.clients import ncp_mailer as ncp_client
from sealmail.mockservers.core import FaultRule, MockHandle
from sealmail.mockservers.core.clock import CLOCK_MAX_MS, CLOCK_MIN_MS, ClockRangeError, MockClock
from sealmail.mockservers.core.faults import MAX_PENDING, FaultSpecError
from sealmail.mockservers.providers.ncp_mailer.validation import LATEST_RESERVATION_MS

KR = "/api/v1"


def _ncp(mock: MockHandle, method: str, path: str, body: Any = None) -> requests.Response:
    uri = KR + path
    headers = ncp_client.signed_headers(method, uri, mock.config["access_key"], mock.config["secret_key"], mock.now_ms())
    data = None if body is None else json.dumps(body).encode()
    return requests.request(method, mock.url + uri, data=data, headers={**headers, "Content-Type": "application/json"}, timeout=5)


def _mail(**extra: Any) -> dict[str, Any]:
    return {"senderAddress": "s@example.com", "title": "t", "body": "b",
            "recipients": [{"address": "r@example.com", "type": "R"}], **extra}


@pytest.mark.parametrize("reservation", [253_402_300_800_000, 2**63, LATEST_RESERVATION_MS + 1, 10**40])
def test_ncp_reservation_past_year_9999_is_refused_at_create(ncp_mailer_mock: MockHandle, reservation: int) -> None:
    response = _ncp(ncp_mailer_mock, "POST", "/mails", _mail(reservationUtc=reservation))
    assert response.status_code == 400 and response.json()["error"]["errorCode"] == "77102", response.text
    assert ncp_mailer_mock.requests()[-1].reason == "reservation_out_of_range"


def test_ncp_latest_reservation_is_accepted_and_stays_readable(ncp_mailer_mock: MockHandle) -> None:
    created = _ncp(ncp_mailer_mock, "POST", "/mails", _mail(reservationUtc=LATEST_RESERVATION_MS))
    assert created.status_code == 201, created.text
    request_id = created.json()["requestId"]
    status = _ncp(ncp_mailer_mock, "GET", f"/mails/requests/{request_id}/status")
    assert status.status_code == 200, status.text
    assert status.json()["reservationDate"]["formattedDate"] == "9999-12-31"
    assert _ncp(ncp_mailer_mock, "GET", f"/mails/requests/{request_id}/mails").status_code == 200


@pytest.mark.parametrize("body", [
    {"now_ms": 10**18}, {"now_ms": int("9" * 4000)}, {"now_ms": -1}, {"now_ms": CLOCK_MAX_MS + 1},
    {"offset_ms": 10**18}, {"offset_ms": -(10**15)},
])
def test_out_of_range_clock_is_400_with_the_allowed_range(ncp_mailer_mock: MockHandle, body: dict[str, int]) -> None:
    before = ncp_mailer_mock.state.clock.state().offset_ms
    response = requests.post(ncp_mailer_mock.url + "/__mock__/clock", json=body, timeout=5)
    assert response.status_code == 400, response.text
    assert response.json()["allowed_ms"] == [CLOCK_MIN_MS, CLOCK_MAX_MS]
    assert ncp_mailer_mock.state.clock.state().offset_ms == before
    assert _ncp(ncp_mailer_mock, "POST", "/mails", _mail()).status_code == 201


def test_clock_at_its_limits_keeps_every_ncp_date_showable(ncp_mailer_mock: MockHandle) -> None:
    for now in (CLOCK_MIN_MS, CLOCK_MAX_MS):
        ncp_mailer_mock.clock(now_ms=now, frozen=True)
        created = _ncp(ncp_mailer_mock, "POST", "/mails", _mail(reservationUtc=now + 86_400_000))
        assert created.status_code == 201, created.text
        request_id = created.json()["requestId"]
        assert _ncp(ncp_mailer_mock, "GET", f"/mails/requests/{request_id}/status").status_code == 200
    assert all((entry.status or 0) < 500 for entry in ncp_mailer_mock.requests())


def test_clock_refuses_out_of_range_in_process_too() -> None:
    clock = MockClock()
    with pytest.raises(ClockRangeError):
        clock.set_now(CLOCK_MAX_MS + 1)
    with pytest.raises(ClockRangeError):
        clock.offset(-(10**15))
    assert clock.state().offset_ms == 0


@pytest.mark.parametrize("spec", [
    {"status": 503, "retry_after": -5}, {"status": 503, "retry_after": 10**9}, {"status": 503, "times": 10**12},
    {"status": 600}, {"status": 99}, {"status": 200}, {"delay_ms": 10**7}, {"delay_ms": -1},
    {"status": 503, "path": "/" + "x" * 5000},
])
def test_absurd_faults_are_refused(netcore_email_mock: MockHandle, spec: dict[str, Any]) -> None:
    response = requests.post(netcore_email_mock.url + "/__mock__/faults", json=spec, timeout=5)
    assert response.status_code == 400 and set(response.json()) == {"error"}, response.text
    assert requests.get(netcore_email_mock.url + "/__mock__/faults", timeout=5).json() == {"faults": []}
    with pytest.raises(FaultSpecError):
        FaultRule.from_json(spec)


def test_pending_faults_are_bounded(netcore_email_mock: MockHandle) -> None:
    """Before: one 5 MB POST scheduled 150,000 rules (3 s of a frozen loop), every later request scanned them all."""
    faults_url = netcore_email_mock.url + "/__mock__/faults"
    never = {"status": 503, "path": "/never"}
    too_many = requests.post(faults_url, json={"faults": [never] * (MAX_PENDING + 1)}, timeout=30)
    assert too_many.status_code == 400 and str(MAX_PENDING) in too_many.json()["error"]
    assert requests.post(faults_url, json={"faults": [never] * (MAX_PENDING - 1)}, timeout=30).status_code == 200
    over = requests.post(faults_url, json={"faults": [never, never]}, timeout=5)  # all or none
    assert over.status_code == 400 and "DELETE /__mock__/faults" in over.json()["error"]
    assert len(requests.get(faults_url, timeout=5).json()["faults"]) == MAX_PENDING - 1
    netcore_email_mock.fault(503, path="/never")  # in process too: the last free slot, then none
    with pytest.raises(FaultSpecError):
        netcore_email_mock.fault(503, path="/never")


def test_a_sane_retry_after_is_still_scripted(netcore_email_mock: MockHandle) -> None:
    response = requests.post(netcore_email_mock.url + "/__mock__/faults", json={"status": 503, "retry_after": 0}, timeout=5)
    assert response.status_code == 200
    answer = requests.post(netcore_email_mock.url + "/v6/mail/send", data=b"{}", timeout=5)
    assert answer.status_code == 503 and answer.headers["Retry-After"] == "0"


@pytest.mark.parametrize("query", ["size=" + "9" * 5000, "page=" + "1" * 5000, "size=" + "0" * 30 + "5"])
def test_ncp_page_parameters_with_thousands_of_digits_are_77102(ncp_mailer_mock: MockHandle, query: str) -> None:
    created = _ncp(ncp_mailer_mock, "POST", "/mails", _mail())
    assert created.status_code == 201, created.text
    response = _ncp(ncp_mailer_mock, "GET", f"/mails/requests/{created.json()['requestId']}/mails?{query}")
    assert response.status_code == 400 and response.json()["error"]["errorCode"] == "77102", response.text


def test_netcore_ce_asset_with_a_thousands_of_digits_ecode_is_400(netcore_ce_mock: MockHandle) -> None:
    body = {"asset": "a-1", "key": "k" * 32, "iv": "i" * 16, "ecodes": ["9" * 5000]}
    response = requests.post(netcore_ce_mock.url + "/__mock__/assets", json=body, timeout=5)
    assert response.status_code == 400 and set(response.json()) == {"error"}, response.text


def test_netcore_email_json_wrapped_body_with_a_huge_number_is_a_400(netcore_email_mock: MockHandle) -> None:
    """Found by make fuzz: the 'body looks like JSON' hint parsed a 5,000-digit number with json.loads (ValueError)."""
    import base64
    import os

    headers = {"Authorization": f"Bearer {netcore_email_mock.config['api_key']}", "Content-Type": "application/json",
               "X-Encryption": "1", "X-Encryption-Version": "2",
               "X-AES-KEY": base64.b64encode(os.urandom(32)).decode(), "X-AES-IV": base64.b64encode(os.urandom(12)).decode()}
    answer = requests.post(netcore_email_mock.url + "/v6/mail/send", data=b'{"n": ' + b"9" * 5000 + b"}", headers=headers, timeout=10)
    assert answer.status_code == 400, answer.text
    [entry] = netcore_email_mock.requests()
    assert entry.reason == "body_not_base64"
