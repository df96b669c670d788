"""The stayprivate mock over HTTP: the four methods, every auth failure, every business rule.

Each bad request must get the seed's error body with its own code, a precise
reason in the journal, and no change of state; nothing may answer 5xx.
"""

from __future__ import annotations

import hashlib
import json
import time
from typing import Any, Iterator

import pytest
import requests

from sealmail.mockservers.core import MockHandle
from sealmail.mockservers.crypto.jwt import encode_json_segment, load_rsa_private_key, sign_compact, sign_jwt
from sealmail.mockservers.providers.stayprivate import spec
from sealmail.mockservers.providers.stayprivate.test_keys import (
    DEFAULT_PRIVATE_KEY_PEM,
    DEFAULT_PUBLIC_KEY_PEM,
    OTHER_PRIVATE_KEY_PEM,
    public_pem_of,
)

COMPANY = spec.DEFAULT_COMPANY_API_ID
KEY = load_rsa_private_key(DEFAULT_PRIVATE_KEY_PEM)
OTHER_KEY = load_rsa_private_key(OTHER_PRIVATE_KEY_PEM)
SENDER = "sender@example.com"
PDF = b"%PDF-1.7\n\x00\x01\x02\xff binary \r\n--not-a-boundary\r\n"


@pytest.fixture(scope="module")
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session


def token(mock: MockHandle | None = None, **claims: Any) -> str:
    now = int((mock.now_ms() if mock else time.time() * 1000) / 1000)
    body = {"iss": COMPANY, "iat": now, "exp": now + 300}
    body.update(claims)
    return sign_jwt({k: v for k, v in body.items() if v is not None}, KEY)


def auth(tok: str | None = None, company: str | None = COMPANY) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {tok or token()}"}
    if company is not None:
        headers[spec.HEADER_COMPANY_ID] = company
    return headers


def call(http: requests.Session, mock: MockHandle, method: str, path: str, *, headers: dict[str, str] | None = None,
         json_body: Any = None, data: Any = None, files: Any = None) -> requests.Response:
    return http.request(method, mock.url + path, headers=headers if headers is not None else auth(), json=json_body,
                        data=data, files=files, timeout=10)


def prepare(http: requests.Session, mock: MockHandle, **fields: Any) -> str:
    body = {"senderEmail": SENDER, "emailSubject": "Subject", "emailBody": "Body", **fields}
    reply = call(http, mock, "POST", spec.PREPARE_NEW_PATH, json_body=body)
    assert reply.status_code == 200, reply.text
    return reply.json()["data"]["emailRef"]


def upload(http: requests.Session, mock: MockHandle, email_ref: str, data: bytes = PDF, *, name: str = "report.pdf",
           esign: str | None = "Y", file_ref: str | None = None, field: str = spec.ATTACHMENT_FIELD) -> requests.Response:
    path = f"/1.0/emails/{email_ref}/attachments/" + (f"{file_ref}/upload" if file_ref else "upload")
    form = {spec.ESIGN_FIELD: esign} if esign is not None else None
    return call(http, mock, "POST", path, data=form, files={field: (name, data, "application/pdf")})


def assert_error(reply: requests.Response, status: int, code: str) -> None:
    assert reply.status_code == status, reply.text
    assert reply.json()["success"] is False
    assert reply.json()["error"]["code"] == code, reply.text
    assert isinstance(reply.json()["error"]["message"], str) and reply.json()["error"]["message"]


def last_reason(mock: MockHandle) -> str | None:
    return mock.requests()[-1].reason


# --- the happy paths ------------------------------------------------------------
def test_three_step_flow_stores_the_email_with_attachment_metadata_and_bytes(http: requests.Session, stayprivate_mock: MockHandle) -> None:
    mock = stayprivate_mock
    email_ref = prepare(http, mock, emailSubject="Quarterly report ✓", emailBody="<p>Grüße</p>")
    first = upload(http, mock, email_ref)
    assert first.status_code == 200, first.text
    assert first.json() == {"success": True, "data": {"fileRef": first.json()["data"]["fileRef"], "emailRef": email_ref}}
    second = upload(http, mock, email_ref, b"plain text", name="notes.txt", esign=None)
    assert second.status_code == 200
    reply = call(http, mock, "POST", f"/1.0/emails/{email_ref}/send",
                 json_body={"emailToList": "a@example.org; b@example.net", "emailBccList": "c@example.org"})
    assert reply.status_code == 200 and reply.json() == {"success": True, "data": {"status": "S"}}

    (message,) = mock.messages()
    assert message.message_id == email_ref
    payload = message.payload
    assert payload["emailSubject"] == "Quarterly report ✓" and payload["emailBody"] == "<p>Grüße</p>"
    assert payload["senderEmail"] == SENDER
    assert payload["recipients"] == {"emailToList": ["a@example.org", "b@example.net"], "emailCcList": [], "emailBccList": ["c@example.org"]}
    assert [(a["fileName"], a["size"], a["sha256"], a["reqESignFlag"]) for a in payload["attachments"]] == [
        ("report.pdf", len(PDF), hashlib.sha256(PDF).hexdigest(), "Y"),
        ("notes.txt", 10, hashlib.sha256(b"plain text").hexdigest(), "N"),
    ]
    file_ref = first.json()["data"]["fileRef"]
    raw = http.get(f"{mock.url}/__mock__/emails/{email_ref}/attachments/{file_ref}", timeout=10)
    assert raw.status_code == 200 and raw.content == PDF
    assert raw.headers["X-Uploaded-Content-Type"] == "application/pdf" and raw.headers["X-Sha256"] == hashlib.sha256(PDF).hexdigest()
    mock.assert_all_accepted()


