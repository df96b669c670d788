"""``POST /v6/mail/send`` over HTTP: every failure class, the success shape, and no oracle.

Each bad request must get a 4xx in the one v6 error shape with its own
internal reason in the journal; nothing may be stored.
"""

from __future__ import annotations

import base64
import json
import re
import socket
from typing import Any, Callable, Iterator

import pytest
import requests

from sealmail.conformance.clients.netcore_email import encrypt_request
from sealmail.mockservers.core import MockHandle
from sealmail.mockservers.crypto import aes_gcm
from sealmail.mockservers.providers.netcore_email import spec

API_KEY = spec.DEFAULT_API_KEY
PAYLOAD: dict[str, Any] = {
    "personalizations": [{"to": [{"email": "john.doe@example.com", "name": "John Doe"}]}],
    "from": {"email": "sender@example.com", "name": "Sender"},
    "subject": "Encrypted Test Email",
    "content": [{"type": "html", "value": "<p>Grüße 🌍</p>"}],
}
KEY = bytes(range(32))
IV = bytes(range(100, 112))

Request = tuple[dict[str, str], bytes]


@pytest.fixture(scope="module")
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session


def encrypted(payload: Any = PAYLOAD, *, key: bytes = KEY, iv: bytes = IV) -> Request:
    """A correct encrypted request (fixed key and IV so that cases are reproducible)."""
    request = encrypt_request(payload, key=key, iv=iv)
    return {**request.headers, "Authorization": f"Bearer {API_KEY}"}, request.body


def sealed(plaintext: bytes) -> Request:
    """Encrypted request around arbitrary plaintext bytes."""
    headers, _ = encrypted()
    return headers, base64.b64encode(aes_gcm.encrypt(KEY, IV, plaintext))


def with_headers(**changes: str | None) -> Request:
    """The correct request with headers replaced (``X_AES_KEY`` is ``X-AES-KEY``; ``api_key`` stays)."""
    headers, body = encrypted()
    for name, value in changes.items():
        header = name if name == "api_key" else name.replace("_", "-")
        headers = {k: v for k, v in headers.items() if k.lower() != header.lower()}
        if value is not None:
            headers[header] = value
    return headers, body


def with_payload(**changes: Any) -> Request:
    payload = json.loads(json.dumps(PAYLOAD))
    for name, value in changes.items():
        if value is _DELETE:
            payload.pop(name)
        else:
            payload[name] = value
    return encrypted(payload)


_DELETE = object()


def post(http: requests.Session, mock: MockHandle, request: Request) -> requests.Response:
    headers, body = request
    return http.post(mock.url + spec.SEND_PATH, headers=headers, data=body, timeout=10)


def assert_v6_error(response: requests.Response, status: int, code: str) -> dict[str, Any]:
    """The one v6 error shape (FIDELITY.md), satisfying both client readings."""
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"data", "message", "status", "error"}
    assert body["data"] == [] and body["status"] == "error"
    assert isinstance(body["error"], list) and len(body["error"]) == 1
    item = body["error"][0]
    assert item["code"] == code
    assert item["message"] == body["message"] and body["message"]
    return item


def _urlsafe(text: str) -> str:
    return text.replace("+", "-").replace("/", "_")


# Key and IV whose standard base64 holds "+" and "/", so the URL-safe form differs.
URLSAFE_KEY = bytes([0xFB, 0xFF, 0xBF] * 10 + [0xFB, 0xFF])
URLSAFE_IV = bytes([0xFB, 0xFF, 0xBF] * 4)


def _urlsafe_body() -> Request:
    headers, body = encrypted({**PAYLOAD, "subject": "?" * 90})
    text = body.decode()
    assert "+" in text or "/" in text  # otherwise the case would test nothing
    return headers, _urlsafe(text).encode()


def _tampered_tag() -> Request:
    headers, body = encrypted()
    raw = bytearray(base64.b64decode(body))
    raw[-1] ^= 0x01
    return headers, base64.b64encode(bytes(raw))


