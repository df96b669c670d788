"""AES-256-CBC/PKCS#7 and the netcore-ce envelope against independent data.

- Wycheproof aes_cbc_pkcs5_test.json, keySize 256 group: every valid case
  decrypts (and encrypts back) exactly; every BadPadding/NoPadding case fails,
  and through the envelope every one of them, valid ones too (their plaintexts
  are not JSON), ends in the same single failure class.
- Wycheproof aes_gcm_test.json, 256-bit key, 96-bit IV, 128-bit tag, no AAD:
  carried in the 11258 layout base64(nonce || ct || tag).
- pycryptodome (an independent implementation) for random inputs.
"""

from __future__ import annotations

import base64
from typing import Any

import pytest
from Crypto.Cipher import AES
from Crypto.Util.Padding import pad, unpad
from hypothesis import given, settings
from hypothesis import strategies as st

from sealmail.mockservers.crypto import CryptoError, DecryptionFailed, aes_cbc
from sealmail.mockservers.providers.netcore_ce import spec
from sealmail.mockservers.providers.netcore_ce.credentials import Credential
from sealmail.mockservers.providers.netcore_ce.envelope import open_request
from sealmail.vectors import wycheproof

CBC_CASES = [t for _, t in wycheproof.cases("aes_cbc_pkcs5_test", lambda g: g["keySize"] == 256)]
GCM_CASES = [t for _, t in wycheproof.cases("aes_gcm_test", lambda g: g["keySize"] == 256 and g["ivSize"] == 96 and g["tagSize"] == 128)]
ENVELOPE_REASONS = {
    "cbc_bad_padding", "cbc_empty", "plaintext_not_utf8", "plaintext_not_json", "gcm_tag_mismatch",
}


def _hex(case: dict[str, Any], name: str) -> bytes:
    return bytes.fromhex(case[name])


def _cbc_credential(case: dict[str, Any]) -> Credential:
    return Credential("cbc", "(wycheproof)", "(wycheproof)", _hex(case, "key"), _hex(case, "iv"))


def test_the_wycheproof_subsets_are_the_expected_ones() -> None:
    assert len(CBC_CASES) == 72
    assert sum(c["result"] == "valid" for c in CBC_CASES) == 24
    assert {f for c in CBC_CASES if c["result"] == "invalid" for f in c["flags"]} == {"BadPadding", "NoPadding"}
    assert len(GCM_CASES) == 66


@pytest.mark.parametrize("case", [c for c in CBC_CASES if c["result"] == "valid"], ids=lambda c: f"tc{c['tcId']}")
def test_cbc_valid_case_round_trips(case: dict[str, Any]) -> None:
    key, iv, msg, ct = (_hex(case, n) for n in ("key", "iv", "msg", "ct"))
    assert aes_cbc.decrypt(key, iv, ct) == msg
    assert aes_cbc.encrypt(key, iv, msg) == ct


@pytest.mark.parametrize("case", [c for c in CBC_CASES if c["result"] == "invalid"], ids=lambda c: f"tc{c['tcId']}")
def test_cbc_invalid_case_fails_after_doing_the_full_work(case: dict[str, Any]) -> None:
    key, iv, ct = (_hex(case, n) for n in ("key", "iv", "ct"))
    outcome = aes_cbc.decrypt_uniform(key, iv, ct)
    assert not outcome.ok
    assert outcome.failure is not None and outcome.failure.reason == ("cbc_empty" if not ct else "cbc_bad_padding")
    assert len(outcome.plaintext) == max(len(ct), 16)  # the raw buffer: decrypted whole, nothing cut short
    with pytest.raises(DecryptionFailed):
        aes_cbc.decrypt(key, iv, ct)


@pytest.mark.parametrize("ecode", [11256, 11257])
def test_every_wycheproof_cbc_case_through_the_envelope_is_one_failure_class(ecode: int) -> None:
    """Valid or BadPadding, the caller cannot tell: all raise DecryptionFailed (one response); reasons differ only in the journal."""
    method = spec.METHODS[ecode]
    reasons: dict[str, set[str]] = {"valid": set(), "invalid": set()}
    for case in CBC_CASES:
        ct = _hex(case, "ct")
        text = base64.b64encode(ct).decode() if ecode == 11256 else ct.hex()
        with pytest.raises(CryptoError) as caught:
            open_request(method, _cbc_credential(case), text)
        assert isinstance(caught.value, DecryptionFailed)
        reasons[case["result"]].add(caught.value.reason)
    assert reasons["invalid"] == {"cbc_bad_padding", "cbc_empty"}
    assert reasons["valid"] <= {"plaintext_not_utf8", "plaintext_not_json"}  # padding passed; the bytes are not JSON


