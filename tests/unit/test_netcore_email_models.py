"""Netcore Email v6 rules without HTTP: auth, encryption headers, decryption, payload checks, error shape."""

from __future__ import annotations

import base64
import json
import re
from typing import Any

import pytest

from sealmail.mockservers.core import MockClock, Rejection
from sealmail.mockservers.core.validation import is_email
from sealmail.mockservers.crypto import aes_gcm
from sealmail.mockservers.providers.netcore_email import PROVIDER, NetcoreEmailConfig, NetcoreEmailModel, spec
from sealmail.mockservers.providers.netcore_email.models import (
    EncryptionHeaders,
    decrypt_body,
    is_encrypted,
    parse_payload,
    recipients,
    validate_payload,
)

KEY, IV = bytes(range(32)), bytes(range(12))
VALID: dict[str, Any] = {
    "personalizations": [{"to": [{"email": "a@example.com"}], "cc": [{"email": "b@example.com", "name": None}],
                          "bcc": [{"email": "c@example.com"}]}],
    "from": {"email": "sender@example.com"},
    "subject": "s",
    "content": [{"type": "text/plain", "value": ""}],
}


def _headers(**changes: str | None) -> EncryptionHeaders:
    values = {"flag": "1", "version": "2", "key_b64": base64.b64encode(KEY).decode(), "iv_b64": base64.b64encode(IV).decode()}
    values.update(changes)
    return EncryptionHeaders(**values)


def _reason(call: Any, *args: Any) -> str:
    with pytest.raises(Rejection) as caught:
        call(*args)
    return caught.value.reason


def test_model_reset_restores_the_configured_key() -> None:
    model = NetcoreEmailModel(NetcoreEmailConfig(api_key="k1"), MockClock())
    model.api_key = "rotated"
    model.reset()
    assert model.api_key == "k1"
    model.authenticate("Bearer k1", None)
    assert _reason(model.authenticate, "Bearer rotated", None) == "auth_invalid_key"


def test_authorization_scheme_is_case_insensitive_and_token_trimmed() -> None:
    model = NetcoreEmailModel(NetcoreEmailConfig(), MockClock())
    model.authenticate(f"bearer   {spec.DEFAULT_API_KEY}  ", None)
    model.authenticate(f"BEARER {spec.DEFAULT_API_KEY}", "ignored-when-authorization-present")


def test_message_ids_are_32_lowercase_hex_and_unique() -> None:
    model = NetcoreEmailModel(NetcoreEmailConfig(), MockClock())
    ids = [model.new_message_id() for _ in range(200)]
    assert all(re.fullmatch(r"[0-9a-f]{32}", i) for i in ids)
    assert len(set(ids)) == 200


@pytest.mark.parametrize("flag, expected", [(None, False), ("0", False), (" 0 ", False), ("1", True), (" 1", True)])
def test_x_encryption_flag(flag: str | None, expected: bool) -> None:
    assert is_encrypted(_headers(flag=flag), NetcoreEmailConfig()) is expected


@pytest.mark.parametrize("flag", ["2", "on", "yes", "", "01", "1.0"])
def test_x_encryption_other_values_rejected(flag: str) -> None:
    assert _reason(is_encrypted, _headers(flag=flag), NetcoreEmailConfig()) == "encryption_flag_invalid"


def test_decrypt_body_round_trip_and_tolerated_whitespace() -> None:
    body = base64.b64encode(aes_gcm.encrypt(KEY, IV, b'{"a": 1}'))
    assert decrypt_body(_headers(), body) == b'{"a": 1}'
    assert decrypt_body(_headers(), body + b"\r\n") == b'{"a": 1}'  # curl -d @file adds a newline
    assert decrypt_body(_headers(version=" 2 ", key_b64=" " + _headers().key_b64 + " "), body) == b'{"a": 1}'


def test_decrypt_body_checks_headers_before_the_body() -> None:
    assert _reason(decrypt_body, _headers(version=None, key_b64=None), b"junk") == "encryption_version_missing"
    assert _reason(decrypt_body, _headers(key_b64=None, iv_b64=None), b"junk") == "aes_key_missing"
    assert _reason(decrypt_body, _headers(iv_b64=None), b"junk") == "aes_iv_missing"
    assert _reason(decrypt_body, _headers(iv_b64=""), b"junk") == "aes_iv_length"
    assert _reason(decrypt_body, _headers(key_b64="  "), b"junk") == "aes_key_length"
    assert _reason(decrypt_body, _headers(key_b64="ключ"), b"junk") == "aes_key_not_base64"


