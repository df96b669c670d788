"""netcore-ce journal hints for the layout mistakes a client in any language makes (journal only: the answer stays uniform)."""

from __future__ import annotations

import base64
import json
import os

import pytest
import requests
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from sealmail.conformance.clients.netcore_ce import AES_256_CBC_BASE64, AES_256_GCM_BASE64, activity, encode_activities
from sealmail.mockservers.core import MockHandle
from sealmail.mockservers.crypto import aes_cbc
from sealmail.mockservers.providers.netcore_ce import spec

UNIFORM = {"status": "error", "code": "decryption_failed", "message": "Unable to decrypt encryptedRequest",
           "error": "Unable to decrypt encryptedRequest"}


def _plaintext(mock: MockHandle) -> bytes:
    return encode_activities([activity(mock.config["asset"], "form_submitted", "9999911111", {"day": "Tuesday"})])


def _refused_detail(mock: MockHandle, ecode: int, text: str) -> str:
    config = mock.config
    answer = requests.post(mock.url + spec.UPLOAD_PATH, data=json.dumps({"encryptedRequest": text}), timeout=10,
                           headers={"Content-Type": "application/json", "x-eCode": str(ecode), "x-asset": config["asset"],
                                    "Authorization": f"Bearer {config['api_key']}"})
    assert (answer.status_code, answer.json()) == (400, UNIFORM)
    [entry] = mock.rejections()
    return entry.detail or ""


def test_cbc_with_another_iv_names_the_iv_not_the_key(netcore_ce_mock: MockHandle) -> None:
    config = netcore_ce_mock.config
    data = aes_cbc.encrypt(config["key"].encode(), b"0123456789abcdef", _plaintext(netcore_ce_mock))
    detail = _refused_detail(netcore_ce_mock, AES_256_CBC_BASE64, base64.b64encode(data).decode())
    assert "IV" in detail and "SECRET_IV" in detail
    assert "key and IV are probably right" not in detail


def test_cbc_with_the_iv_prepended_says_so(netcore_ce_mock: MockHandle) -> None:
    config = netcore_ce_mock.config
    iv = config["iv"].encode()
    data = iv + aes_cbc.encrypt(config["key"].encode(), iv, _plaintext(netcore_ce_mock))
    detail = _refused_detail(netcore_ce_mock, AES_256_CBC_BASE64, base64.b64encode(data).decode())
    assert "prepended" in detail


def _gcm_layouts(key: bytes, plaintext: bytes) -> dict[str, bytes]:
    nonce12, nonce16 = os.urandom(12), os.urandom(16)
    sealed12 = AESGCM(key).encrypt(nonce12, plaintext, None)
    ciphertext, tag = sealed12[:-16], sealed12[-16:]
    return {
        "16-byte nonce": nonce16 + AESGCM(key).encrypt(nonce16, plaintext, None),
        "tag placed before": nonce12 + tag + ciphertext,
        "nonce placed last": sealed12 + nonce12,
    }


@pytest.mark.parametrize("mistake", ["16-byte nonce", "tag placed before", "nonce placed last"])
def test_gcm_layout_mistakes_are_named(netcore_ce_mock: MockHandle, mistake: str) -> None:
    key = base64.b64decode(netcore_ce_mock.config["gcm_key"])
    data = _gcm_layouts(key, _plaintext(netcore_ce_mock))[mistake]
    detail = _refused_detail(netcore_ce_mock, AES_256_GCM_BASE64, base64.b64encode(data).decode())
    assert mistake in detail


def test_gcm_with_another_key_gets_no_layout_guess(netcore_ce_mock: MockHandle) -> None:
    nonce = os.urandom(12)
    data = nonce + AESGCM(os.urandom(32)).encrypt(nonce, _plaintext(netcore_ce_mock), None)
    detail = _refused_detail(netcore_ce_mock, AES_256_GCM_BASE64, base64.b64encode(data).decode())
    assert "the wrong gcm_key" in detail
    assert not any(layout in detail for layout in ("16-byte nonce", "placed before", "placed last"))
