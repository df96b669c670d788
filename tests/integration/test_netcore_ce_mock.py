"""The netcore-ce mock over HTTP: every eCode accepted, every bad input rejected with its own error or the one uniform one."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
import requests

from sealmail.conformance.clients.netcore_ce import (
    AES_256_CBC_BASE64,
    AES_256_CBC_HEX,
    AES_256_GCM_BASE64,
    NetcoreCeSyncClient,
    activity,
    encode_activities,
    encrypt_text,
    generate_gcm_key,
    generate_key_and_iv,
)
from sealmail.conformance.clients.http import ProviderError
from sealmail.mockservers.core import MockHandle
from sealmail.mockservers.crypto import aes_cbc, aes_gcm
from sealmail.mockservers.providers.netcore_ce import spec

UNIFORM = {"status": "error", "code": "decryption_failed", "message": "Unable to decrypt encryptedRequest",
           "error": "Unable to decrypt encryptedRequest"}

SEED_SAMPLE_PLAINTEXT = (
    '[{\n        "asset_id": "392234ga43t3q4t3026227c3453gqe5",\n        "activity_name": "form_submitted",\n'
    '        "timestamp": "2025-08-26T12:05:43Z",\n        "identity": "9999911111",\n        "activity_source": "web",\n'
    '        "activity_params": {\n            "user_name": "Mahesh",\n            "reason": "test 123",\n'
    '            "day" : "Tuesday"\n        }\n    }    \n]'
)
"""seed 003, Step 2: the sample payload exactly as published (pretty-printed, trailing spaces after the closing brace)."""


def creds(mock: MockHandle, ecode: int) -> tuple[str, str | None]:
    config = mock.config
    return (config["gcm_key"], None) if ecode == AES_256_GCM_BASE64 else (config["key"], config["iv"])


def one(mock: MockHandle, **changes: Any) -> dict[str, Any]:
    return activity(mock.config["asset"], "form_submitted", "9999911111", {"day": "Tuesday"}) | changes


def post(mock: MockHandle, text: Any, *, ecode: int | str | None = AES_256_CBC_BASE64, asset: str | None = None,
         auth: str | None = "default", content_type: str | None = "application/json", body: bytes | None = None) -> requests.Response:
    config = mock.config
    headers: dict[str, str] = {}
    if content_type is not None:
        headers["Content-Type"] = content_type
    if ecode is not None:
        headers["x-eCode"] = str(ecode)
    headers["x-asset"] = asset if asset is not None else config["asset"]
    if auth is not None:
        headers["Authorization"] = f"Bearer {config['api_key']}" if auth == "default" else auth
    data = body if body is not None else json.dumps({"encryptedRequest": text}).encode()
    return requests.post(mock.url + spec.UPLOAD_PATH, data=data, headers=headers, timeout=10)


def encrypted(mock: MockHandle, activities: Any, ecode: int = AES_256_CBC_BASE64) -> str:
    plaintext = activities if isinstance(activities, bytes) else encode_activities(activities)
    return encrypt_text(plaintext, ecode, *creds(mock, ecode))


# --- accepted -------------------------------------------------------------------------
@pytest.mark.parametrize("ecode", [AES_256_CBC_BASE64, AES_256_CBC_HEX, AES_256_GCM_BASE64])
def test_each_ecode_stores_every_activity_as_its_own_message(netcore_ce_mock: MockHandle, ecode: int) -> None:
    batch = [one(netcore_ce_mock), one(netcore_ce_mock, activity_name="app_opened", identity=42, activity_source="app")]
    reply = post(netcore_ce_mock, encrypted(netcore_ce_mock, batch, ecode), ecode=ecode)
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["status"] == "success" and body["data"]["count"] == 2
    messages = netcore_ce_mock.messages()
    assert [m.payload for m in messages] == batch
    assert {m.meta["ecode"] for m in messages} == {ecode}
    assert {m.meta["asset"] for m in messages} == {netcore_ce_mock.config["asset"]}
    assert {m.meta["transaction_id"] for m in messages} == {body["data"]["transaction_id"]}
    netcore_ce_mock.assert_all_accepted()


@pytest.mark.parametrize("ecode", [AES_256_CBC_BASE64, AES_256_CBC_HEX, AES_256_GCM_BASE64])
def test_reference_client_round_trip(netcore_ce_mock: MockHandle, ecode: int) -> None:
    config = netcore_ce_mock.config
    with NetcoreCeSyncClient(netcore_ce_mock.url, config["api_key"], config["asset"], *creds(netcore_ce_mock, ecode), ecode=ecode) as client:
        sent = one(netcore_ce_mock)
        result = client.upload([sent])
    assert result.count == 1 and result.transaction_id == netcore_ce_mock.messages()[0].meta["transaction_id"]
    assert netcore_ce_mock.payloads() == [sent]


def test_reference_client_raises_provider_error_with_the_message(netcore_ce_mock: MockHandle) -> None:
    config = netcore_ce_mock.config
    with NetcoreCeSyncClient(netcore_ce_mock.url, "wrong-key", config["asset"], config["key"], config["iv"]) as client:
        with pytest.raises(ProviderError) as caught:
            client.upload([one(netcore_ce_mock)])
    assert caught.value.status == 401 and caught.value.message == spec.UNAUTHORIZED.message


def test_the_seeds_sample_plaintext_is_accepted_verbatim(netcore_ce_mock: MockHandle) -> None:
    """Pretty-printed, "day" : with a space, trailing spaces: registered for the sample's own asset id."""
    config = netcore_ce_mock.config
    register = requests.post(netcore_ce_mock.url + spec.ASSETS_PATH, timeout=10,
                             json={"asset": spec.SEED_SAMPLE_ASSET, "key": config["key"], "iv": config["iv"], "ecodes": [11256, 11257]})
    assert register.status_code == 200, register.text
    for ecode in (AES_256_CBC_BASE64, AES_256_CBC_HEX):
        reply = post(netcore_ce_mock, encrypted(netcore_ce_mock, SEED_SAMPLE_PLAINTEXT.encode(), ecode), ecode=ecode, asset=spec.SEED_SAMPLE_ASSET)
        assert reply.status_code == 200, reply.text
    assert netcore_ce_mock.payloads() == json.loads(SEED_SAMPLE_PLAINTEXT) * 2
    assert "timestamp_older_than_24h:activities[0].timestamp" in netcore_ce_mock.requests()[0].warnings


