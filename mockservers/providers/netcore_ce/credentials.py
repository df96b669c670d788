"""The pre-shared key material of an asset, in the formats the provider's generators print.

seed Step 1: the customer generates SECRET_KEY and SECRET_IV and shares them;
the provider configures them for the asset. fact sheet [code]:

- CBC (11256, 11257): 32 and 16 characters from ``[A-Za-z0-9]``, used as their
  UTF-8 bytes: the 32-byte AES-256 key and the static 16-byte IV.
- GCM (11258): base64 of 32 random bytes; no shared IV (a fresh 12-byte nonce
  travels in front of every ciphertext).

One asset holds one :class:`Credential` per eCode. 11256 and 11257 share the
CBC format, so one registration may give both; 11258's key has another format,
so it is registered on its own (same asset, separate call). FIDELITY.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from sealmail.mockservers.crypto import CryptoError
from sealmail.mockservers.crypto.encoding import b64decode_strict

from . import spec


class CredentialError(ValueError):
    """Key material that is not in the shared format; ``str()`` says what is expected."""


@dataclass(frozen=True)
class Credential:
    """Key (and for CBC the IV) for one eCode of one asset: the shared text and its bytes."""

    cipher: Literal["cbc", "gcm"]
    key_text: str
    iv_text: str | None
    key: bytes
    iv: bytes | None

    def to_json(self) -> dict[str, str]:
        shown = {"key": self.key_text}
        if self.iv_text is not None:
            shown["iv"] = self.iv_text
        return shown


def parse_cbc(key_text: Any, iv_text: Any, *, strict_alphabet: bool = True) -> Credential:
    """A CBC key and IV as shared: 32 and 16 characters used as UTF-8 bytes."""
    key_pattern = spec.CBC_KEY_STRICT if strict_alphabet else spec.CBC_KEY_PRINTABLE
    iv_pattern = spec.CBC_IV_STRICT if strict_alphabet else spec.CBC_IV_PRINTABLE
    alphabet = "[A-Za-z0-9]" if strict_alphabet else "visible ASCII"
    if not isinstance(key_text, str) or not key_pattern.fullmatch(key_text):
        raise CredentialError(
            f"CBC key must be {spec.CBC_KEY_CHARS} characters of {alphabet} (used as UTF-8 bytes), got {_shown(key_text)}"
        )
    if not isinstance(iv_text, str) or not iv_pattern.fullmatch(iv_text):
        raise CredentialError(
            f"CBC IV must be {spec.CBC_IV_CHARS} characters of {alphabet} (used as UTF-8 bytes), got {_shown(iv_text)}"
        )
    return Credential("cbc", key_text, iv_text, key_text.encode("utf-8"), iv_text.encode("utf-8"))


def parse_gcm(key_text: Any, iv_text: Any = None) -> Credential:
    """A GCM key as shared: standard base64 of 32 bytes, and no IV."""
    if iv_text is not None:
        raise CredentialError("11258 (AES-256-GCM) takes no shared IV: every request carries a fresh 12-byte nonce")
    if not isinstance(key_text, str):
        raise CredentialError(f"GCM key must be base64 of {spec.GCM_KEY_BYTES} bytes, got {_shown(key_text)}")
    try:
        key = b64decode_strict(key_text)
    except CryptoError:
        raise CredentialError(f"GCM key must be standard base64 of {spec.GCM_KEY_BYTES} bytes, got {_shown(key_text)}") from None
    if len(key) != spec.GCM_KEY_BYTES:
        hint = "; a 32-character CBC key (11256/11257) needs its SECRET_IV" if len(key_text) == spec.CBC_KEY_CHARS else ""
        raise CredentialError(f"GCM key must be base64 of {spec.GCM_KEY_BYTES} bytes, got {len(key)} bytes{hint}")
    return Credential("gcm", key_text, None, key, None)


@dataclass(frozen=True)
class Registration:
    """A parsed ``POST /__mock__/assets`` body."""

    asset: str
    credentials: dict[int, Credential]


def parse_registration(body: Any, *, strict_alphabet: bool = True) -> Registration:
    """``{"asset", "key", "iv"?, "ecodes"?}``; CredentialError on anything off.

    Without ``ecodes`` the key format decides: a CBC key and IV give
    [11256, 11257], a base64 GCM key without IV gives [11258].
    """
    if not isinstance(body, dict):
        raise CredentialError('body must be a JSON object {"asset", "key", "iv", "ecodes"}')
    unknown = sorted(set(body) - {"asset", "key", "iv", "ecodes"})
    if unknown:
        raise CredentialError(f"unknown field(s): {', '.join(unknown)}")
    asset = body.get("asset")
    if not isinstance(asset, str) or not spec.ASSET_ID.fullmatch(asset):
        raise CredentialError("asset must be 1-128 letters, digits or ._:- (the x-asset value)")
    ecodes = _ecodes(body.get("ecodes"), body.get("key"), body.get("iv"))
    families = {spec.METHODS[e].cipher for e in ecodes}
    if len(families) > 1:
        raise CredentialError(
            "11258 (GCM) uses a different key format from 11256/11257 (CBC): register the GCM key in a separate call"
        )
    if families == {"cbc"}:
        credential = parse_cbc(body.get("key"), body.get("iv"), strict_alphabet=strict_alphabet)
    else:
        credential = parse_gcm(body.get("key"), body.get("iv"))
    return Registration(asset, {ecode: credential for ecode in ecodes})


def _ecodes(value: Any, key: Any, iv: Any) -> list[int]:
    if value is None:
        return sorted(spec.CBC_ECODES if iv is not None else spec.GCM_ECODES)
    if not isinstance(value, list) or not value:
        raise CredentialError("ecodes must be a non-empty list, e.g. [11256, 11257]")
    found: list[int] = []
    for item in value:
        code = _ecode(item)
        if code not in found:
            found.append(code)
    return found


def _ecode(item: Any) -> int:
    if isinstance(item, bool):
        raise CredentialError(f"unknown eCode {item!r}")
    if isinstance(item, str) and item.strip().isdigit() and len(item.strip()) <= 9:  # int() refuses 4,300+ digits
        item = int(item.strip())
    if not isinstance(item, int) or item not in spec.METHODS:
        raise CredentialError(f"unknown eCode {item!r}; known: {', '.join(map(str, spec.METHODS))}")
    return item


def _shown(value: Any) -> str:
    if isinstance(value, str):
        return f"{len(value)} characters"
    return "nothing" if value is None else type(value).__name__
