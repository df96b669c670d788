"""Strict RFC 8259 JSON at every provider's door, in decrypted payloads, JOSE headers and claims, and the control API.

Issue 13: ``1e400`` overflowed to infinity and came back as a bare ``Infinity``
(autosend answered 200 with it); a JWE header with ``NaN`` or a lone surrogate
decrypted; a JWT with ``NaN`` claims was accepted. Each case here was accepted
before the strict parser.
"""

from __future__ import annotations

import base64
import json
import os
import time
from typing import Any

import pytest
import requests

from sealmail.conformance.clients import ncp_mailer as ncp_client
from sealmail.conformance.clients import netcore_ce as ce_client
from sealmail.mockservers.core import MockHandle
from sealmail.mockservers.core.context import encode_json
from sealmail.mockservers.crypto import aes_gcm, jwe
from sealmail.mockservers.crypto.jwt import load_rsa_private_key, sign_jwt
from sealmail.mockservers.crypto.strict_json import LONE_SURROGATE, NON_FINITE, NUMBER_TOO_LONG, StrictJsonError, loads_strict

HUGE = b"1e400"
"""Overflows a double: ``json.loads`` makes it ``inf``."""


def _last(mock: MockHandle) -> Any:
    return mock.requests()[-1]


# --- the parser -------------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "reason"), [
    ("NaN", NON_FINITE), ("[-Infinity]", NON_FINITE), ('{"a": 1e400}', NON_FINITE), ("-1E+999", NON_FINITE),
    ('"\\ud800"', LONE_SURROGATE), ('{"\\udfff": 1}', LONE_SURROGATE), ('["ok", ["\\uDBFFx"]]', LONE_SURROGATE),
    ("9" * 5000, NUMBER_TOO_LONG),
])
def test_strict_parser_names_each_non_rfc_construct(text: str, reason: str) -> None:
    with pytest.raises(StrictJsonError) as caught:
        loads_strict(text)
    assert caught.value.reason == reason


def test_strict_parser_keeps_what_rfc_8259_allows_and_reports_duplicates() -> None:
    document = loads_strict('{"a": 1, "b": [1e308, -0.0, "\\ud83d\\ude00", "\\\\ud800"], "a": 2, "c": {"a": 1, "a": 1}}')
    assert document.value == {"a": 2, "b": [1e308, -0.0, "\U0001F600", "\\ud800"], "c": {"a": 1}}
    assert document.duplicate_members == ("a", "a")


def test_responses_never_carry_nan_or_infinity() -> None:
    encoded = encode_json({"x": float("inf"), "y": [float("nan"), -float("inf")], "z": 1.5})
    assert json.loads(encoded, parse_constant=lambda name: pytest.fail(f"{name} in a response")) == {
        "x": "inf", "y": ["nan", "-inf"], "z": 1.5}


# --- autosend -----------------------------------------------------------------------------------
def _autosend_key(mock: MockHandle) -> tuple[Any, str]:
    key = requests.get(mock.url + "/v1/jwks.json", timeout=5).json()["keys"][0]
    return jwe.import_encryption_key(key), key["kid"]