def test_the_seeds_sample_plaintext_under_the_seeds_curl_asset_is_an_asset_mismatch(netcore_ce_mock: MockHandle) -> None:
    """The seed's Step 2 asset_id differs from its Step 3 x-asset: as published together they cannot both be right."""
    reply = post(netcore_ce_mock, encrypted(netcore_ce_mock, SEED_SAMPLE_PLAINTEXT.encode()), asset=spec.DEFAULT_ASSET)
    assert reply.status_code == 400 and reply.json()["code"] == "asset_mismatch"
    assert reply.json()["field"] == "activities[0].asset_id"


@pytest.mark.parametrize("text", [
    pytest.param("ENtfL3peNnIzXzHBgHqb9bIOoundUGk9scPyPoKrwinCalrrfXZUnm3bNiGBdV3/A+FoqfTLReN5nkr31iQ8Jn9kSeoWlkGeAbsIZUrRsbhB36vzkKGQW12zp/KMBk5tMPlXScHSwhM0GP8lPejtWMsVNbhsOGsPGdW6rY4ZNaFFhyZq3rJIH19HS0f65yVfFXuvLuzoZCudsLa/XRZTZjEhNQobsVq35pxtZpdhl3Tdy7k0rSnbHkIHZ8RMtH22nOpwfbTh+N37T4nI8N0PtBKttwzrHD7t3llNQruhIykttprqAYdDrZF8h4XzQHsNH1h4zck2bUVHY+tSvQIUAAm2xEdpRkTjRCaXJsMql3J0zUAYSorBsS9ncYNeuNKD7JwlLjFsbquVVmZCW3PV+tT/ftSy7u9L89ChZZsl2LaRa1NPpm3AvjrsJQ6Vbo10YhH9dDegYITLJ81qskFBP1uz/tJlxIQlSn/OPeTEXD/cFie2eJjG/LLi+s91cqeWi3vstC3O+e6pni2yZMIP/V0tnFkHzlQD9hamsxgTQGs=", id="step2"),
    pytest.param("6UbL6LFCeSR2HyFYBXXNjrvq4WCNLWb7K2lAXnVBAjmngco59l5FfeqsG8M7pLHfR20DTCn5QX3WfBcdqeImhlH5pDDtcJ8lrxe6UDQdiusIfdbiXHbPfET3OSAt6EYhzVgjMov7dKESBpSsawqSATcJsqYT81X63mXVXyEYof4k9nwH/u7nEpY/+6bbMTa4uqIEUdFKgt/xDEt1LoD7DTHTkiFr8LY0UVID04GXY2T7Lr8cEiB/7fGwTeXyrKrGngFxMD/hAU5xMqsb4Kr/qlX7mBMugzJ/n8GgULIXdDJSN55M6BeTjsWR1EETIxNUse/u8KUftfOigkYvEEhROnbPINZH71gZcyoMmyIsJMsGx3RpXBNqqE4p29BOkgfCauT0hrpT6kRGaOetMD9/xe7H8pYdTisUF4s26v9+awf6dhnhHGNSxUmBBJL/BHfG5+cPwPyTOcUQ/Hos/+Xrp/1nNELAygmCrnB8EDs/IQE=", id="step3-curl"),
])
def test_the_seeds_own_ciphertexts_cannot_be_decrypted_without_their_unpublished_key(netcore_ce_mock: MockHandle, text: str) -> None:
    """Whole blocks of CBC ciphertext (416 and 368 bytes), but the key behind them is not in the seed."""
    assert len(base64.b64decode(text)) % 16 == 0
    reply = post(netcore_ce_mock, text)
    assert reply.status_code == 400 and reply.json() == UNIFORM
    assert netcore_ce_mock.requests()[0].reason in {"cbc_bad_padding", "plaintext_not_utf8", "plaintext_not_json"}


