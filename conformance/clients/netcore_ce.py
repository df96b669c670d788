"""Reference client for the Netcore CE encrypted activity upload (seed 003), all three eCodes.

>>> key, iv = generate_key_and_iv()              # share these with the provider (seed Step 1)
>>> client = NetcoreCeSyncClient(base_url, api_key, asset, key, iv)   # doctest: +SKIP
>>> client.upload([activity(asset, "form_submitted", "9999911111", {"day": "Tuesday"})])  # doctest: +SKIP

- 11256 AES_256_CBC_BASE64: AES-256-CBC, PKCS#7, key and static IV = the shared
  32- and 16-character strings as UTF-8 bytes; ``encryptedRequest`` = standard
  base64 of the ciphertext (fact sheet [code]).
- 11257 AES_256_CBC_HEX: the same ciphertext as lowercase hex.
- 11258 AES_256_GCM_BASE64: key = base64 of 32 bytes; ``encryptedRequest`` =
  base64(fresh 12-byte nonce || ciphertext || 16-byte tag), no AAD.

Run ``python -m sealmail.conformance.clients.netcore_ce keygen`` for the key-and-IV
generator the provider asks customers to run (``--gcm`` for an 11258 key), and
``... encrypt`` / ``... decrypt`` for its data-encryption script.
"""

from __future__ import annotations

import argparse
import binascii
import datetime as dt
import json
import os
import secrets
import sys
from dataclasses import dataclass
from typing import Any, Sequence

import aiohttp

from sealmail.mockservers.crypto import CryptoError, aes_cbc, aes_gcm
from sealmail.mockservers.crypto.encoding import b64decode_strict, b64encode

from .http import HttpReply, ProviderError, RetryPolicy, SessionClient, SyncFacade, read_reply, with_retries

UPLOAD_PATH = "/v1/activity/upload"
AES_256_CBC_BASE64 = 11256
AES_256_CBC_HEX = 11257
AES_256_GCM_BASE64 = 11258
ECODES = {AES_256_CBC_BASE64: "AES_256_CBC_BASE64", AES_256_CBC_HEX: "AES_256_CBC_HEX", AES_256_GCM_BASE64: "AES_256_GCM_BASE64"}

KEY_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
"""What the provider's generator draws from (fact sheet [code])."""
CBC_KEY_CHARS = 32
CBC_IV_CHARS = 16
GCM_KEY_BYTES = 32
GCM_NONCE_BYTES = 12


# --- keys ----------------------------------------------------------------------
def generate_key_and_iv() -> tuple[str, str]:
    """SECRET_KEY and SECRET_IV for 11256/11257: 32 and 16 CSPRNG characters of ``[A-Za-z0-9]``."""
    return _random_text(CBC_KEY_CHARS), _random_text(CBC_IV_CHARS)


def generate_gcm_key() -> str:
    """The 11258 key: standard base64 of 32 CSPRNG bytes."""
    return b64encode(os.urandom(GCM_KEY_BYTES))


def _random_text(length: int) -> str:
    return "".join(secrets.choice(KEY_ALPHABET) for _ in range(length))


def cbc_key_bytes(key: str, iv: str | None) -> tuple[bytes, bytes]:
    """The shared CBC key and IV as AES inputs: their UTF-8 bytes (not hex, not base64)."""
    if iv is None:
        raise ValueError("11256/11257 need the shared SECRET_IV")
    key_bytes, iv_bytes = key.encode("utf-8"), iv.encode("utf-8")
    if len(key_bytes) != CBC_KEY_CHARS or len(iv_bytes) != CBC_IV_CHARS:
        raise ValueError(f"CBC key and IV must be {CBC_KEY_CHARS} and {CBC_IV_CHARS} characters, got {len(key)} and {len(iv)}")
    return key_bytes, iv_bytes


def gcm_key_bytes(key: str) -> bytes:
    raw = b64decode_strict(key)
    if len(raw) != GCM_KEY_BYTES:
        raise ValueError(f"the 11258 key must be base64 of {GCM_KEY_BYTES} bytes, got {len(raw)}")
    return raw


