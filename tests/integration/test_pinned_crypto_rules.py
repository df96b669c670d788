"""Rules that held before issue 13 but that no test pinned (breaking either left the suite green)."""

from __future__ import annotations

import base64
import json
import os
from typing import Any

import pytest
import requests
from jwcrypto.common import base64url_decode, base64url_encode

from sealmail.conformance.clients.netcore_ce import activity, encode_activities
from sealmail.mockservers.core import MockHandle
from sealmail.mockservers.crypto import aes_gcm, jwe
from sealmail.mockservers.providers.autosend import envelope as autosend_envelope
from tests.integration.test_netcore_ce_mock import one, post


# --- autosend: RFC 3218 section 2.3.2 -------------------------------------------------------------
def _garbled_token(mock: MockHandle) -> str:
    key = requests.get(mock.url + "/v1/jwks.json", timeout=5).json()["keys"][0]
    token = jwe.encrypt_compact(b'{"email": "jane@example.com"}', jwe.import_encryption_key(key), kid=key["kid"])
    header, encrypted_key, iv, ciphertext, tag = token.split(".")
    wrong = base64url_encode(os.urandom(len(base64url_decode(encrypted_key))))
    return ".".join((header, wrong, iv, ciphertext, tag))


def test_autosend_runs_content_decryption_with_a_random_key_after_an_unwrap_failure(
        autosend_mock: MockHandle, monkeypatch: pytest.MonkeyPatch) -> None:
    """A padding-oracle defence: the failed unwrap and the failed tag take the same path (same work, same answer)."""
    calls: list[bytes] = []
    real_decrypt = aes_gcm.decrypt

    def recording_decrypt(key: bytes, iv: bytes, data: bytes, aad: bytes | None = None) -> bytes:
        calls.append(key)
        return real_decrypt(key, iv, data, aad)

    monkeypatch.setattr(jwe.aes_gcm, "decrypt", recording_decrypt)
    # The journal's hint runs after the answer and tries PKCS#1 v1.5 too; with OpenSSL's implicit rejection
    # that "succeeds" on random bytes with a synthetic key of random length, which would be recorded here.
    monkeypatch.setattr(autosend_envelope, "unwrap_failure_hint", lambda *args: None)
    headers = {"Authorization": f"Bearer {autosend_mock.config['api_key']}", "Content-Type": "application/json",
               "X-Payload-Encryption": "jwe"}
    for _ in range(2):
        body = json.dumps({"encryptedData": _garbled_token(autosend_mock)})
        reply = requests.post(autosend_mock.url + "/v1/contacts/email", data=body, headers=headers, timeout=5)
        assert reply.status_code == 400 and reply.json()["error"]["code"] == "DECRYPTION_FAILED", reply.text
        assert autosend_mock.requests()[-1].reason == "rsa_oaep_unwrap_failed"
    assert len(calls) == 2, "the content decryption was skipped after the unwrap failed"
    assert all(len(key) == 32 for key in calls)  # an A256GCM key
    assert calls[0] != calls[1] and bytes(32) not in calls  # random, not a fixed or zero key


# --- netcore-ce: the GCM nonce memory is per key ------------------------------------------------------
def test_netcore_ce_two_assets_with_different_keys_may_use_the_same_nonce(netcore_ce_mock: MockHandle) -> None:
    other_key = os.urandom(32)
    registered = requests.post(netcore_ce_mock.url + "/__mock__/assets", timeout=5,
                               json={"asset": "second-asset", "key": base64.b64encode(other_key).decode()})
    assert registered.status_code == 200, registered.text
    nonce = bytes(range(12))
    key = base64.b64decode(netcore_ce_mock.config["gcm_key"])
    first = base64.b64encode(nonce + aes_gcm.encrypt(key, nonce, encode_activities([one(netcore_ce_mock)]))).decode()
    second_plain = encode_activities([activity("second-asset", "form_submitted", "9999911111", {"day": "Tuesday"})])
    second = base64.b64encode(nonce + aes_gcm.encrypt(other_key, nonce, second_plain)).decode()
    assert post(netcore_ce_mock, first, ecode=11258).status_code == 200
    reply = post(netcore_ce_mock, second, ecode=11258, asset="second-asset")
    assert reply.status_code == 200, netcore_ce_mock.explain()
    assert [entry.warnings for entry in netcore_ce_mock.requests(path="/v1/activity/upload")] == [[], []]
    # ...while the same nonce under the first key again, for other data, is still caught.
    again = base64.b64encode(nonce + aes_gcm.encrypt(key, nonce, encode_activities([one(netcore_ce_mock, identity="x")]))).decode()
    assert post(netcore_ce_mock, again, ecode=11258).status_code == 400
    assert netcore_ce_mock.requests()[-1].reason == "gcm_nonce_reused"


# --- netcore-email: a valid ciphertext under a 16-byte IV ----------------------------------------------
def test_netcore_email_refuses_a_valid_ciphertext_made_with_a_16_byte_iv(netcore_email_mock: MockHandle) -> None:
    """AES-GCM itself accepts a 16-byte nonce, so this decrypts fine; the seed fixes the IV at 12 bytes."""
    key, iv = os.urandom(32), os.urandom(16)
    payload: dict[str, Any] = {"from": {"email": "s@example.com"}, "subject": "hi",
                               "content": [{"type": "html", "value": "<p>x</p>"}],
                               "personalizations": [{"to": [{"email": "r@example.com"}]}]}
    sealed = aes_gcm.encrypt(key, iv, json.dumps(payload).encode())
    assert aes_gcm.decrypt(key, iv, sealed) == json.dumps(payload).encode()  # the ciphertext is valid
    headers = {"Authorization": f"Bearer {netcore_email_mock.config['api_key']}", "Content-Type": "application/json",
               "X-Encryption": "1", "X-Encryption-Version": "2",
               "X-AES-KEY": base64.b64encode(key).decode(), "X-AES-IV": base64.b64encode(iv).decode()}
    reply = requests.post(netcore_email_mock.url + "/v6/mail/send", data=base64.b64encode(sealed), headers=headers, timeout=5)
    assert reply.status_code == 400 and reply.json()["error"][0]["code"] == "invalid_aes_iv", reply.text
    assert netcore_email_mock.requests()[-1].reason == "aes_iv_length"
    assert netcore_email_mock.messages() == []