def _wrong_key() -> Request:
    headers, body = encrypted()
    return {**headers, "X-AES-KEY": base64.b64encode(bytes(32)).decode()}, body


Case = Callable[[], Request]
B64 = lambda n: base64.b64encode(bytes(n)).decode()  # noqa: E731

FAILURES: list[Any] = [
    # authentication (seed: Authorization: Bearer <YOUR_API_KEY>)
    pytest.param(lambda: with_headers(Authorization=None), 401, "unauthorized", "auth_missing", None, id="auth-missing"),
    pytest.param(lambda: with_headers(Authorization="Bearer "), 401, "unauthorized", "auth_missing", None, id="auth-empty-token"),
    pytest.param(lambda: with_headers(Authorization=f"Basic {API_KEY}"), 401, "unauthorized", "auth_scheme", None, id="auth-basic"),
    pytest.param(lambda: with_headers(Authorization=f"x-api-key {API_KEY}"), 401, "unauthorized", "auth_scheme", None, id="auth-x-api-key"),
    pytest.param(lambda: with_headers(Authorization=API_KEY), 401, "unauthorized", "auth_scheme", None, id="auth-no-scheme"),
    pytest.param(lambda: with_headers(Authorization="Bearer wrong-key"), 401, "unauthorized", "auth_invalid_key", None, id="auth-wrong-key"),
    pytest.param(lambda: with_headers(Authorization=f"Bearer {API_KEY}x"), 401, "unauthorized", "auth_invalid_key", None, id="auth-key-prefix"),
    pytest.param(lambda: with_headers(Authorization=None, api_key=API_KEY), 401, "unauthorized", "auth_legacy_header", None, id="auth-v5-header"),
    # content type (seed: Content-Type: application/json)
    pytest.param(lambda: with_headers(Content_Type="text/plain"), 400, "invalid_content_type", "content_type_invalid", None, id="content-type-text"),
    pytest.param(lambda: with_headers(Content_Type=None), 400, "invalid_content_type", "content_type_invalid", None, id="content-type-missing"),
    # X-Encryption / X-Encryption-Version (seed: 1 and 2)
    pytest.param(lambda: with_headers(X_Encryption="2"), 400, "invalid_encryption_headers", "encryption_flag_invalid", None, id="flag-2"),
    pytest.param(lambda: with_headers(X_Encryption="true"), 400, "invalid_encryption_headers", "encryption_flag_invalid", None, id="flag-true"),
    pytest.param(lambda: with_headers(X_Encryption=""), 400, "invalid_encryption_headers", "encryption_flag_invalid", None, id="flag-empty"),
    pytest.param(lambda: with_headers(X_Encryption_Version=None), 400, "invalid_encryption_headers", "encryption_version_missing", None, id="version-missing"),
    pytest.param(lambda: with_headers(X_Encryption_Version="1"), 400, "invalid_encryption_headers", "encryption_version_unsupported", None, id="version-1"),
    pytest.param(lambda: with_headers(X_Encryption_Version="3"), 400, "invalid_encryption_headers", "encryption_version_unsupported", None, id="version-3"),
    # key (seed: base64 of a 32-byte key)
    pytest.param(lambda: with_headers(X_AES_KEY=None), 400, "invalid_aes_key", "aes_key_missing", None, id="key-missing"),
    pytest.param(lambda: with_headers(X_AES_KEY="not*base64!"), 400, "invalid_aes_key", "aes_key_not_base64", None, id="key-not-base64"),
    pytest.param(lambda: with_headers(X_AES_KEY=_urlsafe(base64.b64encode(URLSAFE_KEY).decode())), 400, "invalid_aes_key", "aes_key_not_base64", None, id="key-url-safe"),
    pytest.param(lambda: with_headers(X_AES_KEY=B64(32).rstrip("=")), 400, "invalid_aes_key", "aes_key_not_base64", None, id="key-unpadded"),
    pytest.param(lambda: with_headers(X_AES_KEY=bytes(32).hex()), 400, "invalid_aes_key", "aes_key_length", None, id="key-hex"),
    pytest.param(lambda: with_headers(X_AES_KEY=B64(16)), 400, "invalid_aes_key", "aes_key_length", None, id="key-16"),
    pytest.param(lambda: with_headers(X_AES_KEY=B64(31)), 400, "invalid_aes_key", "aes_key_length", None, id="key-31"),
    pytest.param(lambda: with_headers(X_AES_KEY=B64(33)), 400, "invalid_aes_key", "aes_key_length", None, id="key-33"),
    # IV (seed: base64 of a 12-byte IV)
    pytest.param(lambda: with_headers(X_AES_IV=None), 400, "invalid_aes_iv", "aes_iv_missing", None, id="iv-missing"),
    pytest.param(lambda: with_headers(X_AES_IV="@@@@"), 400, "invalid_aes_iv", "aes_iv_not_base64", None, id="iv-not-base64"),
    pytest.param(lambda: with_headers(X_AES_IV=_urlsafe(base64.b64encode(URLSAFE_IV).decode())), 400, "invalid_aes_iv", "aes_iv_not_base64", None, id="iv-url-safe"),
    pytest.param(lambda: with_headers(X_AES_IV=B64(0)), 400, "invalid_aes_iv", "aes_iv_length", None, id="iv-0"),
    pytest.param(lambda: with_headers(X_AES_IV=B64(8)), 400, "invalid_aes_iv", "aes_iv_length", None, id="iv-8"),
    pytest.param(lambda: with_headers(X_AES_IV=B64(16)), 400, "invalid_aes_iv", "aes_iv_length", None, id="iv-16"),
    # body: base64(ciphertext || tag); all one public kind, the reason only in the journal
    pytest.param(lambda: (encrypted()[0], b"%%% not base64 %%%"), 400, "decryption_failed", "body_not_base64", None, id="body-not-base64"),
    pytest.param(_urlsafe_body, 400, "decryption_failed", "body_not_base64", None, id="body-url-safe"),
    pytest.param(lambda: (encrypted()[0], encrypted()[1].rstrip(b"=")[:-1]), 400, "decryption_failed", "body_not_base64", None, id="body-unpadded"),
    pytest.param(lambda: (encrypted()[0], json.dumps(PAYLOAD).encode()), 400, "decryption_failed", "body_not_base64", None, id="body-plain-json"),
    pytest.param(lambda: (encrypted()[0], b""), 400, "decryption_failed", "gcm_too_short", None, id="body-empty"),
    pytest.param(lambda: (encrypted()[0], base64.b64encode(bytes(15))), 400, "decryption_failed", "gcm_too_short", None, id="body-15-bytes"),
    pytest.param(_tampered_tag, 400, "decryption_failed", "gcm_tag_mismatch", None, id="body-tag-flipped"),
    pytest.param(_wrong_key, 400, "decryption_failed", "gcm_tag_mismatch", None, id="body-wrong-key"),
    # plaintext: UTF-8 JSON (seed: json.dumps(data).encode('utf-8'))
    pytest.param(lambda: sealed(b"\xff\xfe{}"), 400, "invalid_json", "payload_not_utf8", None, id="plaintext-not-utf8"),
    pytest.param(lambda: sealed(b"{'python': 'repr'}"), 400, "invalid_json", "payload_not_json", None, id="plaintext-not-json"),
    pytest.param(lambda: sealed(b""), 400, "invalid_json", "payload_not_json", None, id="plaintext-empty"),
    pytest.param(lambda: sealed(b'{"subject": NaN}'), 400, "invalid_json", "json_non_finite_number", None, id="plaintext-nan"),
    pytest.param(lambda: sealed(b'{"n": ' + b"9" * 5000 + b"}"), 400, "invalid_json", "json_number_too_long", None, id="plaintext-huge-int"),
    pytest.param(lambda: sealed(b"[" * 100_000), 400, "invalid_json", "payload_too_deep", None, id="plaintext-too-deep"),
    # schema violations name the field
    pytest.param(lambda: encrypted([PAYLOAD]), 400, "invalid_payload", "payload_not_object", None, id="schema-not-object"),
    pytest.param(lambda: with_payload(**{"from": _DELETE}), 400, "invalid_payload", "from_missing", "from", id="schema-from-missing"),
    pytest.param(lambda: with_payload(**{"from": "sender@example.com"}), 400, "invalid_payload", "from_invalid", "from", id="schema-from-string"),
    pytest.param(lambda: with_payload(**{"from": {"email": "[email protected]"}}), 400, "invalid_payload", "from_email_invalid", "from.email", id="schema-from-obfuscated"),
    pytest.param(lambda: with_payload(**{"from": {"email": "a@b.co", "name": 5}}), 400, "invalid_payload", "from_name_invalid", "from.name", id="schema-from-name"),
    pytest.param(lambda: with_payload(personalizations=_DELETE), 400, "invalid_payload", "personalizations_missing", "personalizations", id="schema-personalizations-missing"),
    pytest.param(lambda: with_payload(personalizations=[]), 400, "invalid_payload", "personalizations_missing", "personalizations", id="schema-personalizations-empty"),
    pytest.param(lambda: with_payload(personalizations=["x"]), 400, "invalid_payload", "personalization_invalid", "personalizations[0]", id="schema-personalization-string"),
    pytest.param(lambda: with_payload(personalizations=[{}]), 400, "invalid_payload", "recipient_missing", "personalizations[0].to", id="schema-to-missing"),
    pytest.param(lambda: with_payload(personalizations=[{"to": []}]), 400, "invalid_payload", "recipient_missing", "personalizations[0].to", id="schema-to-empty"),
    pytest.param(lambda: with_payload(personalizations=[{"to": [{"email": "[email protected]"}]}]), 400, "invalid_payload", "recipient_email_invalid", "personalizations[0].to[0].email", id="schema-to-obfuscated"),
    pytest.param(lambda: with_payload(personalizations=[{"to": [{"email": "a@b.co"}], "cc": [{"email": "no-at"}]}]), 400, "invalid_payload", "recipient_email_invalid", "personalizations[0].cc[0].email", id="schema-cc-invalid"),
    pytest.param(lambda: with_payload(subject=_DELETE), 400, "invalid_payload", "subject_missing", "subject", id="schema-subject-missing"),
    pytest.param(lambda: with_payload(subject="  "), 400, "invalid_payload", "subject_invalid", "subject", id="schema-subject-blank"),
    pytest.param(lambda: with_payload(subject=7), 400, "invalid_payload", "subject_invalid", "subject", id="schema-subject-number"),
    pytest.param(lambda: with_payload(content=_DELETE), 400, "invalid_payload", "content_missing", "content", id="schema-content-missing"),
    pytest.param(lambda: with_payload(content=[]), 400, "invalid_payload", "content_invalid", "content", id="schema-content-empty"),
    pytest.param(lambda: with_payload(content=[{"type": "markdown", "value": "x"}]), 400, "invalid_payload", "content_type_invalid", "content[0].type", id="schema-content-type"),
    pytest.param(lambda: with_payload(content=[{"type": ["html"], "value": "x"}]), 400, "invalid_payload", "content_type_invalid", "content[0].type", id="schema-content-type-list"),
    pytest.param(lambda: with_payload(content=[{"type": "html"}]), 400, "invalid_payload", "content_value_invalid", "content[0].value", id="schema-content-value"),
    pytest.param(lambda: with_payload(reply_to="nobody"), 400, "invalid_payload", "reply_to_invalid", "reply_to", id="schema-reply-to"),
    pytest.param(lambda: with_payload(attachments=[{"name": "a.txt", "content": "not base64!"}]), 400, "invalid_payload", "attachment_content_invalid", "attachments[0].content", id="schema-attachment"),
    pytest.param(lambda: with_payload(tags="t"), 400, "invalid_payload", "tags_invalid", "tags", id="schema-tags"),
    pytest.param(lambda: with_payload(template_id=True, subject=_DELETE, content=_DELETE), 400, "invalid_payload", "template_id_type", "template_id", id="schema-template-id"),
]