# --- encryptedRequest ------------------------------------------------------------
def encrypt_text(plaintext: bytes, ecode: int, key: str, iv: str | None = None, *, nonce: bytes | None = None) -> str:
    """The ``encryptedRequest`` value for ``plaintext`` under ``ecode``.

    ``nonce`` (11258 only) is for reproducible vectors; leave it None so every
    call draws a fresh one.
    """
    if ecode in (AES_256_CBC_BASE64, AES_256_CBC_HEX):
        if nonce is not None:
            raise ValueError("CBC uses the shared static IV, not a nonce")
        ciphertext = aes_cbc.encrypt(*cbc_key_bytes(key, iv), plaintext)
        return b64encode(ciphertext) if ecode == AES_256_CBC_BASE64 else ciphertext.hex()
    if ecode == AES_256_GCM_BASE64:
        if iv is not None:
            raise ValueError("11258 takes no shared IV")
        nonce = nonce if nonce is not None else os.urandom(GCM_NONCE_BYTES)
        if len(nonce) != GCM_NONCE_BYTES:
            raise ValueError(f"GCM nonce must be {GCM_NONCE_BYTES} bytes")
        return b64encode(nonce + aes_gcm.encrypt(gcm_key_bytes(key), nonce, plaintext))
    raise ValueError(f"unknown eCode {ecode}; known: {', '.join(map(str, ECODES))}")


def decrypt_text(text: str, ecode: int, key: str, iv: str | None = None) -> bytes:
    """Inverse of :func:`encrypt_text` (the provider's script "also tests for decrypting")."""
    if ecode in (AES_256_CBC_BASE64, AES_256_CBC_HEX):
        data = b64decode_strict(text) if ecode == AES_256_CBC_BASE64 else binascii.unhexlify(text)
        return aes_cbc.decrypt(*cbc_key_bytes(key, iv), data)
    if ecode == AES_256_GCM_BASE64:
        data = b64decode_strict(text)
        return aes_gcm.decrypt(gcm_key_bytes(key), data[:GCM_NONCE_BYTES], data[GCM_NONCE_BYTES:])
    raise ValueError(f"unknown eCode {ecode}")


def encode_activities(activities: Sequence[dict[str, Any]]) -> bytes:
    """The plaintext: the activity array as compact UTF-8 JSON."""
    return json.dumps(list(activities), ensure_ascii=False, separators=(",", ":")).encode("utf-8")


# --- activities ----------------------------------------------------------------
def utc_timestamp(when: dt.datetime | None = None) -> str:
    """``2025-08-26T12:05:43Z``: UTC with Z (seed: "timestamp ... in UTC format")."""
    when = when or dt.datetime.now(dt.timezone.utc)
    if when.tzinfo is None:
        raise ValueError("a naive datetime has no time zone; pass an aware one")
    return when.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def activity(
    asset_id: str,
    activity_name: str,
    identity: str | int,
    params: dict[str, Any] | None = None,
    *,
    source: str = "web",
    timestamp: str | None = None,
) -> dict[str, Any]:
    """One activity in the seed's shape."""
    if source not in ("web", "app"):
        raise ValueError("activity_source must be 'web' or 'app'")
    return {
        "asset_id": asset_id,
        "activity_name": activity_name,
        "timestamp": timestamp or utc_timestamp(),
        "identity": identity,
        "activity_source": source,
        "activity_params": dict(params or {}),
    }


# --- HTTP ------------------------------------------------------------------------
@dataclass(frozen=True)
class UploadResult:
    transaction_id: str | None
    count: int | None
    status: int
    body: Any


def error_message(body: Any) -> str | None:
    """The provider's error text: ``message``, else ``error`` when it is a string."""
    if isinstance(body, dict):
        for name in ("message", "error"):
            if isinstance(body.get(name), str):
                return str(body[name])
    return None


class NetcoreCeClient(SessionClient):
    """Async client for ``POST /v1/activity/upload``.

    ``key`` and ``iv`` are the strings shared with the provider (``iv`` None
    for 11258). Each attempt is encrypted afresh (a fresh GCM nonce per
    request). Errors raise :class:`ProviderError`; 429 and 5xx are retried with
    bounded backoff, 4xx never.
    """

    def __init__(
        self,
        base_url: str,
        api_key: str,
        asset: str,
        key: str,
        iv: str | None = None,
        *,
        ecode: int = AES_256_CBC_BASE64,
        session: aiohttp.ClientSession | None = None,
        retry: RetryPolicy = RetryPolicy(),
    ) -> None:
        if ecode not in ECODES:
            raise ValueError(f"unknown eCode {ecode}")
        if ecode == AES_256_GCM_BASE64:
            gcm_key_bytes(key)
        else:
            cbc_key_bytes(key, iv)
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.asset = asset
        self.key = key
        self.iv = iv
        self.ecode = ecode
        self.retry = retry
        super().__init__(session)

    def build_request(self, activities: Sequence[dict[str, Any]]) -> tuple[dict[str, str], bytes]:
        """Headers and body of one upload (seed Step 3 curl)."""
        text = encrypt_text(encode_activities(activities), self.ecode, self.key, self.iv)
        headers = {
            "Content-Type": "application/json",
            "x-eCode": str(self.ecode),
            "x-asset": self.asset,
            "Authorization": f"Bearer {self.api_key}",
        }
        return headers, json.dumps({"encryptedRequest": text}).encode("utf-8")

    async def upload(self, activities: Sequence[dict[str, Any]]) -> UploadResult:
        """Upload a batch of activities; returns the transaction id the provider gave."""
        batch = list(activities)
        reply = await with_retries(lambda: self._upload_once(batch), self.retry)
        if reply.status >= 400:
            raise ProviderError(reply.status, reply.body, error_message(reply.body))
        data = reply.body.get("data") if isinstance(reply.body, dict) else None
        if not isinstance(reply.body, dict) or reply.body.get("status") != "success":
            raise ProviderError(reply.status, reply.body, "success status without a success body")
        transaction_id = data.get("transaction_id") if isinstance(data, dict) else None
        count = data.get("count") if isinstance(data, dict) else None
        return UploadResult(transaction_id=transaction_id, count=count, status=reply.status, body=reply.body)

    async def _upload_once(self, activities: list[dict[str, Any]]) -> HttpReply:
        headers, body = self.build_request(activities)  # fresh nonce (11258) on every attempt
        async with self._http().post(self.base_url + UPLOAD_PATH, data=body, headers=headers) as response:
            return await read_reply(response)