# --- the uniform decryption error -----------------------------------------------------------
def _bad_cbc_texts(mock: MockHandle) -> dict[str, tuple[int, str]]:
    config = mock.config
    key, iv = config["key"].encode(), config["iv"].encode()
    plaintext = encode_activities([one(mock)])
    good = aes_cbc.encrypt(key, iv, plaintext)
    other_key, other_iv = generate_key_and_iv()

    def raw(padded: bytes) -> bytes:
        from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

        encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
        return encryptor.update(padded) + encryptor.finalize()

    fill = -len(plaintext) % 16 or 16
    b64 = lambda data: base64.b64encode(data).decode()  # noqa: E731
    return {
        "cbc_bad_padding/zero": (11256, b64(raw(plaintext + bytes(fill)))),
        "cbc_bad_padding/0xff": (11256, b64(raw(plaintext + b"\xff" * fill))),
        "cbc_bad_padding/x923": (11256, b64(raw(plaintext + bytes(fill - 1) + bytes([fill])))),
        "cbc_bad_padding/pad-17": (11256, b64(raw(plaintext + bytes([17]) * fill))),
        "cbc_bad_padding/none": (11256, b64(raw(plaintext + b" " * fill))),
        "wrong_key": (11256, encrypt_text(plaintext, 11256, other_key, config["iv"])),
        "wrong_iv": (11256, encrypt_text(plaintext, 11256, config["key"], other_iv)),
        "truncated_byte": (11256, b64(good[:-1])),
        "truncated_block": (11256, b64(good[:-16])),
        "empty": (11256, ""),
        "not_base64/urlsafe": (11256, base64.urlsafe_b64encode(good).decode().replace("=", "")),
        "not_base64/newline": (11256, b64(good) + "\n"),
        "hex_body_for_base64": (11256, good.hex()),
        "hex/upper": (11257, good.hex().upper()),
        "hex/odd": (11257, good.hex()[:-1]),
        "hex/base64_body": (11257, b64(good)),
        "hex/bad_padding": (11257, raw(plaintext + bytes(fill)).hex()),
        "not_json": (11256, encrypt_text(b"hello, not json", 11256, config["key"], config["iv"])),
        "not_utf8": (11256, encrypt_text(b"\xff\xfe[]", 11256, config["key"], config["iv"])),
        "gcm/tag": (11258, _flip(encrypt_text(plaintext, 11258, config["gcm_key"]), -1)),
        "gcm/nonce": (11258, _flip(encrypt_text(plaintext, 11258, config["gcm_key"]), 0)),
        "gcm/short": (11258, base64.b64encode(bytes(27)).decode()),
        "gcm/wrong_key": (11258, encrypt_text(plaintext, 11258, generate_gcm_key())),
        "gcm/cbc_body": (11258, b64(good)),
    }


def _flip(text: str, index: int) -> str:
    data = bytearray(base64.b64decode(text))
    data[index] ^= 0x01
    return base64.b64encode(bytes(data)).decode()


def test_every_decryption_failure_gets_one_identical_answer(mock_server: Any) -> None:
    netcore_ce_mock = mock_server("netcore-ce", hex_case="lower")  # strict: upper-case hex is a failure too
    cases = _bad_cbc_texts(netcore_ce_mock)
    answers = {}
    for name, (ecode, text) in cases.items():
        reply = post(netcore_ce_mock, text, ecode=ecode)
        headers = {k: v for k, v in reply.headers.items() if k.lower() not in {"date"}}
        answers[name] = (reply.status_code, reply.content, tuple(sorted(headers.items())))
    assert len(set(answers.values())) == 1, answers
    status, content, _ = next(iter(answers.values()))
    assert status == 400 and json.loads(content) == UNIFORM
    reasons = {e.reason for e in netcore_ce_mock.requests()}
    # the journal keeps each precise reason
    assert {"cbc_bad_padding", "cbc_length_not_block_multiple", "cbc_empty", "not_base64", "hex_not_lowercase", "not_hex",
            "plaintext_not_json", "plaintext_not_utf8", "gcm_tag_mismatch", "gcm_too_short"} <= reasons
    assert not netcore_ce_mock.messages()


