"""autosend vectors beyond the shared checks: key-import replay, client key checks, reproducible key wrapping."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests

from sealmail.conformance.clients.autosend import JwksError, usable_keys
from sealmail.mockservers.core import MockHandle
from sealmail.mockservers.crypto import jwe
from sealmail.vectors.generators.autosend import GENERATOR
from sealmail.vectors.schema import load_provider


def _file(name: str) -> Any:
    return next(f for f in load_provider("autosend") if f.name == name)


def test_wycheproof_oaep_vectors_replay_once_the_key_is_imported(autosend_mock: MockHandle) -> None:
    vectors = _file("wycheproof_rsa_oaep").tests()
    imported = requests.post(autosend_mock.url + "/__mock__/keys/import", json={"jwk": vectors[0].inputs["private_jwk"]}, timeout=5)
    assert imported.status_code == 200, imported.text
    config = autosend_mock.config
    outcomes = []
    for test in vectors:
        headers = {"Authorization": f"Bearer {config['api_key']}", "Content-Type": "application/json",
                   "X-Payload-Encryption": "jwe", "X-Key-Id": test.inputs["kid"]}
        response = requests.post(autosend_mock.url + test.inputs["path"], json={"encryptedData": test.inputs["jwe"]}, headers=headers, timeout=5)
        code = GENERATOR.error_code(response.status_code, response.json())
        outcomes.append((test.tcId, response.status_code, code) == (test.tcId, test.expected["status"], test.expected["error_code"]))
    assert all(outcomes), [t.tcId for t, ok in zip(vectors, outcomes) if not ok]
    assert sum(t.result == "valid" for t in vectors) == 1
    rejected = [e for e in autosend_mock.rejections()]
    assert {e.reason for e in rejected} <= {"rsa_oaep_unwrap_failed", "cek_length", "rsa_ciphertext_length"}
    assert len({e.reason for e in rejected}) >= 2, "the journal tells the causes apart even though the caller cannot"


def test_wycheproof_jwks_verdicts_match_the_client_key_checks() -> None:
    for test in _file("wycheproof_jwks").tests():
        jwk = test.inputs["jwk"]
        try:
            jwe.import_encryption_key(jwk)
            accepted = True
        except jwe.KeyRejected:
            accepted = False
        assert accepted == test.expected["usable"], test.comment
        if test.expected["usable"]:
            assert [k.kid for k in usable_keys({"keys": [jwk]})] == [jwk["kid"]]
        else:
            with pytest.raises(JwksError):
                usable_keys({"keys": [jwk]})
    assert {t.expected["usable"] for t in _file("wycheproof_jwks").tests()} == {True, False}


def test_encrypted_keys_are_reproducible_and_unwrap_to_the_recorded_cek() -> None:
    """The RSA-OAEP seed comes from the generator's seed: two generations give the same encrypted keys,
    another seed other ones, and every encrypted key still opens (the verifier unwraps it with pycryptodome)."""
    first, second, other = GENERATOR.generate(11), GENERATOR.generate(11), GENERATOR.generate(12)
    keys = [[_encrypted_key(t) for t in f.tests()] for f in first]
    assert keys == [[_encrypted_key(t) for t in f.tests()] for f in second]
    assert keys != [[_encrypted_key(t) for t in f.tests()] for f in other]
    wrapped = [k for file_keys in keys for k in file_keys if k]
    assert len(wrapped) > 50 and len(set(wrapped)) > 40, "fresh OAEP seeds per case, not one reused"
    assert all(GENERATOR.verify(f) == [] for f in first)


def _encrypted_key(test: Any) -> str | None:
    token = _token(test)
    if token is None or token.lstrip().startswith("{") or token.count(".") != 4:
        return None
    return token.split(".")[1] or None


def _token(test: Any) -> str | None:
    if isinstance(test.inputs.get("jwe"), str):
        return test.inputs["jwe"]
    if test.request is None:
        return None
    try:
        body = json.loads(test.request.body)
    except ValueError:
        return None
    return body.get("encryptedData") if isinstance(body, dict) and isinstance(body.get("encryptedData"), str) else None


def test_own_vectors_cover_the_issue_cases() -> None:
    comments = " | ".join(t.comment for t in _file("jwe_requests").tests())
    for needle in ("alg RSA1_5", "alg RSA-OAEP (SHA-1)", "alg dir", "enc A128GCM", "enc A128CBC-HS256", "header members reordered",
                   "encrypted key: first bit", "IV: bit flipped", "ciphertext: bit flipped", "tag: bit flipped",
                   "unknown kid", "zip DEF", "crit", "4 segments", "6 segments"):
        assert needle in comments, needle
    codes = {t.expected["error_code"] for t in _file("jwe_requests").tests()}
    assert {"INVALID_JWE", "UNKNOWN_KEY_ID", "DECRYPTION_FAILED", None} <= codes