def _autosend_headers(mock: MockHandle, **extra: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {mock.config['api_key']}", "Content-Type": "application/json", **extra}


def test_autosend_plaintext_with_an_overflowing_number_is_400_not_a_bare_infinity(autosend_mock: MockHandle) -> None:
    body = b'{"email": "jane@example.com", "firstName": "Jane", "customFields": {"score": ' + HUGE + b"}}"
    response = requests.post(autosend_mock.url + "/v1/contacts/email", data=body, headers=_autosend_headers(autosend_mock), timeout=5)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "INVALID_JSON"
    assert _last(autosend_mock).reason == NON_FINITE
    assert autosend_mock.messages() == []


def test_autosend_decrypted_payload_is_strict_too(autosend_mock: MockHandle) -> None:
    key, kid = _autosend_key(autosend_mock)
    token = jwe.encrypt_compact(b'{"email": "jane@example.com", "firstName": ' + HUGE + b"}", key, kid=kid)
    response = requests.post(autosend_mock.url + "/v1/contacts/email", data=json.dumps({"encryptedData": token}),
                             headers=_autosend_headers(autosend_mock, **{"X-Payload-Encryption": "jwe"}), timeout=5)
    assert response.status_code == 400 and _last(autosend_mock).reason == NON_FINITE


@pytest.mark.parametrize(("extra", "reason"), [({"x": float("nan")}, NON_FINITE), ({"x": "\ud800"}, LONE_SURROGATE)])
def test_autosend_jwe_protected_header_must_be_strict_json(autosend_mock: MockHandle, extra: dict[str, Any], reason: str) -> None:
    key, kid = _autosend_key(autosend_mock)
    token = jwe.encrypt_compact(b'{"email": "jane@example.com"}', key, kid=kid, extra_header=extra)
    response = requests.post(autosend_mock.url + "/v1/contacts/email", data=json.dumps({"encryptedData": token}),
                             headers=_autosend_headers(autosend_mock, **{"X-Payload-Encryption": "jwe"}), timeout=5)
    assert response.status_code == 400 and response.json()["error"]["code"] == "INVALID_JWE", response.text
    assert _last(autosend_mock).reason == reason


# --- ncp-mailer ---------------------------------------------------------------------------------
def _ncp_post(mock: MockHandle, body: bytes) -> requests.Response:
    uri = "/api/v1/mails"
    headers = ncp_client.signed_headers("POST", uri, mock.config["access_key"], mock.config["secret_key"], mock.now_ms())
    return requests.post(mock.url + uri, data=body, headers={**headers, "Content-Type": "application/json"}, timeout=5)


def test_ncp_mailer_refuses_an_overflowing_number_instead_of_rendering_inf(ncp_mailer_mock: MockHandle) -> None:
    body = (b'{"senderAddress": "s@example.com", "title": "t", "body": "b", "reservationUtc": ' + HUGE +
            b', "recipients": [{"address": "r@example.com", "type": "R"}]}')
    response = _ncp_post(ncp_mailer_mock, body)
    assert response.status_code == 400 and response.json()["error"]["errorCode"] == "77102", response.text
    assert _last(ncp_mailer_mock).reason == NON_FINITE


def test_ncp_mailer_keeps_duplicate_members_with_a_journal_warning(ncp_mailer_mock: MockHandle) -> None:
    body = (b'{"senderAddress": "s@example.com", "title": "first", "title": "second", "body": "b",'
            b' "recipients": [{"address": "r@example.com", "type": "R"}]}')
    response = _ncp_post(ncp_mailer_mock, body)
    assert response.status_code == 201, response.text
    assert "json_duplicate_member:title" in _last(ncp_mailer_mock).warnings


# --- netcore-ce ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("plaintext", "reason"), [
    (b'[{"activity_name": "x", "activity_params": {"price": ' + HUGE + b"}}]", NON_FINITE),
    (b'[{"activity_name": "\\udc00"}]', LONE_SURROGATE),
])
def test_netcore_ce_decrypted_activities_are_strict_json(netcore_ce_mock: MockHandle, plaintext: bytes, reason: str) -> None:
    config = netcore_ce_mock.config
    text = ce_client.encrypt_text(plaintext, ce_client.AES_256_CBC_BASE64, config["key"], config["iv"])
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {config['api_key']}",
               "x-asset": config["asset"], "x-eCode": str(ce_client.AES_256_CBC_BASE64)}
    response = requests.post(netcore_ce_mock.url + ce_client.UPLOAD_PATH, json={"encryptedRequest": text}, headers=headers, timeout=5)
    assert response.status_code == 400, response.text
    assert _last(netcore_ce_mock).reason == reason
    assert netcore_ce_mock.messages() == []


# --- netcore-email ------------------------------------------------------------------------------
def _netcore_email_sealed(mock: MockHandle, plaintext: bytes) -> requests.Response:
    key, iv = os.urandom(32), os.urandom(12)
    headers = {"Authorization": f"Bearer {mock.config['api_key']}", "Content-Type": "application/json", "X-Encryption": "1",
               "X-Encryption-Version": "2", "X-AES-KEY": base64.b64encode(key).decode(), "X-AES-IV": base64.b64encode(iv).decode()}
    body = base64.b64encode(aes_gcm.encrypt(key, iv, plaintext))
    return requests.post(mock.url + "/v6/mail/send", data=body, headers=headers, timeout=5)