def test_uppercase_hex_is_accepted_by_default_with_a_journal_warning(netcore_ce_mock: MockHandle) -> None:
    reply = post(netcore_ce_mock, encrypted(netcore_ce_mock, [one(netcore_ce_mock)], AES_256_CBC_HEX).upper(), ecode=AES_256_CBC_HEX)
    assert reply.status_code == 200, reply.text
    (entry,) = netcore_ce_mock.requests()
    assert [w for w in entry.warnings if w.startswith("hex_upper_case")]


# --- headers, auth, body: their own errors ---------------------------------------------------
@pytest.mark.parametrize(("changes", "status", "code", "reason"), [
    ({"auth": None}, 401, "unauthorized", "auth_missing"),
    ({"auth": "Bearer nope"}, 401, "unauthorized", "auth_invalid_key"),
    ({"auth": "Basic c2VhbG1haWw="}, 401, "unauthorized", "auth_scheme"),
    ({"auth": "Bearer "}, 401, "unauthorized", "auth_missing"),
    ({"ecode": None}, 400, "missing_header", "x_ecode_missing"),
    ({"ecode": ""}, 400, "missing_header", "x_ecode_missing"),
    ({"asset": ""}, 400, "missing_header", "x_asset_missing"),
    ({"ecode": "11259"}, 400, "invalid_ecode", "ecode_unknown"),
    ({"ecode": "AES_256_CBC_BASE64"}, 400, "invalid_ecode", "ecode_unknown"),
    ({"ecode": "1125\u00b2"}, 400, "invalid_ecode", "ecode_unknown"),
    ({"asset": "not-registered"}, 400, "invalid_asset", "asset_unknown"),
    ({"content_type": "text/plain"}, 400, "invalid_content_type", "content_type_invalid"),
    ({"content_type": None}, 400, "invalid_content_type", "content_type_invalid"),
    ({"body": b"not json"}, 400, "invalid_request_body", "body_not_json"),
    ({"body": b"[]"}, 400, "invalid_request_body", "body_not_object"),
    ({"body": b"\xff\xfe"}, 400, "invalid_request_body", "body_not_utf8"),
    ({"body": b'{"encrypted_request": "x"}'}, 400, "invalid_request_body", "encrypted_request_missing"),
    ({"body": b'{"encryptedRequest": 5}'}, 400, "invalid_request_body", "encrypted_request_not_string"),
    ({"body": b'{"encryptedRequest": null}'}, 400, "invalid_request_body", "encrypted_request_not_string"),
    ({"body": b"[" * 100000}, 400, "invalid_request_body", "body_too_deep"),
])
def test_other_bad_requests_get_their_own_clear_error(netcore_ce_mock: MockHandle, changes: dict[str, Any], status: int, code: str, reason: str) -> None:
    reply = post(netcore_ce_mock, encrypted(netcore_ce_mock, [one(netcore_ce_mock)]), **changes)
    assert (reply.status_code, reply.json()["code"]) == (status, code), reply.text
    assert reply.json()["status"] == "error" and reply.json()["message"] == reply.json()["error"]
    assert netcore_ce_mock.requests()[0].reason == reason


@pytest.mark.parametrize("content_type", ["application/json; charset=utf-8", "Application/JSON"])
def test_json_media_type_with_parameters_or_other_case_is_accepted(netcore_ce_mock: MockHandle, content_type: str) -> None:
    # Beside the fast path for the exact "application/json" (handlers._is_json).
    reply = post(netcore_ce_mock, encrypted(netcore_ce_mock, [one(netcore_ce_mock)]), content_type=content_type)
    assert reply.status_code == 200, reply.text


def test_missing_header_message_names_the_header(netcore_ce_mock: MockHandle) -> None:
    reply = post(netcore_ce_mock, "x", ecode=None)
    assert reply.json()["message"] == "Missing required header x-eCode" and reply.json()["field"] == "x-eCode"


def test_wrong_api_key_is_checked_before_anything_else(netcore_ce_mock: MockHandle) -> None:
    reply = post(netcore_ce_mock, "x", ecode="nope", asset="nope", auth="Bearer nope", content_type="text/plain")
    assert reply.status_code == 401


def test_unknown_routes_and_methods_answer_in_the_provider_shape(netcore_ce_mock: MockHandle) -> None:
    missing = requests.post(netcore_ce_mock.url + "/v2/activity/upload", json={}, timeout=10)
    wrong_method = requests.get(netcore_ce_mock.url + spec.UPLOAD_PATH, timeout=10)
    assert (missing.status_code, missing.json()["code"]) == (404, "not_found")
    assert (wrong_method.status_code, wrong_method.json()["code"]) == (405, "method_not_allowed")