def test_body_failures_share_one_public_kind() -> None:
    good = aes_gcm.encrypt(KEY, IV, b"{}")
    kinds = set()
    for body in (b"!!", base64.b64encode(good[:10]), base64.b64encode(good[:-1] + bytes([good[-1] ^ 1]))):
        with pytest.raises(Rejection) as caught:
            decrypt_body(_headers(), body)
        kinds.add((caught.value.kind, caught.value.message, caught.value.field))
    assert kinds == {(spec.DECRYPTION_FAILED, spec.DECRYPTION_FAILED.message, None)}


def test_parse_payload_accepts_utf8_json_and_refuses_the_rest() -> None:
    assert parse_payload('{"s": "Grüße"}'.encode()) == {"s": "Grüße"}
    assert _reason(parse_payload, "Grüße".encode("latin-1")) == "payload_not_utf8"
    assert _reason(parse_payload, b'{"x": Infinity}') == "json_non_finite_number"
    assert _reason(parse_payload, b'{"x": -Infinity}') == "json_non_finite_number"
    assert _reason(parse_payload, b"1" * 5000) == "json_number_too_long"
    assert _reason(parse_payload, b"{}{}") == "payload_not_json"


def test_valid_payload_and_its_recipients() -> None:
    assert validate_payload(VALID) == []
    assert recipients(VALID) == ["a@example.com", "b@example.com", "c@example.com"]


@pytest.mark.parametrize(
    "address, ok",
    [
        ("john.doe@example.com", True),
        ("a+tag@sub.example.co.uk", True),
        ("[email protected]", False),
        ("no-at-sign", False),
        ("a@localhost", False),
        ("a b@example.com", False),
        ("a@-example.com", False),
        ("ü@example.com", False),
        ("a@" + "x" * 250 + ".com", False),
        (None, False),
        (["a@example.com"], False),
    ],
)
def test_is_email(address: Any, ok: bool) -> None:
    assert is_email(address) is ok


@pytest.mark.parametrize(
    "change, reason, field",
    [
        ({"personalizations": [{"to": [{"email": "a@example.com"}], "bcc": "x"}]}, "recipient_invalid", "personalizations[0].bcc"),
        ({"personalizations": [{"to": ["a@example.com"]}]}, "recipient_invalid", "personalizations[0].to[0]"),
        ({"personalizations": [{"to": [{"email": "a@example.com"}], "attributes": []}]}, "attributes_invalid", "personalizations[0].attributes"),
        ({"content": [{"type": {}, "value": "x"}]}, "content_type_invalid", "content[0].type"),
        ({"content": ["html"]}, "content_invalid", "content[0]"),
        ({"attachments": [{"content": "QQ=="}]}, "attachment_name_invalid", "attachments[0].name"),
        ({"attachments": {}}, "attachments_invalid", "attachments"),
        ({"settings": []}, "settings_invalid", "settings"),
        ({"reply_to": {"email": "bad"}}, "reply_to_email_invalid", "reply_to.email"),
    ],
)
def test_schema_violations_name_the_field(change: dict[str, Any], reason: str, field: str) -> None:
    payload = {**json.loads(json.dumps(VALID)), **change}
    with pytest.raises(Rejection) as caught:
        validate_payload(payload)
    assert (caught.value.reason, caught.value.field, caught.value.kind) == (reason, field, spec.INVALID_PAYLOAD)


def test_render_error_is_the_one_v6_shape() -> None:
    rendered = PROVIDER.render_error(Rejection(spec.DECRYPTION_FAILED, "gcm_tag_mismatch", detail="secret detail"))
    assert rendered.status == 400
    assert rendered.body == {
        "data": [],
        "message": spec.DECRYPTION_FAILED.message,
        "status": "error",
        "error": [{"code": "decryption_failed", "message": spec.DECRYPTION_FAILED.message, "help": spec.DECRYPTION_FAILED.help}],
    }
    assert "secret detail" not in json.dumps(rendered.body)


def test_status_kinds_and_fallback() -> None:
    assert PROVIDER.error_kind_for_status(401) == spec.UNAUTHORIZED
    fallback = PROVIDER.error_kind_for_status(418)
    assert (fallback.status, fallback.code) == (418, "http_418")


def test_describe_shows_credentials_and_urls() -> None:
    model = NetcoreEmailModel(NetcoreEmailConfig(api_key="k"), MockClock())
    assert PROVIDER.describe(model, "http://h:1") == {
        "api_key": "k", "send_url": "http://h:1/v6/mail/send", "headers": {"Authorization": "Bearer k"},
    }