@pytest.mark.parametrize("make, status, code, reason, field", FAILURES)
def test_each_failure_class_gets_its_status_shape_and_reason(
    netcore_email_mock: MockHandle, http: requests.Session, make: Case, status: int, code: str, reason: str, field: str | None
) -> None:
    response = post(http, netcore_email_mock, make())
    item = assert_v6_error(response, status, code)
    assert item.get("field") == field
    (entry,) = netcore_email_mock.requests()
    assert (entry.status, entry.outcome, entry.reason, entry.error_code) == (status, "rejected", reason, code)
    assert entry.field == field
    assert netcore_email_mock.messages() == []


def test_success_shape_and_stored_payload(netcore_email_mock: MockHandle, http: requests.Session) -> None:
    response = post(http, netcore_email_mock, encrypted())
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"data", "message", "status"}
    assert (body["message"], body["status"], set(body["data"])) == ("OK", "success", {"message_id"})
    message_id = body["data"]["message_id"]
    assert re.fullmatch(r"[0-9a-f]{32}", message_id)
    (message,) = netcore_email_mock.messages()
    assert message.message_id == message_id
    assert message.payload == PAYLOAD
    assert message.meta == {"encrypted": True, "recipients": ["john.doe@example.com"]}
    (entry,) = netcore_email_mock.requests()
    assert (entry.outcome, entry.message_ids, entry.details["encrypted"]) == ("accepted", [message_id], True)


