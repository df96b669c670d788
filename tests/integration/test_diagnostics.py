"""Rejections that say what to fix: each journal ``detail`` names the likely mistake (issue 12, section 4).

Every test sends the mistake a real client makes and checks two things: the
caller's answer is the provider's usual one (for decryption failures the very
same bytes as any other failure: no oracle), and the journal detail names the
mistake. docs/diagnostics.md lists the wording before and after.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
import requests

from sealmail.conformance.clients.netcore_ce import AES_256_CBC_BASE64, AES_256_CBC_HEX, activity, encode_activities, encrypt_text
from sealmail.conformance.clients.netcore_email import encrypt_request
from sealmail.mockservers.core import MockHandle
from sealmail.mockservers.core.content_type import content_type_detail
from sealmail.mockservers.crypto import aes_gcm

EMAIL_PAYLOAD: dict[str, Any] = {
    "personalizations": [{"to": [{"email": "to@example.com"}]}],
    "from": {"email": "from@example.com"},
    "subject": "diagnosis",
    "content": [{"type": "html", "value": "x"}],
}
KEY = bytes(range(32))
IV = bytes(range(100, 112))


def _answer(reply: requests.Response) -> tuple[int, bytes, tuple[tuple[str, str], ...]]:
    """What the caller learns: status, body bytes and headers but the date."""
    return reply.status_code, reply.content, tuple(sorted((k, v) for k, v in reply.headers.items() if k.lower() != "date"))


# --- netcore-email ------------------------------------------------------------------------------
def _send_email(mock: MockHandle, body: bytes, headers: dict[str, str] | None = None) -> requests.Response:
    sealed = encrypt_request(EMAIL_PAYLOAD, key=KEY, iv=IV)
    sent = {**sealed.headers, "Authorization": f"Bearer {mock.config['api_key']}", **(headers or {})}
    return requests.post(mock.url + "/v6/mail/send", data=body, headers=sent, timeout=10)


def _ciphertext(plaintext: bytes = b"") -> bytes:
    return aes_gcm.encrypt(KEY, IV, plaintext or json.dumps(EMAIL_PAYLOAD).encode())


@pytest.mark.parametrize(("name", "body", "hint"), [
    ("tag placed first", lambda c: c[-16:] + c[:-16], "tag placed first"),
    ("tag missing", lambda c: c[:-16], "tag missing"),
    ("body changed", lambda c: c[:-1] + bytes([c[-1] ^ 1]), "body or tag changed after encryption"),
    ("wrong key", lambda c: aes_gcm.encrypt(bytes(32), IV, c[:-16]), "wrong key or IV for this body"),
])
def test_netcore_email_names_the_gcm_mistake_without_changing_the_answer(
    netcore_email_mock: MockHandle, name: str, body: Any, hint: str
) -> None:
    answers = set()
    for sent in (body(_ciphertext()), bytes(48)):  # the mistake, then plain garbage
        answers.add(_answer(_send_email(netcore_email_mock, base64.b64encode(sent))))
    assert len(answers) == 1, f"{name}: the answer differs from any other decryption failure"
    mistake, garbage = netcore_email_mock.requests()
    assert mistake.reason == "gcm_tag_mismatch"
    assert mistake.detail is not None and hint in mistake.detail, mistake.detail
    assert mistake.detail.startswith("GCM tag does not verify: wrong key or IV for this body, tag missing or placed first")
    assert mistake.details["diagnosis_ms"] >= 0
    assert "wrong key or IV for this body: X-AES-KEY" in (garbage.detail or "")


@pytest.mark.parametrize(("body", "hint"), [
    (lambda b64: json.dumps({"data": b64}).encode(), "looks like JSON: send the base64 ciphertext as the raw body, not wrapped in an object (it sits in field 'data')"),
    (lambda b64: json.dumps(b64).encode(), "body is a JSON string (quoted)"),
    (lambda b64: b64.translate(str.maketrans("+/", "-_")).rstrip("=").encode() + b"-_", "URL-safe base64 alphabet (-_), use standard"),
    (lambda b64: b64.rstrip("=").encode(), "base64 without its = padding"),
    (lambda b64: base64.encodebytes(base64.b64decode(b64) * 3), "line breaks or spaces inside the base64"),
])
def test_netcore_email_says_what_a_non_base64_body_looks_like(netcore_email_mock: MockHandle, body: Any, hint: str) -> None:
    text = base64.b64encode(_ciphertext(b'{"pad": "' + b"x" * 61 + b'"}')).decode()  # ends in "="
    assert text.endswith("=")
    reply = _send_email(netcore_email_mock, body(text))
    reference = _send_email(netcore_email_mock, base64.b64encode(bytes(48)))
    assert _answer(reply) == _answer(reference)
    entry = netcore_email_mock.requests()[0]
    assert entry.reason == "body_not_base64"
    assert entry.detail is not None and hint.replace(", use standard", ": use standard") in entry.detail, entry.detail


# --- a missing Content-Type ----------------------------------------------------------------------
def _headers_for(provider_id: str, mock: MockHandle) -> dict[str, str]:
    config = mock.config
    if provider_id == "stayprivate":
        from tests.integration.test_stayprivate_api import auth

        return auth()
    return {"Authorization": f"Bearer {config['api_key']}", "x-eCode": "11256", "x-asset": str(config.get("asset", ""))}


@pytest.mark.parametrize(("provider_id", "path"), [
    ("netcore-email", "/v6/mail/send"),
    ("netcore-ce", "/v1/activity/upload"),
    ("autosend", "/v1/mails/send"),
    ("stayprivate", "/1.0/emails/prepare"),
])
def test_no_content_type_reads_as_none_sent(mock_server: Any, provider_id: str, path: str) -> None:
    mock = mock_server(provider_id)
    headers = _headers_for(provider_id, mock)
    requests.post(mock.url + path, data=b"{}", headers=headers, timeout=10)  # bytes: requests sends no Content-Type
    requests.post(mock.url + path, data={"a": "b"}, headers=headers, timeout=10)
    details = [e.detail or "" for e in mock.requests() if e.reason and e.reason.startswith("content_type")]
    assert len(details) == 2, mock.explain()
    assert details[0].startswith("no Content-Type header; send Content-Type: application/json"), details[0]
    assert "octet-stream" not in details[0]
    assert "a dict passed as data= instead of json=" in details[1]


def test_content_type_detail_reads_the_raw_header() -> None:
    assert content_type_detail({}).startswith("no Content-Type header")
    assert "Node fetch with a Buffer" in content_type_detail({})  # the hint speaks to clients in other languages too
    assert content_type_detail({"Content-Type": ""}).startswith("Content-Type header is empty")
    assert content_type_detail({"Content-Type": "text/plain; charset=utf-8"}) == (
        "Content-Type 'text/plain; charset=utf-8', expected application/json: "
        "a string body without a JSON Content-Type (fetch/axios with a string, curl --data without -H)"
    )
    assert content_type_detail({"Content-Type": "application/xml"}) == "Content-Type 'application/xml', expected application/json"


# --- netcore-ce -----------------------------------------------------------------------------------
def _upload(mock: MockHandle, text: str, ecode: int) -> requests.Response:
    config = mock.config
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {config['api_key']}",
               "x-eCode": str(ecode), "x-asset": config["asset"]}
    return requests.post(mock.url + "/v1/activity/upload", json={"encryptedRequest": text}, headers=headers, timeout=10)


def _activities(mock: MockHandle) -> bytes:
    return encode_activities([activity(mock.config["asset"], "form_submitted", "9999911111", {"day": "Tuesday"})])


def test_netcore_ce_hex_with_a_wrong_key_gets_the_wrong_key_hint(netcore_ce_mock: MockHandle) -> None:
    wrong = "k" * 32
    for extra_blocks in range(4):  # consecutive block counts: an odd count's hex also decodes as base64 of 24n bytes
        plaintext = _activities(netcore_ce_mock) + b" " * (16 * extra_blocks)
        _upload(netcore_ce_mock, encrypt_text(plaintext, AES_256_CBC_HEX, wrong, netcore_ce_mock.config["iv"]), AES_256_CBC_HEX)
    for entry in netcore_ce_mock.requests():
        assert entry.status == 400
        assert "GCM" not in (entry.detail or ""), entry.detail
        if entry.reason == "cbc_bad_padding":
            assert "most likely the wrong SECRET_KEY or SECRET_IV" in (entry.detail or "")


def test_netcore_ce_upper_case_hex_is_accepted_with_a_warning_and_strict_mode_names_the_case(mock_server: Any) -> None:
    lenient = mock_server("netcore-ce")
    good = encrypt_text(_activities(lenient), AES_256_CBC_HEX, lenient.config["key"], lenient.config["iv"])
    assert _upload(lenient, good.upper(), AES_256_CBC_HEX).status_code == 200
    assert any(w.startswith("hex_upper_case") for w in lenient.requests()[0].warnings)
    strict = mock_server("netcore-ce", hex_case="lower")
    assert _upload(strict, good.upper(), AES_256_CBC_HEX).status_code == 400
    (entry,) = strict.requests()
    assert entry.reason == "hex_not_lowercase"
    assert "GCM" not in (entry.detail or "") and "upper-case hex digits" in (entry.detail or ""), entry.detail


def test_netcore_ce_base64_hints_reuse_the_encoding_diagnosis(netcore_ce_mock: MockHandle) -> None:
    good = encrypt_text(_activities(netcore_ce_mock), AES_256_CBC_BASE64, netcore_ce_mock.config["key"], netcore_ce_mock.config["iv"])
    _upload(netcore_ce_mock, good.replace("+", "-").replace("/", "_").rstrip("=") + "-_", AES_256_CBC_BASE64)
    assert "URL-safe base64 alphabet (-_)" in (netcore_ce_mock.requests()[0].detail or "")


# --- autosend ------------------------------------------------------------------------------------
def _autosend_jwe(mock: MockHandle, wrap: Any, *, alg: str = "RSA-OAEP-256") -> tuple[str, str]:
    """A JWE of a valid mail whose CEK is wrapped by ``wrap(public_key, cek)`` (the client's RSA call)."""
    from jwcrypto.common import base64url_encode, json_encode

    from sealmail.mockservers.crypto import jwe

    keys = requests.get(mock.url + "/v1/jwks.json", timeout=5).json()["keys"]
    kid = keys[0]["kid"]
    public = jwe.import_encryption_key(keys[0]).get_op_key("wrapKey")
    cek, iv = bytes(range(32)), bytes(range(12))
    protected = base64url_encode(json_encode({"alg": alg, "enc": "A256GCM", "kid": kid}))
    mail = {"to": {"email": "to@example.com"}, "from": {"email": "from@example.com"}, "subject": "s", "html": "<p>x</p>"}
    sealed = aes_gcm.encrypt(cek, iv, json.dumps(mail).encode(), protected.encode("ascii"))
    parts = [protected, base64url_encode(wrap(public, cek)), base64url_encode(iv), base64url_encode(sealed[:-16]), base64url_encode(sealed[-16:])]
    return ".".join(parts), kid


def _post_jwe(mock: MockHandle, token: str, kid: str) -> requests.Response:
    headers = {"Authorization": f"Bearer {mock.config['api_key']}", "Content-Type": "application/json",
               "X-Payload-Encryption": "jwe", "X-Key-Id": kid}
    return requests.post(mock.url + "/v1/mails/send", json={"encryptedData": token}, headers=headers, timeout=10)


def test_autosend_names_java_default_oaep_and_answers_like_any_failure(autosend_mock: MockHandle) -> None:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    def oaep(mgf: Any, digest: Any) -> Any:
        return lambda public, cek: public.encrypt(cek, padding.OAEP(mgf=padding.MGF1(mgf), algorithm=digest, label=None))

    cases = {
        "java_default": oaep(hashes.SHA1(), hashes.SHA256()),
        "sha1_oaep": oaep(hashes.SHA1(), hashes.SHA1()),
        "pkcs1_v15": lambda public, cek: public.encrypt(cek, padding.PKCS1v15()),
        "garbage": lambda public, cek: bytes([0x42]) * (public.key_size // 8),
        "right": oaep(hashes.SHA256(), hashes.SHA256()),
    }
    answers = {}
    for name, wrap in cases.items():
        token, kid = _autosend_jwe(autosend_mock, wrap)
        answers[name] = _answer(_post_jwe(autosend_mock, token, kid))
    assert answers.pop("right")[0] == 200  # the hand-built JWE is right when wrapped right
    assert len(set(answers.values())) == 1, "the answer must not depend on which wrapping was used"
    java, sha1, v15, garbage, _ = autosend_mock.requests(path="/v1/mails/send")
    assert {e.reason for e in (java, sha1, v15, garbage)} == {"rsa_oaep_unwrap_failed"}
    assert "Java's default for OAEPWithSHA-256AndMGF1Padding: OAEP with SHA-256 but MGF1 with SHA-1" in (java.detail or "")
    assert "SHA-1 OAEP (RSA-OAEP" in (sha1.detail or "")
    assert "PKCS#1 v1.5" in (v15.detail or "")
    assert "diagnosis" not in garbage.details and "Java" not in (garbage.detail or "")
    assert java.details["diagnosis_ms"] > 0 and garbage.details["diagnosis_ms"] > 0


def test_autosend_rsa_oaep_header_names_sha1(autosend_mock: MockHandle) -> None:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    token, kid = _autosend_jwe(autosend_mock, lambda public, cek: public.encrypt(
        cek, padding.OAEP(mgf=padding.MGF1(hashes.SHA1()), algorithm=hashes.SHA1(), label=None)), alg="RSA-OAEP")
    assert _post_jwe(autosend_mock, token, kid).status_code == 400
    (entry,) = autosend_mock.requests(path="/v1/mails/send")
    assert entry.reason == "alg_not_allowed" and "RSA-OAEP is SHA-1 OAEP" in (entry.detail or "")


# --- ncp-mailer -----------------------------------------------------------------------------------
@pytest.mark.parametrize(("signed", "mistake"), [
    (lambda url, path: url + path, "host included in the signed URL"),
    (lambda url, path: "https://mail.apigw.ntruss.com" + path, "host included in the signed URL"),
    (lambda url, path: path.replace("/api/v1/", "/api/v1-sgn/"), "another region's path signed"),
    (lambda url, path: path.replace("/api/v1/", "/api/v1-jpn/"), "another region's path signed"),
])
def test_ncp_mailer_names_host_and_region_mistakes(ncp_mailer_mock: MockHandle, signed: Any, mistake: str) -> None:
    from tests.integration.test_ncp_mailer_mock import call

    reply = call(ncp_mailer_mock, "GET", "/api/v1/mails/1", signed_target=signed(ncp_mailer_mock.url, "/api/v1/mails/1"))
    reference = call(ncp_mailer_mock, "GET", "/api/v1/mails/1", secret="another secret")
    assert (reply.status, reply.raw) == (reference.status, reference.raw) == (401, reply.raw)
    named, unexplained = ncp_mailer_mock.requests()
    assert named.reason == "signature_mismatch" and (named.detail or "").startswith(mistake), named.detail
    assert "no known variant" not in (unexplained.detail or "")
    assert "most likely another secret key" in (unexplained.detail or "")


def test_the_control_api_waits_for_a_diagnosis_still_running(autosend_mock: MockHandle) -> None:
    """``GET /__mock__/requests`` right after the answer already has the after-the-answer hint (any language's view)."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    token, kid = _autosend_jwe(autosend_mock, lambda public, cek: public.encrypt(
        cek, padding.OAEP(mgf=padding.MGF1(hashes.SHA1()), algorithm=hashes.SHA256(), label=None)))
    assert _post_jwe(autosend_mock, token, kid).status_code == 400
    listed = requests.get(autosend_mock.url + "/__mock__/requests", timeout=10).json()["requests"]
    assert "Java's default for OAEPWithSHA-256AndMGF1Padding" in listed[-1]["detail"]