def test_body_over_the_limit_is_413(mock_server: Any) -> None:
    mock = mock_server("netcore-ce", max_body_bytes=1024)
    reply = post(mock, "A" * 4096)
    assert (reply.status_code, reply.json()["code"]) == (413, "payload_too_large")


def test_scripted_fault_is_answered_in_the_provider_shape(netcore_ce_mock: MockHandle) -> None:
    netcore_ce_mock.fault(503, path=spec.UPLOAD_PATH, retry_after=2)
    reply = post(netcore_ce_mock, encrypted(netcore_ce_mock, [one(netcore_ce_mock)]))
    assert (reply.status_code, reply.json()["code"], reply.headers["Retry-After"]) == (503, "service_unavailable", "2")
    assert post(netcore_ce_mock, encrypted(netcore_ce_mock, [one(netcore_ce_mock)])).status_code == 200


def test_extra_body_fields_are_accepted_with_a_warning(netcore_ce_mock: MockHandle) -> None:
    body = json.dumps({"encryptedRequest": encrypted(netcore_ce_mock, [one(netcore_ce_mock)]), "extra": 1}).encode()
    assert post(netcore_ce_mock, None, body=body).status_code == 200
    assert netcore_ce_mock.requests()[0].warnings == ["unknown_body_field:extra"]


# --- payload validation -------------------------------------------------------------------------
@pytest.mark.parametrize(("payload", "code", "reason", "field"), [
    (b'{"not": "an array"}', "invalid_payload", "payload_not_array", "activities"),
    ([], "invalid_payload", "payload_empty", "activities"),
    (["x"], "invalid_payload", "activity_not_object", "activities[0]"),
    ("drop:identity", "invalid_payload", "identity_missing", "activities[0].identity"),
    ("drop:activity_params", "invalid_payload", "activity_params_missing", "activities[0].activity_params"),
    ({"asset_id": "someone-else"}, "asset_mismatch", "asset_id_mismatch", "activities[0].asset_id"),
    ({"asset_id": 5}, "invalid_payload", "asset_id_invalid", "activities[0].asset_id"),
    ({"activity_name": " "}, "invalid_payload", "activity_name_invalid", "activities[0].activity_name"),
    ({"timestamp": "2025-08-26T17:35:43+05:30"}, "invalid_payload", "timestamp_format", "activities[0].timestamp"),
    ({"timestamp": "2025-08-26T12:05:43"}, "invalid_payload", "timestamp_format", "activities[0].timestamp"),
    ({"timestamp": "2025-08-26 12:05:43Z"}, "invalid_payload", "timestamp_format", "activities[0].timestamp"),
    ({"timestamp": 1756209943}, "invalid_payload", "timestamp_format", "activities[0].timestamp"),
    ({"timestamp": "2025-02-30T12:05:43Z"}, "invalid_payload", "timestamp_invalid_date", "activities[0].timestamp"),
    ({"identity": True}, "invalid_payload", "identity_invalid", "activities[0].identity"),
    ({"identity": ""}, "invalid_payload", "identity_invalid", "activities[0].identity"),
    ({"identity": None}, "invalid_payload", "identity_invalid", "activities[0].identity"),
    ({"activity_source": "CRM"}, "invalid_payload", "activity_source_invalid", "activities[0].activity_source"),
    ({"activity_source": "Web"}, "invalid_payload", "activity_source_invalid", "activities[0].activity_source"),
    ({"activity_params": []}, "invalid_payload", "activity_params_not_object", "activities[0].activity_params"),
])
def test_invalid_activities_are_rejected_with_the_field(netcore_ce_mock: MockHandle, payload: Any, code: str, reason: str, field: str) -> None:
    if isinstance(payload, dict):
        payload = [one(netcore_ce_mock) | payload]
    elif isinstance(payload, str):
        payload = [{k: v for k, v in one(netcore_ce_mock).items() if k != payload.split(":")[1]}]
    reply = post(netcore_ce_mock, encrypted(netcore_ce_mock, payload))
    assert (reply.status_code, reply.json()["code"], reply.json()["field"]) == (400, code, field), reply.text
    assert netcore_ce_mock.requests()[0].reason == reason
    assert not netcore_ce_mock.messages()


def test_second_activity_error_names_its_index(netcore_ce_mock: MockHandle) -> None:
    reply = post(netcore_ce_mock, encrypted(netcore_ce_mock, [one(netcore_ce_mock), one(netcore_ce_mock, activity_source="sms")]))
    assert reply.json()["field"] == "activities[1].activity_source"
    assert reply.json()["message"] == "activities[1].activity_source must be 'web' or 'app'"