MAIL = (b'{"from": {"email": "s@example.com"}, "subject": "hi", "content": [{"type": "html", "value": "<p>x</p>"}],'
        b' "personalizations": [{"to": [{"email": "r@example.com"}]}]')


def test_netcore_email_decrypted_payload_is_strict_json(netcore_email_mock: MockHandle) -> None:
    response = _netcore_email_sealed(netcore_email_mock, MAIL + b', "x": ' + HUGE + b"}")
    assert response.status_code == 400 and _last(netcore_email_mock).reason == NON_FINITE
    response = _netcore_email_sealed(netcore_email_mock, MAIL + b', "subject": "again"}')
    assert response.status_code == 200, response.text
    assert "json_duplicate_member:subject" in _last(netcore_email_mock).warnings


# --- stayprivate --------------------------------------------------------------------------------
def _stayprivate_token(mock: MockHandle, claims: dict[str, Any] | None = None, header: dict[str, Any] | None = None) -> str:
    config = mock.config
    now = int(time.time())
    base = {"iss": config["company_api_id"], "iat": now, "exp": now + 120, **(claims or {})}
    return sign_jwt(base, load_rsa_private_key(config["private_key_pem"]), extra_header=header)


def _stayprivate_send(mock: MockHandle, body: bytes, token: str | None = None) -> requests.Response:
    config = mock.config
    headers = {"Content-Type": "application/json", "SP-Company-Api-Id": config["company_api_id"],
               "Authorization": f"Bearer {token or _stayprivate_token(mock)}"}
    return requests.post(mock.url + "/1.0/emails/send", data=body, headers=headers, timeout=5)


def test_stayprivate_body_with_an_overflowing_number_is_422(stayprivate_mock: MockHandle) -> None:
    sender = stayprivate_mock.config["sender_email"]
    body = ('{"senderEmail": "%s", "emailSubject": "s", "emailBody": "b", "emailToList": "r@example.com", "n": 1e400}' % sender).encode()
    response = _stayprivate_send(stayprivate_mock, body)
    assert response.status_code == 422, response.text
    assert _last(stayprivate_mock).reason == NON_FINITE


@pytest.mark.parametrize("where", ["claims", "header"])
def test_stayprivate_jwt_with_nan_is_refused_as_an_invalid_token(stayprivate_mock: MockHandle, where: str) -> None:
    extra = {"x": float("nan")}
    token = _stayprivate_token(stayprivate_mock, **{where: extra})
    sender = stayprivate_mock.config["sender_email"]
    body = json.dumps({"senderEmail": sender, "emailSubject": "s", "emailBody": "b", "emailToList": "r@example.com"}).encode()
    response = _stayprivate_send(stayprivate_mock, body, token)
    assert response.status_code == 401, response.text
    assert _last(stayprivate_mock).reason == NON_FINITE


# --- control API --------------------------------------------------------------------------------
@pytest.mark.parametrize(("path", "body"), [
    ("/__mock__/faults", b'{"path": "/x", "status": 503, "delay_ms": NaN}'),
    ("/__mock__/faults", b'{"path": "/x", "status": 503, "retry_after": 1e400}'),
    ("/__mock__/clock", b'{"offset_ms": 1e400}'),
    ("/__mock__/clock", b'{"now_ms": "\\ud800"}'),
])
def test_control_api_bodies_are_strict_json(netcore_email_mock: MockHandle, path: str, body: bytes) -> None:
    response = requests.post(netcore_email_mock.url + path, data=body, timeout=5)
    assert response.status_code == 400
    assert set(json.loads(response.content, parse_constant=pytest.fail)) == {"error"}
    assert requests.get(netcore_email_mock.url + "/__mock__/faults", timeout=5).json() == {"faults": []}


@pytest.mark.parametrize(("method", "path", "status"), [
    ("GET", "/__mock__/no-such-thing", 404), ("DELETE", "/__mock__/health", 405), ("PUT", "/__mock__/clock", 405),
])
def test_control_api_router_errors_are_json_too(netcore_email_mock: MockHandle, method: str, path: str, status: int) -> None:
    response = requests.request(method, netcore_email_mock.url + path, timeout=5)
    assert response.status_code == status
    assert response.headers["Content-Type"].startswith("application/json")
    assert "error" in response.json()
    if status == 405:
        assert "GET" in response.headers["Allow"]
