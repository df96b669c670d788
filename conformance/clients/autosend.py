"""Reference client for AutoSend, plain or JWE-encrypted (seed 001).

>>> client = AutoSendSyncClient(base_url, api_key)                       # doctest: +SKIP
>>> client.upsert_contact({"email": "jane@example.com"})["id"]            # doctest: +SKIP

What it does, following the seed's "How it works":

- fetches ``GET /v1/jwks.json`` once and caches it for the ``Cache-Control:
  max-age`` the server sends (at most ``max_cache_s``), revalidating with
  ``If-None-Match`` when stale;
- encrypts the complete JSON body with the **first** usable key (the active
  one) as a JWE compact string, ``alg`` RSA-OAEP-256 and ``enc`` A256GCM, a
  fresh CEK and IV per request (jwcrypto), the kid in the protected header
  and in ``X-Key-Id``, and ``X-Payload-Encryption: jwe``;
- on ``400 UNKNOWN_KEY_ID`` refreshes the JWKS once and retries once;
- retries 429/5xx with bounded backoff (a fresh encryption each attempt) and
  raises :class:`AutoSendError` for every other error.

Subclasses (the broken clients of the conformance tests) override the small
hooks ``_choose_key``, ``_encrypt``, ``_cache_is_fresh`` and ``_on_unknown_kid``.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from typing import Any, Callable

import aiohttp
from jwcrypto.jwk import JWK

from sealmail.mockservers.crypto.jwe import A256GCM, RSA_OAEP_256, KeyRejected, encrypt_compact, import_encryption_key

from .http import HttpReply, ProviderError, RetryPolicy, SessionClient, SyncFacade, read_reply, with_retries

JWKS_PATH = "/v1/jwks.json"
UPSERT_CONTACT_PATH = "/v1/contacts/email"
CREATE_CONTACT_PATH = "/v1/contacts"
SEND_PATH = "/v1/mails/send"
BULK_PATH = "/v1/mails/bulk"
UNKNOWN_KEY_ID = "UNKNOWN_KEY_ID"

DEFAULT_TTL_S = 3600.0
"""JWKS lifetime when the server sends no ``max-age``."""
MAX_CACHE_S = 86_400.0
"""Upper bound of the JWKS lifetime (seed: refresh "daily or weekly"; daily here)."""

_MAX_AGE = re.compile(r"(?:^|,)\s*max-age\s*=\s*\"?(\d+)\"?", re.IGNORECASE)


class AutoSendError(ProviderError):
    """An AutoSend error answer; ``code`` is ``error.code`` of the body (e.g. ``DECRYPTION_FAILED``)."""

    @property
    def code(self) -> str | None:
        return error_code(self.body)


class JwksError(Exception):
    """The JWKS holds no key usable for RSA-OAEP-256 encryption."""


@dataclass(frozen=True)
class PublicKey:
    kid: str
    key: JWK


@dataclass(frozen=True)
class EncryptedBody:
    """One encrypted request body and its encryption headers."""

    body: bytes
    headers: dict[str, str]
    kid: str
    token: str


def error_code(body: Any) -> str | None:
    """``error.code`` of the documented shape ``{"success": false, "error": {"message", "code"}}``."""
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        code = body["error"].get("code")
        return str(code) if code is not None else None
    return None


def error_message(body: Any) -> str | None:
    """The error text, as the official SDK reads it (fact sheet [code]: ``body.message ?? body.error``)."""
    if not isinstance(body, dict):
        return None
    if body.get("message") is not None:
        return str(body["message"])
    error = body.get("error")
    if isinstance(error, dict) and error.get("message") is not None:
        return f"{error.get('code')}: {error['message']}"
    return str(error) if error is not None else None


def usable_keys(jwks: Any) -> list[PublicKey]:
    """The JWKS keys usable for RSA-OAEP-256 encryption, in the server's order (active first).

    Keys of another type, algorithm or use, or too small, are skipped; an
    empty result raises :class:`JwksError`.
    """
    entries = jwks.get("keys") if isinstance(jwks, dict) else None
    if not isinstance(entries, list):
        raise JwksError("JWKS has no keys array")
    found = []
    for entry in entries:
        try:
            found.append(PublicKey(entry["kid"], import_encryption_key(entry, alg=RSA_OAEP_256)))
        except KeyRejected:
            continue
    if not found:
        raise JwksError(f"no usable {RSA_OAEP_256} key among {len(entries)} JWKS entries")
    return found


def max_age_of(cache_control: str | None) -> float | None:
    """``max-age`` in seconds (0 for ``no-cache``/``no-store``), or None when absent."""
    if not cache_control:
        return None
    lowered = cache_control.lower()
    if "no-store" in lowered or "no-cache" in lowered:
        return 0.0
    match = _MAX_AGE.search(cache_control)
    return float(match.group(1)) if match else None


def encrypt_body(payload: Any, key: PublicKey) -> EncryptedBody:
    """The seed's request format: the whole JSON body as a JWE in ``{"encryptedData": ...}``."""
    plaintext = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    token = encrypt_compact(plaintext, key.key, kid=key.kid, alg=RSA_OAEP_256, enc=A256GCM)
    body = json.dumps({"encryptedData": token}).encode("utf-8")
    headers = {"Content-Type": "application/json", "X-Payload-Encryption": "jwe", "X-Key-Id": key.kid}
    return EncryptedBody(body=body, headers=headers, kid=key.kid, token=token)