def test_accepted_variants_and_their_warnings(netcore_ce_mock: MockHandle) -> None:
    batch = [
        one(netcore_ce_mock, timestamp="2025-08-26T12:05:43.123Z", identity=9999911111),
        one(netcore_ce_mock, activity_params={"items": []}, email="a@example.com", loyalty_tier="gold"),
    ]
    assert post(netcore_ce_mock, encrypted(netcore_ce_mock, batch)).status_code == 200
    warnings = netcore_ce_mock.requests()[0].warnings
    assert "unknown_field:activities[1].loyalty_tier" in warnings
    assert "empty_array:activities[1].activity_params.items" in warnings
    assert "unknown_field:activities[1].email" not in warnings


def test_future_timestamps_are_warned_against_the_mock_clock(netcore_ce_mock: MockHandle) -> None:
    netcore_ce_mock.clock(now_ms=1_756_209_943_000 - 3_600_000, frozen=True)  # an hour before the sample's time
    reply = post(netcore_ce_mock, encrypted(netcore_ce_mock, [one(netcore_ce_mock, timestamp="2025-08-26T12:05:43Z")]))
    assert reply.status_code == 200
    assert netcore_ce_mock.requests()[0].warnings == ["timestamp_in_future:activities[0].timestamp"]


def test_offsets_and_other_sources_when_configured(mock_server: Any) -> None:
    mock = mock_server("netcore-ce", timestamp_format="iso8601", activity_sources="web,app,CRM")
    batch = [one(mock, timestamp="2025-08-26T17:35:43+05:30", activity_source="CRM")]
    assert post(mock, encrypted(mock, batch)).status_code == 200


def test_too_many_activities(mock_server: Any) -> None:
    mock = mock_server("netcore-ce", max_activities=2)
    reply = post(mock, encrypted(mock, [one(mock)] * 3))
    assert (reply.status_code, mock.requests()[0].reason) == (400, "too_many_activities")


# --- assets and eCodes ----------------------------------------------------------------------------
def test_register_asset_for_cbc_then_gcm_keeps_both(netcore_ce_mock: MockHandle) -> None:
    url = netcore_ce_mock.url + spec.ASSETS_PATH
    key, iv = generate_key_and_iv()
    gcm_key = generate_gcm_key()
    first = requests.post(url, json={"asset": "web-asset-1", "key": key, "iv": iv, "ecodes": [11256, 11257]}, timeout=10)
    second = requests.post(url, json={"asset": "web-asset-1", "key": gcm_key, "ecodes": ["11258"]}, timeout=10)
    assert first.status_code == 200 and second.status_code == 200
    assert second.json() == {"asset": "web-asset-1", "ecodes": {
        "11256": {"method": "AES_256_CBC_BASE64", "key": key, "iv": iv},
        "11257": {"method": "AES_256_CBC_HEX", "key": key, "iv": iv},
        "11258": {"method": "AES_256_GCM_BASE64", "key": gcm_key},
    }}
    for ecode, k, v in ((11256, key, iv), (11257, key, iv), (11258, gcm_key, None)):
        text = encrypt_text(encode_activities([one(netcore_ce_mock, asset_id="web-asset-1")]), ecode, k, v)
        assert post(netcore_ce_mock, text, ecode=ecode, asset="web-asset-1").status_code == 200
    listed = requests.get(url, timeout=10).json()["assets"]
    assert [a["asset"] for a in listed] == [spec.DEFAULT_ASSET, "web-asset-1"]
    assert netcore_ce_mock.config["assets"] == listed


def test_ecodes_are_inferred_from_the_key_format(netcore_ce_mock: MockHandle) -> None:
    url = netcore_ce_mock.url + spec.ASSETS_PATH
    key, iv = generate_key_and_iv()
    assert sorted(requests.post(url, json={"asset": "a1", "key": key, "iv": iv}, timeout=10).json()["ecodes"]) == ["11256", "11257"]
    assert sorted(requests.post(url, json={"asset": "a2", "key": generate_gcm_key()}, timeout=10).json()["ecodes"]) == ["11258"]


def test_ecode_not_configured_for_asset_is_its_own_error(netcore_ce_mock: MockHandle) -> None:
    key, iv = generate_key_and_iv()
    requests.post(netcore_ce_mock.url + spec.ASSETS_PATH, json={"asset": "cbc-only", "key": key, "iv": iv, "ecodes": [11256]}, timeout=10)
    text = encrypt_text(encode_activities([one(netcore_ce_mock, asset_id="cbc-only")]), 11257, key, iv)
    reply = post(netcore_ce_mock, text, ecode=11257, asset="cbc-only")
    assert (reply.status_code, reply.json()["code"], reply.json()["field"]) == (400, "ecode_not_configured", "x-eCode")


