"""StayPrivate mistakes of clients in other languages: JWT time claims in epoch milliseconds (JavaScript's Date.now(),
Java's currentTimeMillis()), a multipart upload under a Content-Type of the client's own.

RFC 7519 section 2: NumericDate counts seconds. A millisecond ``exp`` is a token valid for ~56,000 years: accepted
(the seed sets no maximum lifetime, FIDELITY.md) but named in the journal; a millisecond ``iat``/``nbf`` is "in the
future", and the detail says why.
"""

from __future__ import annotations

import time

import requests

from sealmail.mockservers.core import MockHandle
from sealmail.mockservers.crypto.jwt import load_rsa_private_key, sign_jwt
from sealmail.mockservers.providers.stayprivate import spec
from sealmail.mockservers.providers.stayprivate.test_keys import DEFAULT_PRIVATE_KEY_PEM

KEY = load_rsa_private_key(DEFAULT_PRIVATE_KEY_PEM)
EMAIL = {"senderEmail": "sender@example.com", "emailSubject": "Hi", "emailToList": "ana@example.org"}


def _send(mock: MockHandle, claims: dict[str, int]) -> requests.Response:
    token = sign_jwt({"iss": spec.DEFAULT_COMPANY_API_ID, **claims}, KEY)
    return requests.post(f"{mock.url}/1.0/emails/send", json=EMAIL, timeout=10,
                         headers={"Authorization": f"Bearer {token}", spec.HEADER_COMPANY_ID: spec.DEFAULT_COMPANY_API_ID})


def test_exp_in_milliseconds_is_accepted_with_a_warning_naming_the_unit(stayprivate_mock: MockHandle) -> None:
    answer = _send(stayprivate_mock, {"exp": int(time.time() * 1000) + 300_000})
    assert answer.status_code == 200
    [entry] = stayprivate_mock.requests()
    [warning] = [w for w in entry.warnings if w.startswith("exp_in_milliseconds")]
    assert "seconds" in warning


def test_exp_in_seconds_has_no_unit_warning(stayprivate_mock: MockHandle) -> None:
    assert _send(stayprivate_mock, {"exp": int(time.time()) + 300}).status_code == 200
    [entry] = stayprivate_mock.requests()
    assert not [w for w in entry.warnings if "milliseconds" in w]


def test_iat_in_milliseconds_is_refused_and_the_detail_names_the_unit(stayprivate_mock: MockHandle) -> None:
    now_ms = int(time.time() * 1000)
    answer = _send(stayprivate_mock, {"iat": now_ms, "exp": now_ms // 1000 + 300})
    assert answer.status_code == 401
    [entry] = stayprivate_mock.rejections()
    assert entry.reason == "iat_in_future"
    assert "milliseconds" in (entry.detail or "")


def test_a_multipart_upload_under_a_json_content_type_says_who_sets_the_header(stayprivate_mock: MockHandle) -> None:
    """Node's FormData / requests' files= with a default Content-Type: application/json left in the headers."""
    token = sign_jwt({"iss": spec.DEFAULT_COMPANY_API_ID, "exp": int(time.time()) + 300}, KEY)
    headers = {"Authorization": f"Bearer {token}", spec.HEADER_COMPANY_ID: spec.DEFAULT_COMPANY_API_ID}
    ref = requests.post(f"{stayprivate_mock.url}/1.0/emails/prepare", json=EMAIL, headers=headers, timeout=10).json()["data"]["emailRef"]
    multipart = requests.Request("POST", "http://x", files={"emailAttachment": ("a.pdf", b"%PDF-1.7", "application/pdf")}).prepare()
    answer = requests.post(f"{stayprivate_mock.url}/1.0/emails/{ref}/attachments/upload", data=multipart.body, timeout=10,
                           headers={**headers, "Content-Type": "application/json"})
    assert answer.status_code == 422
    [entry] = stayprivate_mock.rejections()
    assert entry.reason == "content_type_not_multipart"
    assert "the body is multipart" in (entry.detail or "") and "boundary" in (entry.detail or "")


def test_a_token_signed_with_another_key_says_which_key_is_registered(stayprivate_mock: MockHandle) -> None:
    from sealmail.mockservers.providers.stayprivate.test_keys import OTHER_PRIVATE_KEY_PEM

    token = sign_jwt({"iss": spec.DEFAULT_COMPANY_API_ID, "exp": int(time.time()) + 300}, load_rsa_private_key(OTHER_PRIVATE_KEY_PEM))
    answer = requests.post(f"{stayprivate_mock.url}/1.0/emails/send", json=EMAIL, timeout=10,
                           headers={"Authorization": f"Bearer {token}", spec.HEADER_COMPANY_ID: spec.DEFAULT_COMPANY_API_ID})
    assert answer.status_code == 401
    [entry] = stayprivate_mock.rejections()
    assert entry.reason == "signature_invalid"
    assert "private_key_pem" in (entry.detail or "") and "/__mock__/companies" in (entry.detail or "")