def _header(headers: dict[str, str], name: str) -> str | None:
    """Case-insensitive lookup (``HttpReply.headers`` is a plain dict)."""
    wanted = name.lower()
    return next((value for key, value in headers.items() if key.lower() == wanted), None)


@dataclass
class _CachedJwks:
    keys: list[PublicKey]
    etag: str | None
    expires_at: float


class AutoSendClient(SessionClient):
    """Async AutoSend client. ``encrypt`` (default True) sends every body as JWE."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        encrypt: bool = True,
        jwks_url: str | None = None,
        session: aiohttp.ClientSession | None = None,
        retry: RetryPolicy = RetryPolicy(),
        default_ttl_s: float = DEFAULT_TTL_S,
        max_cache_s: float = MAX_CACHE_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.encrypt = encrypt
        self.jwks_url = jwks_url or self.base_url + JWKS_PATH
        self.retry = retry
        self.default_ttl_s = default_ttl_s
        self.max_cache_s = max_cache_s
        self._clock = clock
        super().__init__(session)
        self._jwks: _CachedJwks | None = None

    # --- the API ------------------------------------------------------------------------------
    async def upsert_contact(self, contact: dict[str, Any]) -> dict[str, Any]:
        """``POST /v1/contacts/email``: the stored contact (``id``, timestamps, ``projectId``)."""
        return await self.post(UPSERT_CONTACT_PATH, contact)

    async def create_contact(self, contact: dict[str, Any]) -> dict[str, Any]:
        return await self.post(CREATE_CONTACT_PATH, contact)

    async def send_mail(self, mail: dict[str, Any]) -> dict[str, Any]:
        """``POST /v1/mails/send``: ``{"emailId", ...}``."""
        return await self.post(SEND_PATH, mail)

    async def send_bulk(self, mail: dict[str, Any]) -> dict[str, Any]:
        """``POST /v1/mails/bulk``: ``{"batchId", "totalRecipients", ...}``."""
        return await self.post(BULK_PATH, mail)

    async def post(self, path: str, payload: Any) -> dict[str, Any]:
        """POST ``payload`` to a /v1 endpoint (encrypted unless ``encrypt=False``); returns ``data``."""
        refreshed = False
        while True:
            reply = await with_retries(lambda: self._post_once(path, payload), self.retry)
            if reply.status < 400:
                data = reply.body.get("data") if isinstance(reply.body, dict) else None
                if not isinstance(data, dict) or reply.body.get("success") is not True:
                    raise AutoSendError(reply.status, reply.body, "success response without data")
                return data
            if self.encrypt and reply.status == 400 and error_code(reply.body) == UNKNOWN_KEY_ID and not refreshed:
                refreshed = True
                if await self._on_unknown_kid():
                    continue
            raise AutoSendError(reply.status, reply.body, error_message(reply.body))

    async def _post_once(self, path: str, payload: Any) -> HttpReply:
        headers = {"Authorization": f"Bearer {self.api_key}"}
        if self.encrypt:
            key = self._choose_key(await self.public_keys())
            request = self._encrypt(payload, key)  # fresh CEK and IV for every attempt
            headers.update(request.headers)
            body = request.body
        else:
            headers["Content-Type"] = "application/json"
            body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        async with self._http().post(self.base_url + path, data=body, headers=headers) as response:
            return await read_reply(response)

    # --- keys ---------------------------------------------------------------------------------
    async def public_keys(self) -> list[PublicKey]:
        """The usable JWKS keys, from the cache while fresh (seed: "cache it")."""
        if self._jwks is None or not self._cache_is_fresh():
            await self._fetch_jwks(conditional=self._jwks is not None)
        assert self._jwks is not None
        return self._jwks.keys

    async def refresh_keys(self) -> list[PublicKey]:
        """Fetch the JWKS now, unconditionally (after an unknown-kid error)."""
        await self._fetch_jwks(conditional=False)
        assert self._jwks is not None
        return self._jwks.keys

    def _cache_is_fresh(self) -> bool:
        return self._jwks is not None and self._clock() < self._jwks.expires_at

    def _choose_key(self, keys: list[PublicKey]) -> PublicKey:
        """seed: "The recommended (active) key is always listed first."."""
        return keys[0]

    def _encrypt(self, payload: Any, key: PublicKey) -> EncryptedBody:
        return encrypt_body(payload, key)

    async def _on_unknown_kid(self) -> bool:
        """seed: "Refresh the JWKS and use the kid from the returned key". True: retry once."""
        await self.refresh_keys()
        return True

    async def _fetch_jwks(self, *, conditional: bool) -> None:
        headers = {"Accept": "application/json", "Authorization": f"Bearer {self.api_key}"}
        if conditional and self._jwks is not None and self._jwks.etag:
            headers["If-None-Match"] = self._jwks.etag

        async def fetch_once() -> HttpReply:
            async with self._http().get(self.jwks_url, headers=headers) as response:
                return await read_reply(response)

        reply = await with_retries(fetch_once, self.retry)
        ttl = max_age_of(_header(reply.headers, "Cache-Control"))
        expires_at = self._clock() + min(self.default_ttl_s if ttl is None else ttl, self.max_cache_s)
        if reply.status == 304 and self._jwks is not None:
            self._jwks.expires_at = expires_at
            return
        if reply.status != 200:
            raise AutoSendError(reply.status, reply.body, f"JWKS fetch failed: {error_message(reply.body) or reply.status}")
        self._jwks = _CachedJwks(usable_keys(reply.body), _header(reply.headers, "ETag"), expires_at)


class AutoSendSyncClient(SyncFacade[AutoSendClient]):
    """Blocking facade over :class:`AutoSendClient` (safe inside or outside an event loop)."""

    def __init__(self, base_url: str, api_key: str, **options: Any) -> None:
        super().__init__(AutoSendClient(base_url, api_key, **options))

    @property
    def client(self) -> AutoSendClient:
        return self._client

    def upsert_contact(self, contact: dict[str, Any]) -> dict[str, Any]:
        return self._run(self._client.upsert_contact(contact))

    def create_contact(self, contact: dict[str, Any]) -> dict[str, Any]:
        return self._run(self._client.create_contact(contact))

    def send_mail(self, mail: dict[str, Any]) -> dict[str, Any]:
        return self._run(self._client.send_mail(mail))

    def send_bulk(self, mail: dict[str, Any]) -> dict[str, Any]:
        return self._run(self._client.send_bulk(mail))

    def refresh_keys(self) -> list[PublicKey]:
        return self._run(self._client.refresh_keys())