def test_one_call_send_without_prepare(http: requests.Session, stayprivate_mock: MockHandle) -> None:
    reply = call(http, stayprivate_mock, "POST", spec.SEND_NEW_PATH,
                 json_body={"senderEmail": SENDER, "emailSubject": "S", "emailBody": "B", "emailCcList": "x@example.org"})
    assert reply.status_code == 200 and reply.json()["data"] == {"status": "S"}
    (payload,) = stayprivate_mock.payloads()
    assert payload["prepared"] is False and payload["attachments"] == []
    assert payload["recipients"]["emailCcList"] == ["x@example.org"]


def test_replace_and_delete_attachments_before_send(http: requests.Session, stayprivate_mock: MockHandle) -> None:
    mock = stayprivate_mock
    email_ref = prepare(http, mock)
    file_ref = upload(http, mock, email_ref).json()["data"]["fileRef"]
    replaced = upload(http, mock, email_ref, b"version two", name="v2.pdf", esign="N", file_ref=file_ref)
    assert replaced.status_code == 200 and replaced.json()["data"] == {"fileRef": file_ref, "emailRef": email_ref}
    (attachment,) = mock.model.email(email_ref).attachments.values()
    assert (attachment.data, attachment.file_name, attachment.esign, attachment.versions) == (b"version two", "v2.pdf", False, 2)
    other = upload(http, mock, email_ref, b"to delete").json()["data"]["fileRef"]
    deleted = call(http, mock, "DELETE", f"/1.0/emails/{email_ref}/attachments/{other}")
    assert deleted.status_code == 200 and deleted.json() == {"success": True, "data": {"emailRef": email_ref}}
    assert list(mock.model.email(email_ref).attachments) == [file_ref]
    assert_error(call(http, mock, "DELETE", f"/1.0/emails/{email_ref}/attachments/{other}"), 422, "file_not_found")
    assert last_reason(mock) == "file_ref_unknown"


def test_reprepare_saves_a_new_draft(http: requests.Session, stayprivate_mock: MockHandle) -> None:
    mock = stayprivate_mock
    email_ref = prepare(http, mock, emailSubject="first", emailBody="one")
    reply = call(http, mock, "POST", f"/1.0/emails/{email_ref}/prepare", json_body={"senderEmail": "other@example.com", "emailSubject": "second"})
    assert reply.status_code == 200 and reply.json()["data"]["emailRef"] == email_ref
    email = mock.model.email(email_ref)
    assert (email.sender_email, email.subject, email.body, email.drafts) == ("other@example.com", "second", "", 2)


def test_reprepare_merge_mode_keeps_absent_fields(http: requests.Session, mock_server: Any) -> None:
    mock = mock_server("stayprivate", draft_update="merge")
    email_ref = prepare(http, mock, emailSubject="first", emailBody="one")
    call(http, mock, "POST", f"/1.0/emails/{email_ref}/prepare", json_body={"senderEmail": SENDER, "emailSubject": "second"})
    assert (mock.model.email(email_ref).subject, mock.model.email(email_ref).body) == ("second", "one")


def test_prepared_send_overrides_subject_and_body(http: requests.Session, stayprivate_mock: MockHandle) -> None:
    mock = stayprivate_mock
    email_ref = prepare(http, mock, emailSubject="draft", emailBody="draft body")
    call(http, mock, "POST", f"/1.0/emails/{email_ref}/send", json_body={"emailSubject": "final", "emailToList": "a@example.org"})
    (payload,) = mock.payloads()
    assert (payload["emailSubject"], payload["emailBody"]) == ("final", "draft body")


# --- authentication ----------------------------------------------------------------
def _forged(header: dict[str, Any], claims: dict[str, Any], signature: str = "") -> str:
    return f"{encode_json_segment(header)}.{encode_json_segment(claims)}.{signature}"


def _claims(**extra: Any) -> dict[str, Any]:
    now = int(time.time())
    return {"iss": COMPANY, "exp": now + 300, **extra}


