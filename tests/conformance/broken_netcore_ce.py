"""Deliberately broken netcore-ce clients: each must fail exactly the requirements it breaks."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
from typing import Any

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from sealmail.conformance.clients.http import HttpReply, read_reply
from sealmail.conformance.clients.netcore_ce import AES_256_CBC_HEX, AES_256_GCM_BASE64, UPLOAD_PATH, encode_activities, encrypt_text
from sealmail.conformance.suites.netcore_ce import Event, ReferenceAdapter
from sealmail.mockservers.crypto import aes_cbc, aes_gcm
from sealmail.mockservers.crypto.encoding import b64encode

PROVIDER = "netcore-ce"


class _Broken(ReferenceAdapter):
    """The reference adapter with one mistake switched on."""

    def __init__(self, base_url: str, config: dict[str, Any], *, mistake: str) -> None:
        super().__init__(base_url, config)
        self.base_url = base_url.rstrip("/")
        self.config = config
        self.mistake = mistake
        self.fixed_nonce = os.urandom(12)

    def generate_key_and_iv(self) -> tuple[str, str]:
        if self.mistake == "hex_key":
            return secrets.token_hex(32), secrets.token_hex(16)  # "a 256-bit key is 64 hex digits"
        return super().generate_key_and_iv()

    def activities(self, events: list[Event]) -> list[dict[str, Any]]:
        found = super().activities(events)
        if self.mistake == "local_time":
            for item, event in zip(found, events):
                item["timestamp"] = event.occurred_at.isoformat()  # keeps +05:30
        return found

    async def upload(self, events: list[Event], ecode: int) -> Any:
        if self.mistake == "success_on_400":
            return await self._send(events, ecode)  # never looks at the status
        if self.mistake == "retry_400_forever":
            while True:
                reply = await self._send(events, ecode)
                if reply.status != 400:
                    return reply
        reply = await self._send(events, ecode)
        if reply.status >= 400:
            raise RuntimeError(f"HTTP {reply.status}: {reply.body}")
        return reply.body

    def _encrypt(self, plaintext: bytes, ecode: int) -> str:
        config = self.config
        if ecode == AES_256_GCM_BASE64:
            if self.mistake == "reuse_nonce":
                key = base64.b64decode(config["gcm_key"])
                return b64encode(self.fixed_nonce + aes_gcm.encrypt(key, self.fixed_nonce, plaintext))
            text = encrypt_text(plaintext, ecode, config["gcm_key"])
            return _urlsafe(text) if self.mistake == "urlsafe_base64" else text
        key, iv = config["key"].encode(), config["iv"].encode()
        fill = -len(plaintext) % 16 or 16
        if self.mistake == "zero_padding":
            ciphertext = _cbc(key, iv, plaintext + bytes(fill))
        elif self.mistake == "x923_padding":
            ciphertext = _cbc(key, iv, plaintext + bytes(fill - 1) + bytes([fill]))
        elif self.mistake == "hashed_key":
            ciphertext = aes_cbc.encrypt(hashlib.sha256(key).digest(), iv, plaintext)  # a common PHP/Node habit
        else:
            text = encrypt_text(plaintext, ecode, config["key"], config["iv"])
            if self.mistake == "urlsafe_base64" and ecode != AES_256_CBC_HEX:
                return _urlsafe(text)
            return text.upper() if self.mistake == "upper_hex" and ecode == AES_256_CBC_HEX else text
        return ciphertext.hex() if ecode == AES_256_CBC_HEX else b64encode(ciphertext)

    async def _send(self, events: list[Event], ecode: int) -> HttpReply:
        text = self._encrypt(encode_activities(self.activities(events)), ecode)
        header_ecode = 11256 if self.mistake == "wrong_ecode" else ecode
        headers = {
            "Content-Type": "application/json",
            "x-eCode": str(header_ecode),
            "x-asset": self.config["asset"],
            "Authorization": f"Bearer {self.config['api_key']}",
        }
        session = self._clients[ecode]._http()
        async with session.post(self.base_url + UPLOAD_PATH, data=json.dumps({"encryptedRequest": text}), headers=headers) as response:
            return await read_reply(response)


def _urlsafe(text: str) -> str:
    return base64.urlsafe_b64encode(base64.b64decode(text)).decode().rstrip("=")


def _cbc(key: bytes, iv: bytes, padded: bytes) -> bytes:
    encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    return encryptor.update(padded) + encryptor.finalize()


def _factory(mistake: str) -> Any:
    def factory(base_url: str, config: dict[str, Any]) -> _Broken:
        return _Broken(base_url, config, mistake=mistake)

    factory.__name__ = factory.__qualname__ = f"broken_{mistake}"
    return factory


BROKEN_CLIENTS: dict[str, tuple[Any, frozenset[str]]] = {
    "zero padding instead of PKCS#7": (_factory("zero_padding"), frozenset({"CE-PKCS7"})),
    "ANSI X.923 padding": (_factory("x923_padding"), frozenset({"CE-PKCS7"})),
    "URL-safe base64 without padding": (_factory("urlsafe_base64"), frozenset({"CE-ENCODING"})),
    "generates a hex key": (_factory("hex_key"), frozenset({"CE-KEY-FORMAT"})),
    "hashes the shared key": (_factory("hashed_key"), frozenset({"CE-KEY-BYTES"})),
    "always sends x-eCode 11256": (_factory("wrong_ecode"), frozenset({"CE-ECODE-MATCH"})),
    "reuses the GCM nonce": (_factory("reuse_nonce"), frozenset({"CE-NONCE-FRESH"})),
    "upper-case hex for 11257": (_factory("upper_hex"), frozenset({"CE-ENCODING"})),
    "local-time timestamps": (_factory("local_time"), frozenset({"CE-TIMESTAMP-UTC"})),
    "reports success on 400": (_factory("success_on_400"), frozenset({"CE-SURFACE-ERRORS"})),
    "retries a 400 forever": (_factory("retry_400_forever"), frozenset({"CE-NO-RETRY-4XX"})),
}