def test_message_ids_are_fresh(netcore_email_mock: MockHandle, http: requests.Session) -> None:
    ids = {post(http, netcore_email_mock, encrypted()).json()["data"]["message_id"] for _ in range(5)}
    assert len(ids) == 5
    assert len(netcore_email_mock.wait_for_messages(5, timeout=5)) == 5


def test_decryption_failures_are_byte_identical_but_journaled_apart(
    netcore_email_mock: MockHandle, http: requests.Session
) -> None:
    headers, _ = encrypted()
    bodies = {
        "body_not_base64": b"%%%",
        "gcm_too_short": base64.b64encode(bytes(15)),
        "gcm_tag_mismatch": _tampered_tag()[1],
    }
    responses = [post(http, netcore_email_mock, (headers, body)) for body in bodies.values()]
    assert len({r.content for r in responses}) == 1
    assert {r.status_code for r in responses} == {400}
    shown = [{k: v for k, v in r.headers.items() if k.lower() != "date"} for r in responses]
    assert shown[0] == shown[1] == shown[2]
    assert [e.reason for e in netcore_email_mock.requests()] == list(bodies)


def test_plain_json_without_encryption_is_accepted(netcore_email_mock: MockHandle, http: requests.Session) -> None:
    headers = {"Authorization": f"Bearer {API_KEY}", "Content-Type": "application/json; charset=utf-8"}
    response = post(http, netcore_email_mock, (headers, json.dumps(PAYLOAD).encode()))
    assert response.status_code == 200
    (message,) = netcore_email_mock.messages()
    assert (message.payload, message.meta["encrypted"]) == (PAYLOAD, False)