AUTH_CASES: list[tuple[str, Any, str, str]] = [
    ("no company header", lambda: auth(company=None), "missing_credentials", "company_id_missing"),
    ("no Authorization", lambda: {spec.HEADER_COMPANY_ID: COMPANY}, "missing_credentials", "auth_missing"),
    ("Basic scheme", lambda: {spec.HEADER_COMPANY_ID: COMPANY, "Authorization": "Basic dXNlcjpwYXNz"}, "missing_credentials", "auth_scheme_not_bearer"),
    ("empty bearer", lambda: {spec.HEADER_COMPANY_ID: COMPANY, "Authorization": "Bearer "}, "missing_credentials", "token_missing"),
    ("unknown company", lambda: auth(company="someone-else"), "unauthorised", "company_unknown"),
    ("garbage token", lambda: auth("not-a-jwt"), "unauthorised", "token_not_compact"),
    ("JSON serialization", lambda: auth('{"payload":"e30","signature":"AA"}'), "unauthorised", "token_not_compact"),
    ("alg none", lambda: auth(_forged({"alg": "none"}, _claims())), "unauthorised", "alg_none"),
    ("alg None", lambda: auth(_forged({"alg": "None"}, _claims())), "unauthorised", "alg_none"),
    ("alg NONE with a signature", lambda: auth(_forged({"alg": "NONE"}, _claims(), "AAAA")), "unauthorised", "alg_none"),
    ("alg missing", lambda: auth(_forged({"typ": "JWT"}, _claims(), "AAAA")), "unauthorised", "alg_missing"),
    ("alg ES256", lambda: auth(_forged({"alg": "ES256"}, _claims(), "AAAA")), "unauthorised", "alg_not_allowed"),
    ("HS256 keyed with the public key", lambda: auth(_hs256_with_public_key()), "unauthorised", "alg_hmac"),
    ("embedded jwk", lambda: auth(_with_header(jwk=json.loads(OTHER_KEY.export_public()))), "unauthorised", "header_embedded_key"),
    ("jku", lambda: auth(_with_header(jku="https://attacker.example/jwks.json")), "unauthorised", "header_embedded_key"),
    ("x5u", lambda: auth(_with_header(x5u="https://attacker.example/cert.pem")), "unauthorised", "header_embedded_key"),
    ("x5c", lambda: auth(_with_header(x5c=["MIIB"])), "unauthorised", "header_embedded_key"),
    ("unknown crit", lambda: auth(_with_header(crit=["exp-ext"], **{"exp-ext": 1})), "unauthorised", "header_crit_unsupported"),
    ("wrong key", lambda: auth(sign_jwt(_claims(), OTHER_KEY)), "unauthorised", "signature_invalid"),
    ("tampered payload", lambda: auth(_tampered()), "unauthorised", "signature_invalid"),
    ("missing signature", lambda: auth(token().rsplit(".", 1)[0] + "."), "unauthorised", "signature_missing"),
    ("non-canonical signature", lambda: auth(_noncanonical()), "unauthorised", "token_not_canonical"),
    ("expired", lambda: auth(token(exp=int(time.time()) - 120)), "unauthorised", "token_expired"),
    ("missing exp", lambda: auth(token(exp=None)), "unauthorised", "exp_missing"),
    ("exp as string", lambda: auth(token(exp=str(int(time.time()) + 300))), "unauthorised", "exp_invalid"),
    ("nbf in the future", lambda: auth(token(nbf=int(time.time()) + 600)), "unauthorised", "token_not_yet_valid"),
    ("iat in the future", lambda: auth(token(iat=int(time.time()) + 600)), "unauthorised", "iat_in_future"),
    ("missing iss", lambda: auth(token(iss=None)), "unauthorised", "iss_missing"),
    ("wrong iss", lambda: auth(token(iss="another-company")), "unauthorised", "iss_mismatch"),
    ("claims not an object", lambda: auth(sign_compact({"alg": "RS256"}, b"[1,2]", KEY)), "unauthorised", "claims_not_object"),
    ("duplicate claim", lambda: auth(sign_compact({"alg": "RS256"}, b'{"iss":"x","iss":"' + COMPANY.encode() + b'","exp":9999999999}', KEY)),
     "unauthorised", "claims_duplicate_member"),
]


def _hs256_with_public_key() -> str:
    from jwcrypto.common import base64url_encode
    from jwcrypto.jwk import JWK

    secret = JWK(kty="oct", k=base64url_encode(DEFAULT_PUBLIC_KEY_PEM.encode()))
    return sign_compact({"alg": "HS256", "typ": "JWT"}, json.dumps(_claims()).encode(), secret)


def _with_header(**extra: Any) -> str:
    return sign_compact({"alg": "RS256", **extra}, json.dumps(_claims()).encode(), KEY)


def _tampered() -> str:
    header, _, signature = token().split(".")
    return f"{header}.{encode_json_segment(_claims(admin=True))}.{signature}"


def _noncanonical() -> str:
    head, signature = token().rsplit(".", 1)
    # 256 bytes -> 342 chars whose last one carries 4 unused bits: set one of them.
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    last = alphabet[alphabet.index(signature[-1]) | 1]
    return f"{head}.{signature[:-1]}{last}"


@pytest.mark.parametrize(("headers", "code", "reason"), [pytest.param(h, c, r, id=name) for name, h, c, r in AUTH_CASES])
def test_auth_failures_get_401_and_a_precise_journal_reason(http: requests.Session, stayprivate_mock: MockHandle,
                                                             headers: Any, code: str, reason: str) -> None:
    reply = call(http, stayprivate_mock, "POST", spec.SEND_NEW_PATH, headers=headers(),
                 json_body={"senderEmail": SENDER, "emailToList": "a@example.org"})
    assert_error(reply, 401, code)
    assert last_reason(stayprivate_mock) == reason, stayprivate_mock.explain()
    assert stayprivate_mock.messages() == []


def test_every_token_failure_looks_the_same_to_the_caller(http: requests.Session, stayprivate_mock: MockHandle) -> None:
    """No oracle: a bad signature, an expired token and an unknown company give one identical body."""
    bodies = set()
    for headers in (auth(sign_jwt(_claims(), OTHER_KEY)), auth(token(exp=int(time.time()) - 999)), auth(company="nobody"),
                    auth(_forged({"alg": "none"}, _claims()))):
        reply = call(http, stayprivate_mock, "POST", spec.SEND_NEW_PATH, headers=headers, json_body={})
        bodies.add((reply.status_code, reply.text))
    assert len(bodies) == 1, bodies


