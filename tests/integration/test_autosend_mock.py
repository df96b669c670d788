"""The autosend mock over HTTP: JWKS, plaintext and JWE requests, the three JWE errors, rotation, strictness."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests
from jwcrypto.common import base64url_decode, base64url_encode
from jwcrypto.jwk import JWK

from sealmail.mockservers.core import MockHandle
from sealmail.mockservers.crypto import jwe
from sealmail.mockservers.providers.autosend import spec
from sealmail.mockservers.providers.autosend.app import PROVIDER, parse_duration

CONTACT = {"email": "Jane.Doe@Example.com", "firstName": "Jane", "lastName": "Doe", "userId": "u_1",
           "listIds": ["l1"], "customFields": {"plan": "pro", "seats": 3, "trial": False}}
MAIL = {"to": {"email": "to@example.com", "name": "Zoë"}, "from": {"email": "from@example.com", "name": "Shop"},
        "subject": "Grüße ✓", "html": "<p>hi {{name}}</p>", "dynamicData": {"name": "Zoë"}}
BULK = {"recipients": [{"email": "a@example.com", "dynamicData": {"n": 1}}, {"email": "b@example.com"}],
        "from": {"email": "from@example.com"}, "subject": "s", "text": "t"}


def spare_key(index: int) -> JWK:
    """A committed test key the mock's ring does not hold in these tests (rotations stay below it)."""
    from cryptography.hazmat.primitives import serialization

    from sealmail.mockservers.providers.autosend.fixed_keys import FIXED_KEY_PEMS

    return JWK.from_pyca(serialization.load_pem_private_key(FIXED_KEY_PEMS[index].encode(), None, unsafe_skip_rsa_key_validation=True))


def auth(mock: MockHandle) -> dict[str, str]:
    return {"Authorization": f"Bearer {mock.config['api_key']}", "Content-Type": "application/json"}


def public_keys(mock: MockHandle) -> list[dict[str, str]]:
    return requests.get(mock.url + spec.JWKS_PATH, timeout=5).json()["keys"]


def token_for(mock: MockHandle, payload: Any, *, kid: str | None = None, header_kid: bool = True, **options: Any) -> tuple[str, str]:
    """A JWE of ``payload`` for the mock's key ``kid`` (default: the active one); returns (token, kid)."""
    keys = {k["kid"]: k for k in public_keys(mock)}
    kid = kid or next(iter(keys))
    public = jwe.import_encryption_key(keys[kid])
    token = jwe.encrypt_compact(json.dumps(payload).encode(), public, kid=kid if header_kid else None, **options)
    return token, kid


def post(mock: MockHandle, path: str, body: Any, headers: dict[str, str] | None = None, *, raw: bytes | None = None) -> requests.Response:
    data = raw if raw is not None else json.dumps(body).encode()
    return requests.post(mock.url + path, data=data, headers={**auth(mock), **(headers or {})}, timeout=5)


def post_encrypted(mock: MockHandle, path: str, token: str, kid: str | None, **extra_headers: str) -> requests.Response:
    headers = {"X-Payload-Encryption": "jwe", **extra_headers}
    if kid is not None:
        headers["X-Key-Id"] = kid
    return post(mock, path, {"encryptedData": token}, headers)


def error_of(response: requests.Response) -> dict[str, Any]:
    body = response.json()
    assert body["success"] is False
    return body["error"]


def last_reason(mock: MockHandle) -> str | None:
    return mock.requests()[-1].reason


# --- JWKS ----------------------------------------------------------------------------------------

def test_jwks_lists_public_keys_only_with_cache_headers(autosend_mock: MockHandle) -> None:
    response = requests.get(autosend_mock.url + spec.JWKS_PATH, timeout=5)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=86400"
    keys = response.json()["keys"]
    assert [list(k) for k in keys] == [["kty", "n", "e", "kid", "alg", "use"]]
    key = keys[0]
    assert (key["kty"], key["e"], key["kid"], key["alg"], key["use"]) == ("RSA", "AQAB", "key_2026_06", "RSA-OAEP-256", "enc")
    assert len(base64url_decode(key["n"])) == 256
    assert not {"d", "p", "q", "dp", "dq", "qi"} & set(key)
    again = requests.get(autosend_mock.url + spec.JWKS_PATH, headers={"If-None-Match": response.headers["ETag"]}, timeout=5)
    assert again.status_code == 304 and again.headers["ETag"] == response.headers["ETag"]


