"""Properties of the autosend mock's JWE handling: no oracle, no 5xx, faithful round trips."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jwcrypto.common import base64url_decode, base64url_encode

from sealmail.mockservers.core import MockHandle, MockPool
from sealmail.mockservers.crypto import jwe
from sealmail.mockservers.providers.autosend import spec

THREE_CODES = {"INVALID_JWE", "UNKNOWN_KEY_ID", "DECRYPTION_FAILED"}
CONTACT = {"email": "prop@example.com", "firstName": "Prop"}
SETTINGS = settings(max_examples=max(15, settings.default.max_examples // 2), deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@pytest.fixture
def mock(sealmail_pool: MockPool) -> MockHandle:
    """Reset for each test (not each example): other tests may have rotated the shared mock's keys."""
    return sealmail_pool.acquire("autosend")


@pytest.fixture(scope="module")
def http() -> Any:
    with requests.Session() as session:
        yield session


@pytest.fixture
def token(mock: MockHandle) -> str:
    key = jwe.import_encryption_key(mock.model.ring.active.jwk)
    return jwe.encrypt_compact(json.dumps(CONTACT).encode(), key, kid=mock.model.ring.active.kid)


def _post(http: Any, mock: MockHandle, body: bytes, **headers: str) -> requests.Response:
    base = {"Authorization": f"Bearer {spec.DEFAULT_API_KEY}", "Content-Type": "application/json", "X-Payload-Encryption": "jwe"}
    return http.post(mock.url + spec.UPSERT_CONTACT_PATH, data=body, headers={**base, **headers}, timeout=5)


@SETTINGS
@given(segment=st.integers(0, 4), position=st.integers(0, 10**6), bit=st.integers(0, 7))
def test_any_bit_flip_is_refused_with_one_of_the_three_errors(http: Any, mock: MockHandle, token: str,
                                                              segment: int, position: int, bit: int) -> None:
    parts = token.split(".")
    raw = bytearray(base64url_decode(parts[segment]))
    raw[position % len(raw)] ^= 1 << bit
    parts[segment] = base64url_encode(bytes(raw))
    before = len(mock.messages())
    response = _post(http, mock, json.dumps({"encryptedData": ".".join(parts)}).encode())
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] in THREE_CODES and set(error) == {"message", "code"}
    if segment > 0:  # only the header can be malformed or name another kid; the rest is one uniform failure
        assert error == {"message": spec.DECRYPTION_FAILED.message, "code": "DECRYPTION_FAILED"}
    assert len(mock.messages()) == before


@SETTINGS
@given(text=st.text(alphabet=st.sampled_from("ABCDEFGHIJabcdefghij0123456789-_.=+/{}\"' "), max_size=400))
def test_arbitrary_encrypted_data_never_breaks_the_mock(http: Any, mock: MockHandle, text: str) -> None:
    response = _post(http, mock, json.dumps({"encryptedData": text}).encode(), **{"X-Key-Id": "key_2026_06"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] in THREE_CODES


@SETTINGS
@given(body=st.binary(max_size=300), mode=st.sampled_from([None, "jwe", "none", "JWE", ""]))
def test_arbitrary_bodies_get_a_4xx_in_the_autosend_shape(http: Any, mock: MockHandle, body: bytes, mode: str | None) -> None:
    headers = {} if mode is None else {"X-Payload-Encryption": mode}
    base = {"Authorization": f"Bearer {spec.DEFAULT_API_KEY}", "Content-Type": "application/json", **headers}
    response = http.post(mock.url + spec.SEND_PATH, data=body, headers=base, timeout=5)
    assert 400 <= response.status_code < 500
    assert response.json()["success"] is False


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=10,
)


@SETTINGS
@given(custom=st.dictionaries(st.text(min_size=1, max_size=12), st.text(max_size=30) | st.integers(-10**9, 10**9) | st.booleans(),
                              max_size=5),
       first_name=st.text(max_size=40), extra=json_values)
def test_encrypted_payloads_arrive_unchanged(http: Any, mock: MockHandle, custom: dict[str, Any], first_name: str, extra: Any) -> None:
    payload = {"email": "roundtrip@example.com", "firstName": first_name, "customFields": custom, "userId": json.dumps(extra)}
    key = jwe.import_encryption_key(mock.model.ring.active.jwk)
    sealed = jwe.encrypt_compact(json.dumps(payload, ensure_ascii=False).encode(), key, kid=mock.model.ring.active.kid)
    response = _post(http, mock, json.dumps({"encryptedData": sealed}).encode())
    assert response.status_code == 200, response.text
    assert mock.messages()[-1].payload == payload