def test_auth_runs_before_anything_else(http: requests.Session, stayprivate_mock: MockHandle) -> None:
    reply = call(http, stayprivate_mock, "POST", spec.SEND_NEW_PATH, headers=auth(company="nobody"), data="not json")
    assert_error(reply, 401, "unauthorised")


def test_leeway_and_mock_clock_govern_expiry(http: requests.Session, stayprivate_mock: MockHandle) -> None:
    mock = stayprivate_mock
    exp = int(mock.now_ms() / 1000) + 300
    tok = token(mock, exp=exp)
    body = {"senderEmail": SENDER, "emailToList": "a@example.org"}
    mock.clock(now_ms=(exp + spec.DEFAULT_LEEWAY_S - 5) * 1000, frozen=True)
    assert call(http, mock, "POST", spec.SEND_NEW_PATH, headers=auth(tok), json_body=body).status_code == 200
    mock.clock(now_ms=(exp + spec.DEFAULT_LEEWAY_S) * 1000, frozen=True)
    assert_error(call(http, mock, "POST", spec.SEND_NEW_PATH, headers=auth(tok), json_body=body), 401, "unauthorised")
    assert last_reason(mock) == "token_expired"


def test_other_rsa_algorithms_are_accepted_and_can_be_restricted(http: requests.Session, mock_server: Any) -> None:
    body = {"senderEmail": SENDER, "emailToList": "a@example.org"}
    mock = mock_server("stayprivate")
    for alg in ("RS384", "RS512", "PS256", "PS384", "PS512"):
        tok = sign_jwt(_claims(), KEY, algorithm=alg)
        assert call(http, mock, "POST", spec.SEND_NEW_PATH, headers=auth(tok), json_body=body).status_code == 200, alg
    strict = mock_server("stayprivate", allowed_algorithms="RS256")
    assert_error(call(http, strict, "POST", spec.SEND_NEW_PATH, headers=auth(sign_jwt(_claims(), KEY, algorithm="PS256")), json_body=body),
                 401, "unauthorised")
    assert last_reason(strict) == "alg_not_allowed"


def test_token_lifetime_cap_is_configurable(http: requests.Session, mock_server: Any) -> None:
    mock = mock_server("stayprivate", max_token_lifetime_s=600)
    long_lived = token(exp=int(time.time()) + 86_400)
    assert_error(call(http, mock, "POST", spec.SEND_NEW_PATH, headers=auth(long_lived), json_body={}), 401, "unauthorised")
    assert last_reason(mock) == "token_lifetime_too_long"


def test_journal_keeps_token_header_and_claims(http: requests.Session, stayprivate_mock: MockHandle) -> None:
    call(http, stayprivate_mock, "POST", spec.SEND_NEW_PATH, json_body={"senderEmail": SENDER, "emailToList": "a@example.org"})
    details = stayprivate_mock.requests()[-1].details
    assert details["company_api_id"] == COMPANY and details["jwt_algorithm"] == "RS256"
    jwt = details["jwt"]
    assert jwt["verified"] is True and jwt["header"]["alg"] == "RS256" and jwt["claims"]["iss"] == COMPANY
    assert 250 < jwt["expires_in_s"] <= 300 and jwt["lifetime_s"] == 300


# --- company registry -------------------------------------------------------------------
def test_registered_company_can_call_and_is_isolated(http: requests.Session, stayprivate_mock: MockHandle) -> None:
    mock = stayprivate_mock
    reply = http.post(f"{mock.url}/__mock__/companies", timeout=10, json={
        "company_api_id": "acme-42", "public_key_pem": public_pem_of(OTHER_PRIVATE_KEY_PEM), "domains": ["Acme.Example"]})
    assert reply.status_code == 201 and reply.json()["domains"] == ["acme.example"] and reply.json()["key_bits"] == 2048
    acme = auth(sign_jwt({"iss": "acme-42", "exp": int(time.time()) + 60}, OTHER_KEY), company="acme-42")
    prepared = call(http, mock, "POST", spec.PREPARE_NEW_PATH, headers=acme, json_body={"senderEmail": "ops@acme.example"})
    assert prepared.status_code == 200
    email_ref = prepared.json()["data"]["emailRef"]
    # The default company can neither see acme's email nor send from acme's domain.
    assert_error(call(http, mock, "POST", f"/1.0/emails/{email_ref}/send", json_body={"emailToList": "a@example.org"}), 422, "email_not_found")
    assert last_reason(mock) == "email_ref_other_company"
    assert_error(call(http, mock, "POST", spec.SEND_NEW_PATH, json_body={"senderEmail": "ops@acme.example", "emailToList": "a@example.org"}),
                 422, "sender_domain_not_allowed")
    # acme's token is no good for the default company, and vice versa.
    assert_error(call(http, mock, "POST", spec.SEND_NEW_PATH, headers={**acme, spec.HEADER_COMPANY_ID: COMPANY}, json_body={}), 401, "unauthorised")
    assert last_reason(mock) == "signature_invalid"
    mock.reset()
    assert [c.api_id for c in mock.model.companies.all()] == [COMPANY]


def test_company_key_rotation_and_disabled_tier(http: requests.Session, stayprivate_mock: MockHandle) -> None:
    mock = stayprivate_mock
    rotated = http.post(f"{mock.url}/__mock__/companies", timeout=10, json={
        "company_api_id": COMPANY, "public_key_pem": public_pem_of(OTHER_PRIVATE_KEY_PEM), "domains": ["example.com"], "api_enabled": False})
    assert rotated.status_code == 200 and rotated.json()["replaced"] is True
    assert_error(call(http, mock, "POST", spec.SEND_NEW_PATH, headers=auth(sign_jwt(_claims(), OTHER_KEY)), json_body={}), 401, "unauthorised")
    assert last_reason(mock) == "company_api_disabled"