def test_the_default_key_set_is_fixed(autosend_mock: MockHandle, mock_server: Any) -> None:
    other = mock_server("autosend", jwks_max_age_s=60)
    assert public_keys(autosend_mock) == public_keys(other)
    assert requests.get(other.url + spec.JWKS_PATH, timeout=5).headers["Cache-Control"] == "public, max-age=60"


def test_jwks_may_require_auth(mock_server: Any) -> None:
    mock = mock_server("autosend", jwks_requires_auth=True)
    denied = requests.get(mock.url + spec.JWKS_PATH, timeout=5)
    assert denied.status_code == 401 and error_of(denied)["code"] == "UNAUTHORIZED"
    assert requests.get(mock.url + spec.JWKS_PATH, headers=auth(mock), timeout=5).status_code == 200


def test_config_gives_api_key_and_jwks_url(autosend_mock: MockHandle) -> None:
    config = requests.get(autosend_mock.url + "/__mock__/config", timeout=5).json()
    assert config["api_key"] == spec.DEFAULT_API_KEY
    assert config["jwks_url"] == autosend_mock.url + spec.JWKS_PATH
    assert config["active_kid"] == "key_2026_06" and config["kids"] == ["key_2026_06"]


# --- plaintext -----------------------------------------------------------------------------------

def test_upsert_contact_plain_creates_then_updates(autosend_mock: MockHandle) -> None:
    first = post(autosend_mock, spec.UPSERT_CONTACT_PATH, CONTACT)
    assert first.status_code == 200
    created = first.json()["data"]
    assert created["email"] == "jane.doe@example.com"
    assert len(created["id"]) == 24 and created["projectId"] == spec.DEFAULT_PROJECT_ID
    assert created["createdAt"] == created["updatedAt"] and created["createdAt"].endswith("Z")
    autosend_mock.clock(offset_ms=60_000)
    second = post(autosend_mock, spec.UPSERT_CONTACT_PATH, {"email": "jane.doe@example.com", "customFields": {"seats": 4}})
    updated = second.json()["data"]
    assert updated["id"] == created["id"] and updated["createdAt"] == created["createdAt"]
    assert updated["updatedAt"] > created["updatedAt"]
    assert updated["customFields"] == {"plan": "pro", "seats": 4, "trial": False}
    assert updated["firstName"] == "Jane"


def test_create_contact_refuses_an_existing_email_unless_configured(autosend_mock: MockHandle, mock_server: Any) -> None:
    assert post(autosend_mock, spec.CREATE_CONTACT_PATH, CONTACT).status_code == 200
    again = post(autosend_mock, spec.CREATE_CONTACT_PATH, CONTACT)
    assert again.status_code == 400 and error_of(again)["code"] == "CONTACT_ALREADY_EXISTS"
    lenient = mock_server("autosend", create_existing_contact="upsert")
    post(lenient, spec.CREATE_CONTACT_PATH, CONTACT)
    assert post(lenient, spec.CREATE_CONTACT_PATH, CONTACT).status_code == 200


def test_send_and_bulk_plain(autosend_mock: MockHandle) -> None:
    sent = post(autosend_mock, spec.SEND_PATH, MAIL)
    assert sent.status_code == 200
    data = sent.json()["data"]
    assert len(data["emailId"]) == 24 and data["totalRecipients"] == 1
    bulk = post(autosend_mock, spec.BULK_PATH, BULK).json()["data"]
    assert bulk["totalRecipients"] == bulk["successCount"] == 2 and bulk["failedCount"] == 0 and len(bulk["batchId"]) == 36
    assert [m.kind for m in autosend_mock.messages()] == ["mail", "mail.bulk"]
    assert autosend_mock.payloads() == [MAIL, BULK]
    assert autosend_mock.messages()[1].meta["recipients"] == ["a@example.com", "b@example.com"]