def test_x_encryption_0_means_plain(netcore_email_mock: MockHandle, http: requests.Session) -> None:
    headers = {"Authorization": f"Bearer {API_KEY}", "Content-Type": "application/json", "X-Encryption": "0"}
    assert post(http, netcore_email_mock, (headers, json.dumps(PAYLOAD).encode())).status_code == 200


def test_stray_aes_headers_are_ignored_with_a_warning(netcore_email_mock: MockHandle, http: requests.Session) -> None:
    headers = {"Authorization": f"Bearer {API_KEY}", "Content-Type": "application/json", "X-AES-KEY": B64(32)}
    assert post(http, netcore_email_mock, (headers, json.dumps(PAYLOAD).encode())).status_code == 200
    assert netcore_email_mock.requests()[0].warnings == ["encryption_headers_without_flag"]


def test_stray_aes_headers_rejected_when_configured(mock_server: Any, http: requests.Session) -> None:
    mock = mock_server("netcore-email", stray_encryption_headers="reject")
    headers = {"Authorization": f"Bearer {API_KEY}", "Content-Type": "application/json", "X-AES-IV": B64(12)}
    assert_v6_error(post(http, mock, (headers, json.dumps(PAYLOAD).encode())), 400, "invalid_encryption_headers")
    assert mock.requests()[0].reason == "encryption_headers_without_flag"