@pytest.mark.parametrize("body", [
    {"company_api_id": "x", "public_key_pem": "nope", "domains": ["a.com"]},
    {"company_api_id": "has space", "public_key_pem": DEFAULT_PUBLIC_KEY_PEM, "domains": ["a.com"]},
    {"company_api_id": "x", "public_key_pem": DEFAULT_PUBLIC_KEY_PEM, "domains": []},
    {"company_api_id": "x", "public_key_pem": DEFAULT_PUBLIC_KEY_PEM, "domains": ["not a domain"]},
    {"company_api_id": "x", "public_key_pem": DEFAULT_PRIVATE_KEY_PEM, "domains": ["a.com"]},
    {"company_api_id": "x", "public_key_pem": DEFAULT_PUBLIC_KEY_PEM, "domains": ["a.com"], "extra": 1},
    [1, 2],
])
def test_bad_company_registrations_get_400(http: requests.Session, stayprivate_mock: MockHandle, body: Any) -> None:
    reply = http.post(f"{stayprivate_mock.url}/__mock__/companies", json=body, timeout=10)
    assert reply.status_code == 400 and reply.json()["error"]
    assert len(stayprivate_mock.model.companies.all()) == 1


def test_small_rsa_keys_cannot_be_registered(http: requests.Session, stayprivate_mock: MockHandle) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    small = rsa.generate_private_key(public_exponent=65537, key_size=1024).public_key()
    pem = small.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    reply = http.post(f"{stayprivate_mock.url}/__mock__/companies", timeout=10,
                      json={"company_api_id": "tiny", "public_key_pem": pem, "domains": ["a.com"]})
    assert reply.status_code == 400 and "key_too_small" in reply.json()["error"]


def test_config_documents_a_working_key_and_token(http: requests.Session, stayprivate_mock: MockHandle) -> None:
    config = http.get(f"{stayprivate_mock.url}/__mock__/config", timeout=10).json()
    assert config["company_api_id"] == COMPANY and config["domains"] == ["example.com"]
    assert config["private_key_pem"] == DEFAULT_PRIVATE_KEY_PEM and config["public_key_pem"] == DEFAULT_PUBLIC_KEY_PEM
    reply = call(http, stayprivate_mock, "POST", spec.SEND_NEW_PATH,
                 headers={spec.HEADER_COMPANY_ID: config["company_api_id"], "Authorization": f"Bearer {config['sample_bearer_token']}"},
                 json_body={"senderEmail": config["sender_email"], "emailToList": "a@example.org"})
    assert reply.status_code == 200, reply.text


# --- business rules -----------------------------------------------------------------
RULE_CASES: list[tuple[str, str, Any, str, str]] = [
    ("prepare without sender", spec.PREPARE_NEW_PATH, {"emailSubject": "x"}, "sender_email_required", "sender_email_missing"),
    ("prepare sender not an address", spec.PREPARE_NEW_PATH, {"senderEmail": "nobody"}, "sender_email_invalid", "sender_email_invalid"),
    ("prepare sender not a string", spec.PREPARE_NEW_PATH, {"senderEmail": ["a@example.com"]}, "sender_email_invalid", "sender_email_type"),
    ("prepare sender at another domain", spec.PREPARE_NEW_PATH, {"senderEmail": "a@evil.example"}, "sender_domain_not_allowed", "sender_domain_not_allowed"),
    ("prepare sender at a subdomain", spec.PREPARE_NEW_PATH, {"senderEmail": "a@mail.example.com"}, "sender_domain_not_allowed", "sender_domain_not_allowed"),
    ("prepare subject not a string", spec.PREPARE_NEW_PATH, {"senderEmail": SENDER, "emailSubject": 5}, "invalid_request", "emailSubject_type"),
    ("send without sender", spec.SEND_NEW_PATH, {"emailToList": "a@example.org"}, "sender_email_required", "sender_email_missing"),
    ("send without recipients", spec.SEND_NEW_PATH, {"senderEmail": SENDER}, "no_recipients", "no_recipients"),
    ("send with empty lists", spec.SEND_NEW_PATH, {"senderEmail": SENDER, "emailToList": " ; ", "emailCcList": ""}, "no_recipients", "no_recipients"),
    ("comma-separated list", spec.SEND_NEW_PATH, {"senderEmail": SENDER, "emailToList": "a@example.org,b@example.org"},
     "invalid_recipients", "address_list_comma_separated"),
    ("invalid address", spec.SEND_NEW_PATH, {"senderEmail": SENDER, "emailToList": "a@example.org;not-an-address"}, "invalid_recipients", "address_invalid"),
    ("display name", spec.SEND_NEW_PATH, {"senderEmail": SENDER, "emailCcList": "Ann <a@example.org>"}, "invalid_recipients", "address_invalid"),
    ("list as JSON array", spec.SEND_NEW_PATH, {"senderEmail": SENDER, "emailToList": ["a@example.org"]}, "invalid_recipients", "address_list_type"),
    ("obfuscated address from a web page", spec.SEND_NEW_PATH, {"senderEmail": SENDER, "emailBccList": "[email protected]"},
     "invalid_recipients", "address_invalid"),
    ("send to unknown emailRef", "/1.0/emails/no-such-ref/send", {"emailToList": "a@example.org"}, "email_not_found", "email_ref_unknown"),
    ("re-prepare unknown emailRef", "/1.0/emails/no-such-ref/prepare", {"senderEmail": SENDER}, "email_not_found", "email_ref_unknown"),
]