# --- encrypted -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("path", "payload", "kind"), [
    (spec.UPSERT_CONTACT_PATH, CONTACT, "contact.upsert"),
    (spec.CREATE_CONTACT_PATH, CONTACT, "contact.create"),
    (spec.SEND_PATH, MAIL, "mail"),
    (spec.BULK_PATH, BULK, "mail.bulk"),
])
def test_every_endpoint_accepts_the_jwe_envelope(autosend_mock: MockHandle, path: str, payload: dict, kind: str) -> None:
    token, kid = token_for(autosend_mock, payload)
    response = post_encrypted(autosend_mock, path, token, kid)
    assert response.status_code == 200, response.text
    message = autosend_mock.messages()[-1]
    assert message.kind == kind and message.meta["encrypted"] is True and message.meta["kid"] == kid
    assert message.payload == payload
    entry = autosend_mock.requests()[-1]
    assert entry.details["kid_source"] == "X-Key-Id" and entry.details["plaintext"] == payload


def test_kid_is_read_from_the_protected_header_without_x_key_id(autosend_mock: MockHandle) -> None:
    token, _ = token_for(autosend_mock, MAIL)
    response = post_encrypted(autosend_mock, spec.SEND_PATH, token, None)
    assert response.status_code == 200
    assert autosend_mock.requests()[-1].details["kid_source"] == "header"


def test_encrypted_data_without_the_header_is_decrypted(autosend_mock: MockHandle) -> None:
    token, kid = token_for(autosend_mock, MAIL)
    assert post(autosend_mock, spec.SEND_PATH, {"encryptedData": token}, {"X-Key-Id": kid}).status_code == 200
    assert autosend_mock.payloads() == [MAIL]


def test_encryption_none_with_encrypted_data(autosend_mock: MockHandle, mock_server: Any) -> None:
    token, kid = token_for(autosend_mock, MAIL)
    headers = {"X-Payload-Encryption": "none", "X-Key-Id": kid}
    assert post(autosend_mock, spec.SEND_PATH, {"encryptedData": token}, headers).status_code == 200
    assert "encrypted_data_with_encryption_none" in autosend_mock.requests()[-1].warnings
    strict = mock_server("autosend", none_with_encrypted_data="reject")
    token, kid = token_for(strict, MAIL)
    refused = post(strict, spec.SEND_PATH, {"encryptedData": token}, {"X-Payload-Encryption": "none", "X-Key-Id": kid})
    assert refused.status_code == 400 and error_of(refused)["code"] == "INVALID_ENCRYPTION_HEADER"


def test_plain_body_with_none_header_is_plaintext(autosend_mock: MockHandle) -> None:
    assert post(autosend_mock, spec.SEND_PATH, MAIL, {"X-Payload-Encryption": "none"}).status_code == 200
    assert autosend_mock.messages()[-1].meta["encrypted"] is False


def test_requests_from_a_second_jwe_implementation_are_accepted(autosend_mock: MockHandle) -> None:
    """Interop: joserfc (not jwcrypto, which the mock uses) produces the JWE."""
    from joserfc import jwe as joserfc_jwe
    from joserfc.jwk import RSAKey

    entry = public_keys(autosend_mock)[0]
    key = RSAKey.import_key(entry)
    for path, payload in ((spec.UPSERT_CONTACT_PATH, CONTACT), (spec.SEND_PATH, MAIL), (spec.BULK_PATH, BULK)):
        token = joserfc_jwe.encrypt_compact({"alg": "RSA-OAEP-256", "enc": "A256GCM", "kid": entry["kid"]},
                                            json.dumps(payload).encode(), key, algorithms=["RSA-OAEP-256", "A256GCM"])
        response = post_encrypted(autosend_mock, path, token, entry["kid"])
        assert response.status_code == 200, response.text
        assert autosend_mock.messages()[-1].payload == payload


