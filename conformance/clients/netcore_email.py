"""Reference client for Netcore Email v6, plain or AES-256-GCM encrypted (seed 000).

>>> client = NetcoreEmailSyncClient(base_url, api_key)      # doctest: +SKIP
>>> client.send({"from": {...}, "personalizations": [...], ...}).message_id

Encrypted requests follow the seed exactly: a fresh 32-byte key and 12-byte IV
per request from the OS CSPRNG, AES-256-GCM over the UTF-8 JSON, body =
base64(ciphertext || tag) posted raw under ``Content-Type: application/json``,
key and IV base64 in ``X-AES-KEY`` / ``X-AES-IV``.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

import aiohttp

from sealmail.mockservers.crypto import aes_gcm
from sealmail.mockservers.crypto.encoding import b64encode

from .http import HttpReply, ProviderError, RetryPolicy, SessionClient, SyncFacade, read_reply, with_retries

SEND_PATH = "/v6/mail/send"
KEY_BYTES = 32
IV_BYTES = 12


@dataclass(frozen=True)
class EncryptedRequest:
    """One encrypted request, ready to send: headers (without auth) and body."""

    key: bytes
    iv: bytes
    body: bytes
    headers: dict[str, str]


@dataclass(frozen=True)
class SendResult:
    message_id: str
    status: int
    body: Any


def encrypt_request(payload: Any, *, key: bytes | None = None, iv: bytes | None = None) -> EncryptedRequest:
    """Encrypt ``payload`` as the seed does; key and IV are fresh unless given (vectors only)."""
    key = key if key is not None else os.urandom(KEY_BYTES)
    iv = iv if iv is not None else os.urandom(IV_BYTES)
    plaintext = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    body = b64encode(aes_gcm.encrypt(key, iv, plaintext)).encode("ascii")
    headers = {
        "Content-Type": "application/json",
        "X-Encryption": "1",
        "X-Encryption-Version": "2",
        "X-AES-KEY": b64encode(key),
        "X-AES-IV": b64encode(iv),
    }
    return EncryptedRequest(key=key, iv=iv, body=body, headers=headers)


def error_message(body: Any) -> str | None:
    """The provider's error text, read the ways real clients do (fact sheet [code])."""
    if isinstance(body, dict):
        errors = body.get("error")
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            return str(errors[0].get("message"))
        if body.get("message") is not None:
            return str(body["message"])
    return None


class NetcoreEmailClient(SessionClient):
    """Async client for ``POST /v6/mail/send``.

    ``encrypt`` (default True) sends the seed's encrypted form. Errors raise
    :class:`ProviderError`; 429 and 5xx are retried with bounded backoff, 4xx never.
    """

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        encrypt: bool = True,
        session: aiohttp.ClientSession | None = None,
        retry: RetryPolicy = RetryPolicy(),
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.encrypt = encrypt
        self.retry = retry
        super().__init__(session)

    async def send(self, payload: Any) -> SendResult:
        """Send one v6 mail payload; returns the provider's message id."""
        reply = await with_retries(lambda: self._send_once(payload), self.retry)
        if reply.status >= 400:
            raise ProviderError(reply.status, reply.body, error_message(reply.body))
        data = reply.body.get("data") if isinstance(reply.body, dict) else None
        message_id = data.get("message_id") if isinstance(data, dict) else None
        if not isinstance(message_id, str):
            raise ProviderError(reply.status, reply.body, "success response without data.message_id")
        return SendResult(message_id=message_id, status=reply.status, body=reply.body)

    async def _send_once(self, payload: Any) -> HttpReply:
        auth = {"Authorization": f"Bearer {self.api_key}"}
        if self.encrypt:
            request = encrypt_request(payload)  # fresh key and IV for every attempt
            headers, body = {**request.headers, **auth}, request.body
        else:
            headers = {"Content-Type": "application/json", **auth}
            body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        async with self._http().post(self.base_url + SEND_PATH, data=body, headers=headers) as response:
            return await read_reply(response)


class NetcoreEmailSyncClient(SyncFacade[NetcoreEmailClient]):
    """Blocking facade over :class:`NetcoreEmailClient` (safe inside or outside an event loop)."""

    def __init__(self, base_url: str, api_key: str, *, encrypt: bool = True, retry: RetryPolicy = RetryPolicy()) -> None:
        super().__init__(NetcoreEmailClient(base_url, api_key, encrypt=encrypt, retry=retry))

    def send(self, payload: Any) -> SendResult:
        return self._run(self._client.send(payload))
