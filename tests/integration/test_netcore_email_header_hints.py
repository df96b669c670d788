"""netcore-email: X-AES-KEY / X-AES-IV of the wrong size say what was sent instead (hex, a CBC-sized IV)."""

from __future__ import annotations

import base64
import os

import pytest
import requests
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from sealmail.mockservers.core import MockHandle

MAIL = b'{"from": {"email": "a@example.com"}, "subject": "s", "content": [{"type": "html", "value": "x"}], ' \
       b'"personalizations": [{"to": [{"email": "b@example.com"}]}]}'


def _send(mock: MockHandle, key_header: str, iv_header: str, body: bytes) -> requests.Response:
    return requests.post(f"{mock.url}/v6/mail/send", data=base64.b64encode(body), timeout=10, headers={
        "Authorization": f"Bearer {mock.config['api_key']}", "Content-Type": "application/json",
        "X-Encryption": "1", "X-Encryption-Version": "2", "X-AES-KEY": key_header, "X-AES-IV": iv_header})


@pytest.mark.parametrize("which", ["key", "iv"])
def test_a_hex_encoded_key_or_iv_is_named_as_hex(netcore_email_mock: MockHandle, which: str) -> None:
    key, iv = os.urandom(32), os.urandom(12)
    body = AESGCM(key).encrypt(iv, MAIL, None)
    key_header = key.hex() if which == "key" else base64.b64encode(key).decode()
    iv_header = iv.hex() if which == "iv" else base64.b64encode(iv).decode()
    assert _send(netcore_email_mock, key_header, iv_header, body).status_code == 400
    [entry] = netcore_email_mock.rejections()
    assert entry.reason == f"aes_{which}_length"
    assert "hex" in (entry.detail or "") and "base64" in (entry.detail or "")


def test_a_16_byte_iv_is_named_as_cbc_sized(netcore_email_mock: MockHandle) -> None:
    key, iv = os.urandom(32), os.urandom(16)
    body = AESGCM(key).encrypt(iv, MAIL, None)
    assert _send(netcore_email_mock, base64.b64encode(key).decode(), base64.b64encode(iv).decode(), body).status_code == 400
    [entry] = netcore_email_mock.rejections()
    assert entry.reason == "aes_iv_length"
    assert "16 bytes, must be 12" in (entry.detail or "") and "12-byte" in (entry.detail or "")