def test_a_wycheproof_key_decrypts_json_through_the_envelope() -> None:
    case = CBC_CASES[0]
    plaintext = b'[{"a": 1}]'
    text = base64.b64encode(aes_cbc.encrypt(_hex(case, "key"), _hex(case, "iv"), plaintext)).decode()
    assert open_request(spec.METHODS[11256], _cbc_credential(case), text).payload == [{"a": 1}]


def _gcm_text(case: dict[str, Any]) -> str:
    return base64.b64encode(_hex(case, "iv") + _hex(case, "ct") + _hex(case, "tag")).decode()


def _gcm_credential(case: dict[str, Any]) -> Credential:
    return Credential("gcm", "(wycheproof)", None, _hex(case, "key"), None)


@pytest.mark.parametrize("case", GCM_CASES, ids=lambda c: f"tc{c['tcId']}")
def test_gcm_wycheproof_case_in_the_11258_layout(case: dict[str, Any]) -> None:
    """Valid without AAD: the tag verifies (then the non-JSON plaintext fails parsing); anything else: tag mismatch."""
    with pytest.raises(DecryptionFailed) as caught:
        open_request(spec.METHODS[11258], _gcm_credential(case), _gcm_text(case))
    if case["result"] == "valid" and not case["aad"]:
        assert caught.value.reason in {"plaintext_not_utf8", "plaintext_not_json"}
    else:
        assert caught.value.reason == "gcm_tag_mismatch"


def test_gcm_envelope_decrypts_json_and_reports_the_nonce() -> None:
    from sealmail.mockservers.crypto import aes_gcm

    key, nonce = bytes(range(32)), bytes(range(12))
    text = base64.b64encode(nonce + aes_gcm.encrypt(key, nonce, b"[]")).decode()
    opened = open_request(spec.METHODS[11258], Credential("gcm", "k", None, key, None), text)
    assert (opened.payload, opened.nonce, opened.ciphertext_bytes) == ([], nonce, 12 + 2 + 16)


# --- pycryptodome cross-check ---------------------------------------------------------------
_key = st.binary(min_size=32, max_size=32)
_iv = st.binary(min_size=16, max_size=16)


@settings(max_examples=max(20, settings.default.max_examples))
@given(key=_key, iv=_iv, plaintext=st.binary(max_size=300))
def test_cbc_matches_pycryptodome(key: bytes, iv: bytes, plaintext: bytes) -> None:
    theirs = AES.new(key, AES.MODE_CBC, iv=iv).encrypt(pad(plaintext, 16, style="pkcs7"))
    assert aes_cbc.encrypt(key, iv, plaintext) == theirs
    assert aes_cbc.decrypt(key, iv, theirs) == plaintext


@settings(max_examples=max(20, settings.default.max_examples))
@given(key=_key, iv=_iv, blocks=st.binary(min_size=16, max_size=96).map(lambda b: b[: len(b) // 16 * 16]))
def test_cbc_padding_verdict_matches_pycryptodome(key: bytes, iv: bytes, blocks: bytes) -> None:
    """Arbitrary ciphertext: we accept exactly when pycryptodome's PKCS#7 unpad accepts."""
    raw = AES.new(key, AES.MODE_CBC, iv=iv).decrypt(blocks)
    try:
        expected: bytes | None = unpad(raw, 16, style="pkcs7")
    except ValueError:
        expected = None
    outcome = aes_cbc.decrypt_uniform(key, iv, blocks)
    assert (outcome.plaintext if outcome.ok else None) == expected


@pytest.mark.parametrize(("data", "reason"), [(b"", "cbc_empty"), (bytes(15), "cbc_length_not_block_multiple"), (bytes(17), "cbc_length_not_block_multiple")])
def test_cbc_length_failures(data: bytes, reason: str) -> None:
    outcome = aes_cbc.decrypt_uniform(bytes(32), bytes(16), data)
    assert outcome.failure is not None and outcome.failure.reason == reason
    assert len(outcome.plaintext) % 16 == 0 and outcome.plaintext  # still decrypted a whole buffer


@pytest.mark.parametrize(("key", "iv"), [(bytes(16), bytes(16)), (bytes(32), bytes(12))])
def test_cbc_refuses_other_key_and_iv_sizes(key: bytes, iv: bytes) -> None:
    with pytest.raises(ValueError):
        aes_cbc.encrypt(key, iv, b"x")
    outcome = aes_cbc.decrypt_uniform(key, iv, bytes(16))
    assert outcome.failure is not None and outcome.failure.reason == "cbc_bad_parameters"