# --- the three JWE errors ------------------------------------------------------------------------

def _malformed_cases(token: str) -> dict[str, tuple[Any, dict[str, str]]]:
    parts = token.split(".")
    return {
        "segment_count": ({"encryptedData": ".".join(parts[:4])}, {}),
        "segment_count_6": ({"encryptedData": token + ".AAAA"}, {}),
        "json_serialization": ({"encryptedData": json.dumps({"protected": parts[0], "iv": parts[2], "ciphertext": parts[3], "tag": parts[4]})}, {}),
        "segment_not_base64url": ({"encryptedData": token.replace(".", "+.", 1)}, {}),
        "header_not_json": ({"encryptedData": ".".join([base64url_encode(b"not json"), *parts[1:]])}, {}),
        "encrypted_data_not_string": ({"encryptedData": 5}, {}),
        "encrypted_data_missing": ({"other": token}, {"X-Payload-Encryption": "jwe"}),
        "envelope_extra_fields": ({"encryptedData": token, "subject": "leaked in clear"}, {}),
    }


def test_malformed_jwe_is_one_error_with_precise_journal_reasons(autosend_mock: MockHandle) -> None:
    token, kid = token_for(autosend_mock, MAIL)
    bodies = set()
    for reason, (body, headers) in _malformed_cases(token).items():
        response = post(autosend_mock, spec.SEND_PATH, body, {"X-Key-Id": kid, **headers})
        assert response.status_code == 400, reason
        assert error_of(response)["code"] == "INVALID_JWE", reason
        assert last_reason(autosend_mock) == reason.removesuffix("_6")
        bodies.add(response.text)
    assert len(bodies) == 1
    not_json = post(autosend_mock, spec.SEND_PATH, None, {"X-Payload-Encryption": "jwe"}, raw=b"eyJ.a.b.c.d")
    assert error_of(not_json)["code"] == "INVALID_JWE" and last_reason(autosend_mock) == "envelope_not_json"
    assert autosend_mock.messages() == []


def test_unknown_or_missing_kid(autosend_mock: MockHandle) -> None:
    token, kid = token_for(autosend_mock, MAIL)
    no_kid, _ = token_for(autosend_mock, MAIL, header_kid=False)
    cases = [
        ("kid_missing", no_kid, None),
        ("kid_unknown", token.replace(token.split(".")[0], base64url_encode(b'{"alg":"RSA-OAEP-256","enc":"A256GCM","kid":"nope"}')), None),
        ("kid_unknown", no_kid, "key_1999_01"),
        ("kid_mismatch", token, "key_2026_07"),
        ("key_id_header_empty", token, ""),
    ]
    for reason, sent, header in cases:
        headers = {"X-Payload-Encryption": "jwe"}
        if header is not None:
            headers["X-Key-Id"] = header
        response = post(autosend_mock, spec.SEND_PATH, {"encryptedData": sent}, headers)
        assert response.status_code == 400 and error_of(response)["code"] == "UNKNOWN_KEY_ID", reason
        assert last_reason(autosend_mock) == reason