@pytest.mark.parametrize(("path", "body", "code", "reason"), [pytest.param(p, b, c, r, id=name) for name, p, b, c, r in RULE_CASES])
def test_business_rules_get_422(http: requests.Session, stayprivate_mock: MockHandle, path: str, body: Any, code: str, reason: str) -> None:
    reply = call(http, stayprivate_mock, "POST", path, json_body=body)
    assert_error(reply, 422, code)
    assert last_reason(stayprivate_mock) == reason, stayprivate_mock.explain()
    assert stayprivate_mock.messages() == []


@pytest.mark.parametrize(("data", "content_type", "reason"), [
    pytest.param('"emailSubject":"<email subject>", "emailBody":"<email body>", "emailToList":"a@example.org"}',
                 "application/json", "body_not_json", id="the seed's own send example"),
    pytest.param("", "application/json", "body_empty", id="empty"),
    pytest.param("[1, 2]", "application/json", "body_not_object", id="array"),
    pytest.param("null", "application/json", "body_not_object", id="null"),
    pytest.param(b"\xff\xfe{}", "application/json", "body_not_utf8", id="not UTF-8"),
    pytest.param("[" * 100_000, "application/json", "body_not_json", id="deep nesting"),
])
def test_malformed_json_gets_422_never_500(http: requests.Session, stayprivate_mock: MockHandle, data: Any, content_type: str, reason: str) -> None:
    reply = call(http, stayprivate_mock, "POST", spec.SEND_NEW_PATH, headers={**auth(), "Content-Type": content_type}, data=data)
    assert_error(reply, 422, "invalid_json")
    assert last_reason(stayprivate_mock) in {reason, "body_too_deep"}


def test_json_methods_need_the_json_content_type(http: requests.Session, stayprivate_mock: MockHandle) -> None:
    reply = call(http, stayprivate_mock, "POST", spec.PREPARE_NEW_PATH, headers={**auth(), "Content-Type": "text/plain"},
                 data=json.dumps({"senderEmail": SENDER}))
    assert_error(reply, 422, "invalid_content_type")
    reply = call(http, stayprivate_mock, "POST", spec.PREPARE_NEW_PATH, data={"senderEmail": SENDER})  # form-encoded, like curl -d
    assert_error(reply, 422, "invalid_content_type")


def test_sender_on_a_prepared_send_is_rejected_or_ignored(http: requests.Session, mock_server: Any) -> None:
    strict = mock_server("stayprivate")
    email_ref = prepare(http, strict)
    reply = call(http, strict, "POST", f"/1.0/emails/{email_ref}/send", json_body={"senderEmail": SENDER, "emailToList": "a@example.org"})
    assert_error(reply, 422, "sender_email_not_allowed")
    assert strict.model.email(email_ref).status == "prepared"
    lenient = mock_server("stayprivate", sender_on_prepared_send="ignore")
    email_ref = prepare(http, lenient)
    reply = call(http, lenient, "POST", f"/1.0/emails/{email_ref}/send", json_body={"senderEmail": SENDER, "emailToList": "a@example.org"})
    assert reply.status_code == 200 and "sender_on_prepared_send_ignored" in lenient.requests()[-1].warnings


def test_nothing_changes_after_send(http: requests.Session, stayprivate_mock: MockHandle) -> None:
    mock = stayprivate_mock
    email_ref = prepare(http, mock)
    file_ref = upload(http, mock, email_ref).json()["data"]["fileRef"]
    assert call(http, mock, "POST", f"/1.0/emails/{email_ref}/send", json_body={"emailToList": "a@example.org"}).status_code == 200
    attempts = [
        upload(http, mock, email_ref),
        upload(http, mock, email_ref, file_ref=file_ref),
        call(http, mock, "DELETE", f"/1.0/emails/{email_ref}/attachments/{file_ref}"),
        call(http, mock, "POST", f"/1.0/emails/{email_ref}/prepare", json_body={"senderEmail": SENDER}),
        call(http, mock, "POST", f"/1.0/emails/{email_ref}/send", json_body={"emailToList": "a@example.org"}),
    ]
    for reply in attempts:
        assert_error(reply, 422, "email_already_sent")
    assert len(mock.messages()) == 1 and len(mock.model.email(email_ref).attachments) == 1


def test_one_call_emails_cannot_get_attachments(http: requests.Session, stayprivate_mock: MockHandle) -> None:
    mock = stayprivate_mock
    call(http, mock, "POST", spec.SEND_NEW_PATH, json_body={"senderEmail": SENDER, "emailToList": "a@example.org"})
    email_ref = mock.messages()[0].message_id
    assert_error(upload(http, mock, email_ref), 422, "email_already_sent")
    assert last_reason(mock) == "email_sent_without_prepare"


