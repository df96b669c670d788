"""AES-GCM against independent data: Wycheproof through the mock's own decryption, and pycryptodome.

Wycheproof (vectors/wycheproof/aes_gcm_test.json, the groups netcore-email uses:
256-bit key, 96-bit IV, 128-bit tag) runs through
``sealmail.mockservers.providers.netcore_email.models.decrypt_body`` exactly as a request
would: key and IV as base64 headers, body base64(ct || tag). The provider uses
no AAD, so a case with AAD must be rejected even where Wycheproof says valid.
"""

from __future__ import annotations

import base64
from typing import Any

import pytest
from Crypto.Cipher import AES
from hypothesis import given, settings
from hypothesis import strategies as st

from sealmail.mockservers.core import Rejection
from sealmail.mockservers.crypto import CryptoError, DecryptionFailed, EncodingError, aes_gcm
from sealmail.mockservers.crypto.encoding import b64decode_strict, b64encode
from sealmail.mockservers.providers.netcore_email import spec
from sealmail.mockservers.providers.netcore_email.models import EncryptionHeaders, decrypt_body
from sealmail.vectors import wycheproof


def _netcore_groups(group: dict[str, Any]) -> bool:
    return group["keySize"] == 256 and group["ivSize"] == 96 and group["tagSize"] == 128


CASES = [test for _, test in wycheproof.cases("aes_gcm_test", _netcore_groups)]


def _b64(hex_text: str) -> str:
    return base64.b64encode(bytes.fromhex(hex_text)).decode("ascii")


def _decrypt_case(case: dict[str, Any]) -> bytes:
    headers = EncryptionHeaders(flag="1", version="2", key_b64=_b64(case["key"]), iv_b64=_b64(case["iv"]))
    body = _b64(case["ct"] + case["tag"]).encode("ascii")
    return decrypt_body(headers, body)


def test_the_wycheproof_subset_is_the_expected_one() -> None:
    assert len(CASES) == 66
    assert {c["result"] for c in CASES} == {"valid", "invalid"}  # no "acceptable" to argue about


@pytest.mark.parametrize("case", [c for c in CASES if c["result"] == "valid" and not c["aad"]], ids=lambda c: f"tc{c['tcId']}")
def test_valid_case_without_aad_decrypts_to_the_message(case: dict[str, Any]) -> None:
    assert _decrypt_case(case) == bytes.fromhex(case["msg"])


@pytest.mark.parametrize("case", [c for c in CASES if c["result"] == "invalid"], ids=lambda c: f"tc{c['tcId']}")
def test_invalid_case_is_rejected_as_a_decryption_failure(case: dict[str, Any]) -> None:
    with pytest.raises(Rejection) as caught:
        _decrypt_case(case)
    assert caught.value.kind == spec.DECRYPTION_FAILED
    assert caught.value.reason in {"gcm_tag_mismatch", "gcm_too_short"}


@pytest.mark.parametrize("case", [c for c in CASES if c["aad"]], ids=lambda c: f"tc{c['tcId']}")
def test_case_with_aad_is_rejected_because_the_provider_uses_none(case: dict[str, Any]) -> None:
    with pytest.raises(Rejection) as caught:
        _decrypt_case(case)
    assert caught.value.kind == spec.DECRYPTION_FAILED
    assert caught.value.reason == "gcm_tag_mismatch"


@pytest.mark.parametrize("case", [c for c in CASES if c["result"] == "valid"], ids=lambda c: f"tc{c['tcId']}")
def test_shared_primitive_accepts_valid_cases_with_their_aad(case: dict[str, Any]) -> None:
    key, iv, aad = (bytes.fromhex(case[k]) for k in ("key", "iv", "aad"))
    data = bytes.fromhex(case["ct"] + case["tag"])
    assert aes_gcm.decrypt(key, iv, data, aad or None) == bytes.fromhex(case["msg"])
    assert aes_gcm.encrypt(key, iv, bytes.fromhex(case["msg"]), aad or None) == data