def _decryption_failures(mock: MockHandle) -> dict[str, str]:
    token, kid = token_for(mock, MAIL)

    def flip(index: int) -> str:
        parts = token.split(".")
        raw = bytearray(base64url_decode(parts[index]))
        raw[len(raw) // 2] ^= 0x80
        parts[index] = base64url_encode(bytes(raw))
        return ".".join(parts)

    other_key = jwe.import_encryption_key({**spare_key(11).export_public(as_dict=True), "kid": kid})
    wrong_key = jwe.encrypt_compact(json.dumps(MAIL).encode(), other_key, kid=kid)
    return {
        "rsa_oaep_unwrap_failed": flip(1),
        "gcm_tag_mismatch": flip(4),
        "gcm_tag_mismatch ": flip(3),
        "gcm_tag_mismatch  ": flip(2),
        "rsa_oaep_unwrap_failed ": wrong_key,
        "alg_not_allowed": token_for(mock, MAIL, alg="RSA-OAEP")[0],
        "enc_not_allowed": token_for(mock, MAIL, enc="A128GCM")[0],
        "zip_not_allowed": token_for(mock, MAIL, extra_header={"zip": "DEF"})[0],
        "crit_unsupported": token_for(mock, MAIL, extra_header={"crit": ["b64"], "b64": False})[0],
        "embedded_key_header": token_for(mock, MAIL, extra_header={"jku": "https://evil.example/jwks"})[0],
    }


def test_decryption_failures_are_indistinguishable_to_the_caller(autosend_mock: MockHandle) -> None:
    """No oracle: every cause gives byte-identical answers; only the journal knows which step failed."""
    answers = set()
    for reason, token in _decryption_failures(autosend_mock).items():
        response = post_encrypted(autosend_mock, spec.SEND_PATH, token, "key_2026_06")
        assert response.status_code == 400, reason
        answers.add((response.status_code, response.text, response.headers["Content-Type"]))
        assert last_reason(autosend_mock) == reason.strip()
    assert len(answers) == 1
    assert json.loads(answers.pop()[1]) == {"success": False, "error": {"message": spec.DECRYPTION_FAILED.message, "code": "DECRYPTION_FAILED"}}
    assert autosend_mock.messages() == []


def test_header_policy_error_can_be_invalid_jwe(mock_server: Any) -> None:
    mock = mock_server("autosend", header_policy_error="invalid_jwe")
    token, kid = token_for(mock, MAIL, enc="A128GCM")
    response = post_encrypted(mock, spec.SEND_PATH, token, kid)
    assert error_of(response)["code"] == "INVALID_JWE" and last_reason(mock) == "enc_not_allowed"


def test_key_headers_may_be_tolerated_but_never_pick_the_key(mock_server: Any) -> None:
    mock = mock_server("autosend", reject_key_headers=False)
    attacker = spare_key(10)
    token = jwe.encrypt_compact(json.dumps(MAIL).encode(), attacker, kid="key_2026_06",
                                extra_header={"jwk": json.loads(attacker.export_public())})
    response = post_encrypted(mock, spec.SEND_PATH, token, "key_2026_06")
    assert error_of(response)["code"] == "DECRYPTION_FAILED" and last_reason(mock) == "rsa_oaep_unwrap_failed"
    honest, kid = token_for(mock, MAIL, extra_header={"x5u": "https://example.com/cert.pem"})
    assert post_encrypted(mock, spec.SEND_PATH, honest, kid).status_code == 200


def test_plaintext_size_is_capped(mock_server: Any) -> None:
    mock = mock_server("autosend", max_plaintext_bytes=256)
    token, kid = token_for(mock, {**MAIL, "html": "x" * 300})
    response = post_encrypted(mock, spec.SEND_PATH, token, kid)
    assert response.status_code == 413 and error_of(response)["code"] == "PAYLOAD_TOO_LARGE"
    assert last_reason(mock) == "plaintext_too_large"


def test_decrypted_plaintext_must_be_json(autosend_mock: MockHandle) -> None:
    entry = public_keys(autosend_mock)[0]
    token = jwe.encrypt_compact(b"not json", jwe.import_encryption_key(entry), kid=entry["kid"])
    response = post_encrypted(autosend_mock, spec.SEND_PATH, token, entry["kid"])
    assert error_of(response)["code"] == "INVALID_JSON" and last_reason(autosend_mock) == "decrypted_not_json"


# --- other request rules -------------------------------------------------------------------------

@pytest.mark.parametrize(("authorization", "reason"), [
    (None, "auth_missing"), ("Bearer wrong", "auth_invalid_key"), ("Basic abc", "auth_scheme"), ("Bearer ", "auth_missing"),
])
def test_bearer_api_key_is_required_before_anything_is_decrypted(autosend_mock: MockHandle, authorization: str | None, reason: str) -> None:
    token, kid = token_for(autosend_mock, MAIL)
    headers = {"Content-Type": "application/json", "X-Payload-Encryption": "jwe", "X-Key-Id": kid}
    if authorization is not None:
        headers["Authorization"] = authorization
    response = requests.post(autosend_mock.url + spec.SEND_PATH, json={"encryptedData": token}, headers=headers, timeout=5)
    assert response.status_code == 401
    assert response.json() == {"success": False, "error": {"message": "Unauthorized", "code": "UNAUTHORIZED"}}
    assert last_reason(autosend_mock) == reason


def test_content_type_encryption_header_and_json_rules(autosend_mock: MockHandle, mock_server: Any) -> None:
    wrong_type = post(autosend_mock, spec.SEND_PATH, MAIL, {"Content-Type": "text/plain"})
    assert error_of(wrong_type)["code"] == "INVALID_CONTENT_TYPE"
    bogus = post(autosend_mock, spec.SEND_PATH, MAIL, {"X-Payload-Encryption": "JWE-please"})
    assert error_of(bogus)["code"] == "INVALID_ENCRYPTION_HEADER"
    not_json = post(autosend_mock, spec.SEND_PATH, None, raw=b"{nope")
    assert error_of(not_json)["code"] == "INVALID_JSON" and last_reason(autosend_mock) == "body_not_json"
    array = post(autosend_mock, spec.SEND_PATH, [MAIL])
    assert error_of(array)["code"] == "INVALID_JSON" and last_reason(autosend_mock) == "payload_not_object"
    assert post(autosend_mock, spec.SEND_PATH, MAIL, {"X-Key-Id": "k"}).status_code == 200
    assert "key_id_without_encryption" in autosend_mock.requests()[-1].warnings
    strict = mock_server("autosend", require_encryption=True)
    assert error_of(post(strict, spec.SEND_PATH, MAIL))["code"] == "ENCRYPTION_REQUIRED"


@pytest.mark.parametrize(("path", "payload", "field"), [
    (spec.UPSERT_CONTACT_PATH, {"firstName": "x"}, "email"),
    (spec.UPSERT_CONTACT_PATH, {"email": "not-an-email"}, "email"),
    (spec.UPSERT_CONTACT_PATH, {"email": "a@example.com", "listIds": "l1"}, "listIds"),
    (spec.UPSERT_CONTACT_PATH, {"email": "a@example.com", "customFields": {"nested": {"x": 1}}}, "customFields.nested"),
    (spec.SEND_PATH, {**MAIL, "to": None}, "to"),
    (spec.SEND_PATH, {**MAIL, "from": {"email": "bad"}}, "from.email"),
    (spec.SEND_PATH, {k: v for k, v in MAIL.items() if k != "subject"}, "subject"),
    (spec.SEND_PATH, {**MAIL, "subject": "x" * 999}, "subject"),
    (spec.SEND_PATH, {k: v for k, v in MAIL.items() if k != "html"}, "html"),
    (spec.SEND_PATH, {**MAIL, "cc": [{"email": "nope"}]}, "cc[0].email"),
    (spec.SEND_PATH, {**MAIL, "scheduledAt": "tomorrow"}, "scheduledAt"),
    (spec.BULK_PATH, {**BULK, "recipients": []}, "recipients"),
    (spec.BULK_PATH, {**BULK, "recipients": [{"email": f"r{i}@example.com"} for i in range(101)]}, "recipients"),
    (spec.BULK_PATH, {**BULK, "to": {"email": "x@example.com"}}, "to"),
])
def test_validation_failures_name_the_field(autosend_mock: MockHandle, path: str, payload: dict, field: str) -> None:
    response = post(autosend_mock, path, payload)
    error = error_of(response)
    assert response.status_code == 400 and error["code"] == "VALIDATION_FAILED" and error["message"] == "Validation failed"
    assert error["details"][0]["field"] == field


def test_template_mails_need_neither_subject_nor_content(autosend_mock: MockHandle) -> None:
    mail = {"to": {"email": "to@example.com"}, "from": {"email": "from@example.com"}, "templateId": "A-abc123"}
    assert post(autosend_mock, spec.SEND_PATH, mail).status_code == 200


def test_unknown_fields_warn_or_fail(autosend_mock: MockHandle, mock_server: Any) -> None:
    assert post(autosend_mock, spec.SEND_PATH, {**MAIL, "trackOpens": True}).status_code == 200
    assert autosend_mock.requests()[-1].warnings == ["unknown_field:trackOpens"]
    strict = mock_server("autosend", reject_unknown_fields=True)
    assert error_of(post(strict, spec.SEND_PATH, {**MAIL, "trackOpens": True}))["details"][0]["field"] == "trackOpens"


def test_router_errors_and_faults_use_the_autosend_shape(autosend_mock: MockHandle) -> None:
    missing = requests.post(autosend_mock.url + "/v1/nothing", headers=auth(autosend_mock), timeout=5)
    assert missing.status_code == 404 and error_of(missing)["code"] == "NOT_FOUND"
    wrong_method = requests.get(autosend_mock.url + spec.SEND_PATH, timeout=5)
    assert wrong_method.status_code == 405 and error_of(wrong_method)["code"] == "METHOD_NOT_ALLOWED"
    autosend_mock.fault(429, path=spec.SEND_PATH, retry_after=2)
    limited = post(autosend_mock, spec.SEND_PATH, MAIL)
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "2"
    assert error_of(limited)["code"] == "RATE_LIMIT_EXCEEDED"


def test_scripted_provider_errors(autosend_mock: MockHandle) -> None:
    control = requests.post(autosend_mock.url + "/__mock__/errors", json={"code": "UNKNOWN_KEY_ID", "times": 2}, timeout=5)
    assert control.json() == {"pending": ["UNKNOWN_KEY_ID", "UNKNOWN_KEY_ID"]}
    codes = [error_of(post(autosend_mock, spec.SEND_PATH, MAIL))["code"] for _ in range(2)]
    assert codes == ["UNKNOWN_KEY_ID", "UNKNOWN_KEY_ID"]
    assert post(autosend_mock, spec.SEND_PATH, MAIL).status_code == 200
    bad = requests.post(autosend_mock.url + "/__mock__/errors", json={"code": "NOPE"}, timeout=5)
    assert bad.status_code == 400


# --- rotation ------------------------------------------------------------------------------------

def test_rotate_keeps_old_keys_usable_and_retire_makes_them_unknown(autosend_mock: MockHandle) -> None:
    old_token, old_kid = token_for(autosend_mock, MAIL)
    rotated = requests.post(autosend_mock.url + "/__mock__/keys/rotate", timeout=5).json()
    assert rotated["rotated"] == "key_2026_07" and rotated["active"] == "key_2026_07"
    assert [k["kid"] for k in public_keys(autosend_mock)] == ["key_2026_07", "key_2026_06"]
    assert post_encrypted(autosend_mock, spec.SEND_PATH, old_token, old_kid).status_code == 200
    new_token, new_kid = token_for(autosend_mock, MAIL)
    assert new_kid == "key_2026_07"
    retired = requests.post(autosend_mock.url + "/__mock__/keys/retire", json={"kid": old_kid}, timeout=5)
    assert retired.status_code == 200 and [k["kid"] for k in retired.json()["keys"]] == ["key_2026_07"]
    refused = post_encrypted(autosend_mock, spec.SEND_PATH, old_token, old_kid)
    assert error_of(refused)["code"] == "UNKNOWN_KEY_ID" and last_reason(autosend_mock) == "kid_retired"
    assert post_encrypted(autosend_mock, spec.SEND_PATH, new_token, new_kid).status_code == 200
    last = requests.post(autosend_mock.url + "/__mock__/keys/retire", json={"kid": new_kid}, timeout=5)
    assert last.status_code == 409
    unknown = requests.post(autosend_mock.url + "/__mock__/keys/retire", json={"kid": "nope"}, timeout=5)
    assert unknown.status_code == 404
    autosend_mock.reset()
    assert [k["kid"] for k in public_keys(autosend_mock)] == ["key_2026_06"]


def test_rotation_changes_the_etag(autosend_mock: MockHandle) -> None:
    first = requests.get(autosend_mock.url + spec.JWKS_PATH, timeout=5).headers["ETag"]
    autosend_mock.model.rotate()
    response = requests.get(autosend_mock.url + spec.JWKS_PATH, headers={"If-None-Match": first}, timeout=5)
    assert response.status_code == 200 and response.headers["ETag"] != first


def test_initial_keys_setting(mock_server: Any) -> None:
    mock = mock_server("autosend", initial_keys=3)
    assert [k["kid"] for k in public_keys(mock)] == ["key_2026_08", "key_2026_07", "key_2026_06"]


def test_automatic_rotation_follows_the_mock_clock(mock_server: Any) -> None:
    mock = mock_server("autosend", rotate_every_s=3600, auto_rotate_keep=2)
    token, kid = token_for(mock, MAIL)
    mock.clock(offset_ms=3_600_000 + 1000)
    assert [k["kid"] for k in public_keys(mock)] == ["key_2026_07", "key_2026_06"]
    assert post_encrypted(mock, spec.SEND_PATH, token, kid).status_code == 200
    mock.clock(offset_ms=2 * 3_600_000 + 1000)
    assert [k["kid"] for k in public_keys(mock)] == ["key_2026_08", "key_2026_07"]
    assert error_of(post_encrypted(mock, spec.SEND_PATH, token, kid))["code"] == "UNKNOWN_KEY_ID"
    mock.clock(offset_ms=50 * 3_600_000 + 1000)  # a long jump rotates at most auto_rotate_keep times
    assert [k["kid"] for k in public_keys(mock)] == ["key_2026_10", "key_2026_09"]


def test_import_key_control_route(autosend_mock: MockHandle) -> None:
    private = spare_key(11)
    jwk = {**private.export_private(as_dict=True), "kid": "pinned-1"}
    response = requests.post(autosend_mock.url + "/__mock__/keys/import", json={"jwk": jwk}, timeout=5)
    assert response.status_code == 200 and response.json()["active"] == "pinned-1"
    token = jwe.encrypt_compact(json.dumps(MAIL).encode(), private, kid="pinned-1")
    assert post_encrypted(autosend_mock, spec.SEND_PATH, token, "pinned-1").status_code == 200
    public_only = requests.post(autosend_mock.url + "/__mock__/keys/import",
                                json={"jwk": {**private.export_public(as_dict=True), "kid": "x"}}, timeout=5)
    assert public_only.status_code == 400
    small = {**JWK.generate(kty="RSA", size=1024).export_private(as_dict=True), "kid": "small"}
    assert requests.post(autosend_mock.url + "/__mock__/keys/import", json={"jwk": small}, timeout=5).status_code == 400


def test_keys_listing_can_include_private_keys(autosend_mock: MockHandle) -> None:
    listing = requests.get(autosend_mock.url + "/__mock__/keys?private=1", timeout=5).json()
    private = JWK(**listing["keys"][0]["private_jwk"])
    token, kid = token_for(autosend_mock, MAIL)
    assert jwe.decrypt_compact(token, private, jwe.AUTOSEND_POLICY) == json.dumps(MAIL).encode()


# --- CLI -----------------------------------------------------------------------------------------

def test_rotate_every_flag() -> None:
    assert parse_duration("1h") == 3600 and parse_duration("30m") == 1800 and parse_duration("90") == 90
    assert parse_duration("1d") == 86400 and parse_duration("250ms") == 0.25
    with pytest.raises(ValueError):
        parse_duration("soon")
    from sealmail.mockservers.cli import build_parser, settings_from

    args = build_parser().parse_args(["serve", "--autosend-rotate-every", "2h"])
    assert settings_from(args)["autosend"] == {"rotate_every_s": 7200.0}
    assert PROVIDER.make_config(settings_from(args)["autosend"]).rotate_every_s == 7200.0