@pytest.mark.parametrize(("body", "fragment"), [
    ({"asset": "a", "key": "x" * 32, "iv": "y" * 16, "ecodes": [11256, 11258]}, "separate call"),
    ({"asset": "a", "key": "0" * 64, "iv": "0" * 32}, "32 characters"),
    ({"asset": "a", "key": "sealmailNetcoreCEdefaultKey2025!", "iv": "y" * 16}, "[A-Za-z0-9]"),
    ({"asset": "a", "key": "x" * 32}, "needs its SECRET_IV"),
    ({"asset": "a", "key": "x" * 32, "iv": "y" * 15}, "CBC IV"),
    ({"asset": "a", "key": base64.b64encode(bytes(16)).decode(), "ecodes": [11258]}, "32 bytes"),
    ({"asset": "a", "key": base64.b64encode(bytes(32)).decode(), "iv": "y" * 16, "ecodes": [11258]}, "no shared IV"),
    ({"asset": "a", "key": "x" * 32, "iv": "y" * 16, "ecodes": [11259]}, "unknown eCode"),
    ({"asset": "a", "key": "x" * 32, "iv": "y" * 16, "ecodes": []}, "non-empty"),
    ({"asset": "a", "key": "x" * 32, "iv": "y" * 16, "ecodes": [True]}, "unknown eCode"),
    ({"asset": "", "key": "x" * 32, "iv": "y" * 16}, "asset must be"),
    ({"asset": "with space", "key": "x" * 32, "iv": "y" * 16}, "asset must be"),
    ({"asset": "a", "key": "x" * 32, "iv": "y" * 16, "secret": 1}, "unknown field"),
    (["not", "an", "object"], "JSON object"),
])
def test_registration_refuses_key_material_not_in_the_shared_format(netcore_ce_mock: MockHandle, body: Any, fragment: str) -> None:
    reply = requests.post(netcore_ce_mock.url + spec.ASSETS_PATH, json=body, timeout=10)
    assert reply.status_code == 400 and fragment in reply.json()["error"], reply.text
    assert [a["asset"] for a in netcore_ce_mock.config["assets"]] == [spec.DEFAULT_ASSET]


def test_lenient_alphabet_accepts_punctuation(mock_server: Any) -> None:
    mock = mock_server("netcore-ce", strict_key_alphabet=False)
    reply = requests.post(mock.url + spec.ASSETS_PATH, json={"asset": "a", "key": "sealmailNetcoreCEdefaultKey2025!", "iv": "y" * 16}, timeout=10)
    assert reply.status_code == 200


def test_delete_asset_and_reset_restore_the_default(netcore_ce_mock: MockHandle) -> None:
    url = netcore_ce_mock.url + spec.ASSETS_PATH
    assert requests.delete(f"{url}/{spec.DEFAULT_ASSET}", timeout=10).json() == {"deleted": spec.DEFAULT_ASSET}
    assert requests.delete(f"{url}/{spec.DEFAULT_ASSET}", timeout=10).status_code == 404
    assert post(netcore_ce_mock, encrypted(netcore_ce_mock, [one(netcore_ce_mock)])).json()["code"] == "invalid_asset"
    requests.post(netcore_ce_mock.url + "/__mock__/reset", timeout=10)
    assert post(netcore_ce_mock, encrypted(netcore_ce_mock, [one(netcore_ce_mock)])).status_code == 200


def test_config_lists_default_credentials(netcore_ce_mock: MockHandle) -> None:
    config = requests.get(netcore_ce_mock.url + "/__mock__/config", timeout=10).json()
    assert config["provider"] == "netcore-ce"
    assert (config["api_key"], config["asset"], config["key"], config["iv"], config["gcm_key"]) == (
        spec.DEFAULT_API_KEY, spec.DEFAULT_ASSET, spec.DEFAULT_CBC_KEY, spec.DEFAULT_CBC_IV, spec.DEFAULT_GCM_KEY)
    assert config["upload_url"] == netcore_ce_mock.url + spec.UPLOAD_PATH
    assert base64.b64decode(config["gcm_key"]) == b"sealmail-netcore-ce-gcm-key-0001"


def test_custom_default_credentials(mock_server: Any) -> None:
    key, iv = generate_key_and_iv()
    mock = mock_server("netcore-ce", api_key="k", default_asset="my-asset", default_key=key, default_iv=iv)
    assert post(mock, encrypt_text(encode_activities([one(mock)]), 11256, key, iv)).status_code == 200
    assert mock.payloads()[0]["asset_id"] == "my-asset"