class NetcoreCeSyncClient(SyncFacade[NetcoreCeClient]):
    """Blocking facade over :class:`NetcoreCeClient` (safe inside or outside an event loop)."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        asset: str,
        key: str,
        iv: str | None = None,
        *,
        ecode: int = AES_256_CBC_BASE64,
        retry: RetryPolicy = RetryPolicy(),
    ) -> None:
        super().__init__(NetcoreCeClient(base_url, api_key, asset, key, iv, ecode=ecode, retry=retry))

    def upload(self, activities: Sequence[dict[str, Any]]) -> UploadResult:
        return self._run(self._client.upload(activities))


# --- command line: the provider's generator and encryption scripts ---------------
def main(argv: Sequence[str] | None = None, out: Any = None) -> int:
    """``keygen [--gcm] [--json]``, ``encrypt`` and ``decrypt`` (see ``--help``)."""
    out = out or sys.stdout
    parser = argparse.ArgumentParser(prog="python -m sealmail.conformance.clients.netcore_ce", description="Netcore CE key generator and payload encryption")
    commands = parser.add_subparsers(dest="command", required=True)
    keygen = commands.add_parser("keygen", help="generate SECRET_KEY and SECRET_IV to share with the provider")
    keygen.add_argument("--gcm", action="store_true", help="an 11258 (AES-256-GCM) key instead: base64 of 32 bytes, no IV")
    keygen.add_argument("--json", action="store_true", help='print {"key", "iv"} (the body of POST /__mock__/assets without "asset")')
    for name, text in (("encrypt", "encrypt a JSON payload"), ("decrypt", "decrypt an encryptedRequest value")):
        command = commands.add_parser(name, help=text)
        command.add_argument("data", help="the JSON payload (encrypt) or the encrypted text (decrypt)")
        command.add_argument("--key", required=True)
        command.add_argument("--iv", help="the shared SECRET_IV (11256/11257)")
        command.add_argument("--ecode", type=int, default=AES_256_CBC_BASE64, choices=sorted(ECODES))
    args = parser.parse_args(argv)
    try:
        if args.command == "keygen":
            if args.gcm:
                shown: dict[str, str] = {"key": generate_gcm_key()}
            else:
                key, iv = generate_key_and_iv()
                shown = {"key": key, "iv": iv}
            if args.json:
                out.write(json.dumps(shown) + "\n")
            else:
                out.write(f"SECRET_KEY: {shown['key']}\n")
                if "iv" in shown:
                    out.write(f"SECRET_IV: {shown['iv']}\n")
            return 0
        if args.command == "encrypt":
            json.loads(args.data)  # refuse to encrypt something that is not JSON
            text = encrypt_text(args.data.encode("utf-8"), args.ecode, args.key, args.iv)
            label = "Hex" if args.ecode == AES_256_CBC_HEX else "Base64"
            out.write(f"Encrypted String ({label}): {text}\n")
            out.write(f"Decrypted String: {decrypt_text(text, args.ecode, args.key, args.iv).decode('utf-8')}\n")
            return 0
        out.write(decrypt_text(args.data, args.ecode, args.key, args.iv).decode("utf-8") + "\n")
        return 0
    except (ValueError, CryptoError) as error:  # JSONDecodeError, binascii.Error, UnicodeDecodeError are ValueErrors
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