def test_file_ref_must_belong_to_the_email(http: requests.Session, stayprivate_mock: MockHandle) -> None:
    mock = stayprivate_mock
    first, second = prepare(http, mock), prepare(http, mock)
    file_ref = upload(http, mock, first).json()["data"]["fileRef"]
    assert_error(upload(http, mock, second, file_ref=file_ref), 422, "file_not_found")
    assert last_reason(mock) == "file_ref_other_email"
    assert_error(call(http, mock, "DELETE", f"/1.0/emails/{second}/attachments/{file_ref}"), 422, "file_not_found")
    assert_error(upload(http, mock, first, file_ref="no-such-file"), 422, "file_not_found")
    assert last_reason(mock) == "file_ref_unknown"


UPLOAD_CASES: list[tuple[str, dict[str, Any], str, str]] = [
    ("wrong field name", {"field": "file"}, "attachment_missing", "attachment_field_missing"),
    ("e-sign flag lowercase", {"esign": "y"}, "invalid_esign_flag", "esign_flag_invalid"),
    ("e-sign flag YES", {"esign": "YES"}, "invalid_esign_flag", "esign_flag_invalid"),
    ("empty file", {"data": b""}, "attachment_invalid", "attachment_empty"),
]


@pytest.mark.parametrize(("kwargs", "code", "reason"), [pytest.param(k, c, r, id=n) for n, k, c, r in UPLOAD_CASES])
def test_bad_uploads_get_422(http: requests.Session, stayprivate_mock: MockHandle, kwargs: dict[str, Any], code: str, reason: str) -> None:
    email_ref = prepare(http, stayprivate_mock)
    assert_error(upload(http, stayprivate_mock, email_ref, **kwargs), 422, code)
    assert last_reason(stayprivate_mock) == reason
    assert stayprivate_mock.model.email(email_ref).attachments == {}


def test_upload_needs_multipart_with_a_file_part(http: requests.Session, stayprivate_mock: MockHandle) -> None:
    mock = stayprivate_mock
    email_ref = prepare(http, mock)
    path = f"/1.0/emails/{email_ref}/attachments/upload"
    assert_error(call(http, mock, "POST", path, json_body={"emailAttachment": "x"}), 422, "invalid_content_type")
    plain_field = call(http, mock, "POST", path, files={"emailAttachment": (None, b"not a file")})
    assert_error(plain_field, 422, "attachment_invalid")
    assert last_reason(mock) == "attachment_not_a_file"
    two = call(http, mock, "POST", path, files=[("emailAttachment", ("a.pdf", b"a")), ("emailAttachment", ("b.pdf", b"b"))])
    assert_error(two, 422, "attachment_invalid")
    assert last_reason(mock) == "attachment_multiple"
    truncated = call(http, mock, "POST", path, headers={**auth(), "Content-Type": "multipart/form-data; boundary=XYZ"},
                     data=b'--XYZ\r\nContent-Disposition: form-data; name="emailAttachment"; filename="a.pdf"\r\n\r\nunterminated')
    assert_error(truncated, 422, "invalid_multipart")
    no_boundary = call(http, mock, "POST", path, headers={**auth(), "Content-Type": "multipart/form-data"}, data=b"--x\r\n")
    assert_error(no_boundary, 422, "invalid_multipart")
    assert mock.model.email(email_ref).attachments == {}


def test_attachment_size_and_count_caps(http: requests.Session, mock_server: Any) -> None:
    mock = mock_server("stayprivate", max_attachment_bytes=1000, max_attachments_per_email=2)
    email_ref = prepare(http, mock)
    assert upload(http, mock, email_ref, b"x" * 1000).status_code == 200
    assert_error(upload(http, mock, email_ref, b"x" * 1001), 422, "attachment_too_large")
    assert upload(http, mock, email_ref, b"y").status_code == 200
    assert_error(upload(http, mock, email_ref, b"z"), 422, "too_many_attachments")


def test_body_over_the_limit_gets_413_in_the_seed_shape(http: requests.Session, mock_server: Any) -> None:
    mock = mock_server("stayprivate", max_body_bytes=2048)
    email_ref = prepare(http, mock)
    reply = upload(http, mock, email_ref, b"x" * 5000)
    assert_error(reply, 413, "payload_too_large")


def test_utf8_file_names_survive(http: requests.Session, stayprivate_mock: MockHandle) -> None:
    email_ref = prepare(http, stayprivate_mock)
    reply = upload(http, stayprivate_mock, email_ref, name="Grüße 李.pdf")
    assert reply.status_code == 200, reply.text
    (attachment,) = stayprivate_mock.model.email(email_ref).attachments.values()
    assert attachment.file_name == "Grüße 李.pdf"


def test_unknown_fields_are_warned_or_rejected(http: requests.Session, mock_server: Any) -> None:
    lenient = mock_server("stayprivate")
    reply = call(http, lenient, "POST", spec.PREPARE_NEW_PATH, json_body={"senderEmail": SENDER, "emailToList": "a@example.org"})
    assert reply.status_code == 200 and lenient.requests()[-1].warnings == ["unknown_field:emailToList"]
    strict = mock_server("stayprivate", unknown_fields="reject")
    assert_error(call(http, strict, "POST", spec.PREPARE_NEW_PATH, json_body={"senderEmail": SENDER, "to": "x"}), 422, "invalid_request")


def test_routes_and_methods(http: requests.Session, stayprivate_mock: MockHandle) -> None:
    assert_error(call(http, stayprivate_mock, "GET", spec.PREPARE_NEW_PATH), 405, "method_not_allowed")
    assert_error(call(http, stayprivate_mock, "POST", "/1.0/emails/x/unknown"), 404, "not_found")