# --- cross-check with pycryptodome (an independent implementation) ----------------------
_keys = st.sampled_from([16, 24, 32]).flatmap(lambda n: st.binary(min_size=n, max_size=n))
_ivs = st.binary(min_size=12, max_size=12)


@settings(max_examples=max(20, settings.default.max_examples))
@given(key=_keys, iv=_ivs, plaintext=st.binary(max_size=600), aad=st.one_of(st.none(), st.binary(min_size=1, max_size=40)))
def test_encrypt_matches_pycryptodome(key: bytes, iv: bytes, plaintext: bytes, aad: bytes | None) -> None:
    cipher = AES.new(key, AES.MODE_GCM, nonce=iv)
    if aad:
        cipher.update(aad)
    ciphertext, tag = cipher.encrypt_and_digest(plaintext)
    assert aes_gcm.encrypt(key, iv, plaintext, aad) == ciphertext + tag
    assert aes_gcm.decrypt(key, iv, ciphertext + tag, aad) == plaintext


@settings(max_examples=max(20, settings.default.max_examples))
@given(key=_keys, iv=_ivs, plaintext=st.binary(min_size=1, max_size=300), data=st.data())
def test_pycryptodome_rejects_what_the_mock_rejects(key: bytes, iv: bytes, plaintext: bytes, data: st.DataObject) -> None:
    sealed = bytearray(aes_gcm.encrypt(key, iv, plaintext))
    bit = data.draw(st.integers(0, len(sealed) * 8 - 1), label="bit")
    sealed[bit // 8] ^= 1 << (bit % 8)
    with pytest.raises(DecryptionFailed) as caught:
        aes_gcm.decrypt(key, iv, bytes(sealed))
    assert caught.value.reason == "gcm_tag_mismatch"
    with pytest.raises(ValueError):
        AES.new(key, AES.MODE_GCM, nonce=iv).decrypt_and_verify(bytes(sealed[:-16]), bytes(sealed[-16:]))


@pytest.mark.parametrize("size", [0, 1, 15])
def test_data_shorter_than_a_tag_is_too_short(size: int) -> None:
    with pytest.raises(DecryptionFailed) as caught:
        aes_gcm.decrypt(bytes(32), bytes(12), bytes(size))
    assert caught.value.reason == "gcm_too_short"


def test_tag_only_decrypts_to_empty_plaintext() -> None:
    sealed = aes_gcm.encrypt(bytes(32), bytes(12), b"")
    assert len(sealed) == aes_gcm.TAG_SIZE
    assert aes_gcm.decrypt(bytes(32), bytes(12), sealed) == b""


def test_bad_key_size_is_a_crypto_error_not_a_crash() -> None:
    with pytest.raises(DecryptionFailed) as caught:
        aes_gcm.decrypt(bytes(31), bytes(12), bytes(32))
    assert caught.value.reason == "gcm_bad_parameters"
    assert isinstance(caught.value, CryptoError)


# --- strict base64 ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        pytest.param("-_-_", id="url-safe"),
        pytest.param("QUI", id="missing-padding"),
        pytest.param("QU JD", id="inner-space"),
        pytest.param("QUJD\n", id="newline"),
        pytest.param("QUJD!", id="stray-char"),
        pytest.param("QQ==QQ==", id="padding-in-middle"),
        pytest.param("Zé==", id="non-ascii"),
    ],
)
def test_b64decode_strict_refuses_everything_but_standard_padded(text: str) -> None:
    with pytest.raises(EncodingError) as caught:
        b64decode_strict(text, reason="x_not_base64")
    assert caught.value.reason == "x_not_base64"


@given(st.binary(max_size=200))
def test_b64_round_trip_matches_the_standard_library(data: bytes) -> None:
    text = b64encode(data)
    assert text == base64.b64encode(data).decode("ascii")
    assert b64decode_strict(text) == data
    assert b64decode_strict(text.encode("ascii")) == data