@pytest.mark.parametrize("settings", [
    {"default_key": "short"}, {"hex_case": "UPPER"}, {"timestamp_format": "local"}, {"gcm_nonce_reuse": "ignore"},
    {"activity_sources": " , "}, {"max_activities": 0}, {"success_status": 204}, {"default_gcm_key": "x" * 32},
])
def test_bad_settings_fail_fast(settings: dict[str, Any]) -> None:
    from sealmail.mockservers.providers.netcore_ce import PROVIDER

    with pytest.raises(ValueError):
        PROVIDER.make_config(settings)


# --- GCM nonces ------------------------------------------------------------------------------------
def test_gcm_nonce_reused_with_other_plaintext_is_rejected(netcore_ce_mock: MockHandle) -> None:
    key = base64.b64decode(netcore_ce_mock.config["gcm_key"])
    nonce = bytes(range(12))
    first = base64.b64encode(nonce + aes_gcm.encrypt(key, nonce, encode_activities([one(netcore_ce_mock)]))).decode()
    second = base64.b64encode(nonce + aes_gcm.encrypt(key, nonce, encode_activities([one(netcore_ce_mock, identity="other")])))
    assert post(netcore_ce_mock, first, ecode=11258).status_code == 200
    reply = post(netcore_ce_mock, second.decode(), ecode=11258)
    assert (reply.status_code, reply.json()["code"]) == (400, "nonce_reused")
    assert netcore_ce_mock.requests()[1].reason == "gcm_nonce_reused"
    assert len(netcore_ce_mock.messages()) == 1


def test_an_identical_gcm_replay_is_accepted_with_a_warning(netcore_ce_mock: MockHandle) -> None:
    """Same nonce, same ciphertext (a retried request): nothing leaks, so only the journal notes it."""
    text = encrypted(netcore_ce_mock, [one(netcore_ce_mock)], 11258)
    assert post(netcore_ce_mock, text, ecode=11258).status_code == 200
    assert post(netcore_ce_mock, text, ecode=11258).status_code == 200
    assert netcore_ce_mock.requests()[1].warnings == ["gcm_replay"]


def test_nonce_reuse_only_warned_when_configured(mock_server: Any) -> None:
    mock = mock_server("netcore-ce", gcm_nonce_reuse="warn")
    key = base64.b64decode(mock.config["gcm_key"])
    nonce = bytes(12)
    for identity in ("a", "b"):
        text = base64.b64encode(nonce + aes_gcm.encrypt(key, nonce, encode_activities([one(mock, identity=identity)]))).decode()
        assert post(mock, text, ecode=11258).status_code == 200
    assert mock.requests()[1].warnings == ["gcm_nonce_reused"]


def test_nonce_memory_is_bounded(mock_server: Any) -> None:
    mock = mock_server("netcore-ce", nonce_memory=2)
    key = base64.b64decode(mock.config["gcm_key"])
    texts = []
    for index in range(3):
        nonce = bytes([index]) * 12
        texts.append(base64.b64encode(nonce + aes_gcm.encrypt(key, nonce, encode_activities([one(mock)]))).decode())
        post(mock, texts[-1], ecode=11258)
    nonce = bytes([0]) * 12  # forgotten: the oldest of three with room for two
    other = base64.b64encode(nonce + aes_gcm.encrypt(key, nonce, encode_activities([one(mock, identity="x")]))).decode()
    assert post(mock, other, ecode=11258).status_code == 200


def _gcm_off_blocks(mock: MockHandle) -> str:
    """An 11258 body whose length is not a whole number of AES blocks (as almost all are)."""
    return next(t for t in (encrypted(mock, [one(mock, identity="a" * n)], 11258) for n in range(1, 17)) if len(base64.b64decode(t)) % 16)


@pytest.mark.parametrize(("ecode", "make_text", "hint"), [
    (11257, lambda m: encrypted(m, [one(m)], 11256), "looks like base64"),
    (11256, lambda m: encrypted(m, [one(m)], 11257), "looks like hex"),
    (11258, lambda m: encrypted(m, [one(m)], 11256), "CBC ciphertext"),
    (11256, lambda m: _gcm_off_blocks(m), "GCM nonce"),
    (11256, lambda m: base64.urlsafe_b64encode(base64.b64decode(encrypted(m, [one(m, identity="??>>")]))).decode(), "URL-safe"),
])
def test_the_journal_guesses_a_wrong_ecode_or_encoding(netcore_ce_mock: MockHandle, ecode: int, make_text: Any, hint: str) -> None:
    reply = post(netcore_ce_mock, make_text(netcore_ce_mock), ecode=ecode)
    assert reply.json() == UNIFORM  # the guess never reaches the caller
    entry = netcore_ce_mock.requests()[0]
    assert hint in entry.details["hint"] and hint in (entry.detail or "")