def test_scripted_faults_use_the_seed_shape(http: requests.Session, stayprivate_mock: MockHandle) -> None:
    stayprivate_mock.fault(500, path=spec.SEND_NEW_PATH)
    assert_error(call(http, stayprivate_mock, "POST", spec.SEND_NEW_PATH, json_body={}), 500, "internal_error")


def test_no_request_in_this_module_produced_a_5xx_by_accident(http: requests.Session, stayprivate_mock: MockHandle) -> None:
    """Hostile inputs in one go; none may end as the mock's own internal_error."""
    mock = stayprivate_mock
    email_ref = prepare(http, mock)
    hostile = [
        ("POST", spec.SEND_NEW_PATH, {**auth(), "Content-Type": "application/json"}, b'{"senderEmail": {"$gt": ""}}'),
        ("POST", spec.SEND_NEW_PATH, {**auth(), "Content-Type": "application/json"}, b'{"emailToList": 1e999, "senderEmail": "a@example.com"}'),
        ("POST", f"/1.0/emails/{email_ref}/attachments/upload", {**auth(), "Content-Type": "multipart/form-data; boundary="}, b"--\r\n"),
        ("POST", f"/1.0/emails/{email_ref}/attachments/upload", {**auth(), "Content-Type": "multipart/form-data; boundary=a"},
         b"--a\r\nContent-Disposition: attachment\r\n\r\nx\r\n--a--\r\n"),
        ("POST", f"/1.0/emails/{email_ref}/attachments/upload", {**auth(), "Content-Type": "multipart/mixed; boundary=a"},
         b"--a\r\n\r\nx\r\n--a--\r\n"),
        ("POST", spec.SEND_NEW_PATH, {spec.HEADER_COMPANY_ID: COMPANY, "Authorization": "Bearer " + "A" * 8100}, b"{}"),
        ("POST", spec.SEND_NEW_PATH, {spec.HEADER_COMPANY_ID: COMPANY, "Authorization": "Bearer a.b.c"}, b"{}"),
        ("POST", spec.SEND_NEW_PATH, {spec.HEADER_COMPANY_ID: COMPANY, "Authorization": "Bearer " + _forged({"alg": ["RS256"]}, {})}, b"{}"),
        ("POST", spec.SEND_NEW_PATH, {spec.HEADER_COMPANY_ID: COMPANY, "Authorization": "Bearer " + token(exp=10**400)}, b"{}"),
    ]
    for method, path, headers, body in hostile:
        reply = http.request(method, mock.url + path, headers=headers, data=body, timeout=10)
        assert 400 <= reply.status_code < 500, (path, reply.status_code, reply.text)
        assert reply.json()["success"] is False
    assert not [e for e in mock.requests() if (e.status or 0) >= 500], mock.explain()


# --- uploads in flight (how flow order becomes observable) ----------------------------------
def test_send_while_an_upload_is_in_flight_is_warned_or_rejected(http: requests.Session, mock_server: Any) -> None:
    lenient = mock_server("stayprivate")
    email_ref = prepare(http, lenient)
    lenient.model.begin_upload(email_ref)  # an upload whose body arrived but is not stored yet
    try:
        reply = call(http, lenient, "POST", f"/1.0/emails/{email_ref}/send", json_body={"emailToList": "a@example.org"})
    finally:
        lenient.model.end_upload(email_ref)
    assert reply.status_code == 200
    entry = lenient.requests()[-1]
    assert "send_while_upload_in_flight" in entry.warnings and entry.details["uploads_in_flight"] == 1

    strict = mock_server("stayprivate", send_during_upload="reject")
    email_ref = prepare(http, strict)
    strict.model.begin_upload(email_ref)
    try:
        assert_error(call(http, strict, "POST", f"/1.0/emails/{email_ref}/send", json_body={"emailToList": "a@example.org"}),
                     422, "upload_in_progress")
    finally:
        strict.model.end_upload(email_ref)
    assert strict.model.uploads_in_flight(email_ref) == 0 and strict.model.email(email_ref).status == "prepared"


def test_an_upload_that_finishes_after_the_send_is_refused(http: requests.Session, stayprivate_mock: MockHandle) -> None:
    from sealmail.mockservers.core import Rejection
    from sealmail.mockservers.providers.stayprivate.uploads import UploadedFile, UploadForm

    mock = stayprivate_mock
    email_ref = prepare(http, mock)
    company = mock.model.companies.get(COMPANY)
    mock.model.check_uploadable(company, email_ref, None)  # the upload starts while the email is unsent...
    assert call(http, mock, "POST", f"/1.0/emails/{email_ref}/send", json_body={"emailToList": "a@example.org"}).status_code == 200
    form = UploadForm(file=UploadedFile("late.pdf", "application/pdf", b"late"), esign=False, esign_given=False,
                      unknown_fields=(), field_names=("emailAttachment",))
    with pytest.raises(Rejection) as raised:  # ...and is stored after the send went out
        mock.model.upload(company, email_ref, None, form)
    assert raised.value.reason == "email_sent_during_upload" and raised.value.code == "email_already_sent"


def test_upload_latency_holds_the_upload_in_flight(http: requests.Session, mock_server: Any) -> None:
    mock = mock_server("stayprivate", upload_latency_ms=50)
    email_ref = prepare(http, mock)
    reply = upload(http, mock, email_ref)
    assert reply.status_code == 200 and mock.model.uploads_in_flight(email_ref) == 0
    assert len(mock.model.email(email_ref).attachments) == 1