def test_unknown_fields_are_accepted_with_warnings(netcore_email_mock: MockHandle, http: requests.Session) -> None:
    assert post(http, netcore_email_mock, with_payload(campaign="x", subject="s")).status_code == 200
    assert netcore_email_mock.requests()[0].warnings == ["unknown_field:campaign"]


def test_template_id_replaces_subject_and_content(netcore_email_mock: MockHandle, http: requests.Session) -> None:
    assert post(http, netcore_email_mock, with_payload(template_id=42, subject=_DELETE, content=_DELETE)).status_code == 200


def test_legacy_auth_accepted_when_configured(mock_server: Any, http: requests.Session) -> None:
    mock = mock_server("netcore-email", accept_legacy_auth=True)
    for auth in ({"Authorization": f"x-api-key {API_KEY}"}, {"api_key": API_KEY}):
        headers, body = with_headers(Authorization=None)
        assert post(http, mock, ({**headers, **auth}, body)).status_code == 200
    headers, body = with_headers(Authorization=None, api_key="wrong")
    assert_v6_error(post(http, mock, (headers, body)), 401, "unauthorized")
    assert mock.requests()[-1].reason == "auth_invalid_key"


def test_configured_api_key_and_202(mock_server: Any, http: requests.Session) -> None:
    mock = mock_server("netcore-email", api_key="other-key", success_status=202)
    assert mock.config["api_key"] == "other-key"
    assert_v6_error(post(http, mock, encrypted()), 401, "unauthorized")
    headers, body = with_headers(Authorization="Bearer other-key")
    response = post(http, mock, (headers, body))
    assert response.status_code == 202 and response.json()["message"] == "OK"


def test_body_over_the_limit_is_413_in_v6_shape(mock_server: Any, http: requests.Session) -> None:
    mock = mock_server("netcore-email", max_body_bytes=1024)
    headers, _ = encrypted()
    assert_v6_error(post(http, mock, (headers, b"A" * 1025)), 413, "payload_too_large")
    assert mock.requests()[0].reason == "body_too_large"


def test_router_errors_in_v6_shape(netcore_email_mock: MockHandle, http: requests.Session) -> None:
    assert_v6_error(http.post(netcore_email_mock.url + "/v5/mail/send", timeout=10), 404, "not_found")
    response = http.get(netcore_email_mock.url + spec.SEND_PATH, timeout=10)
    assert_v6_error(response, 405, "method_not_allowed")
    assert response.headers["Allow"] == "POST"
    assert [e.reason for e in netcore_email_mock.requests()] == ["route_not_found", "method_not_allowed"]


def test_non_utf8_header_bytes_are_a_clean_401(netcore_email_mock: MockHandle) -> None:
    host, port = netcore_email_mock.url.removeprefix("http://").rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(
            b"POST /v6/mail/send HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\n"
            b"Authorization: Bearer \xff\xfe\r\nContent-Length: 2\r\n\r\n{}"
        )
        reply = b""
        while chunk := sock.recv(65536):
            reply += chunk
    assert reply.startswith(b"HTTP/1.1 401 ")
    assert netcore_email_mock.requests()[0].reason == "auth_invalid_key"
    assert requests.get(netcore_email_mock.url + "/__mock__/requests", timeout=10).status_code == 200
