"""Journal-only guesses, with the asset's key, at how a refused ``encryptedRequest`` was laid out.

They decrypt, so they run after the answer is sent (``ctx.diagnose_after_answer``):
the caller's answer and its timing stay the one uniform ``decryption_failed``.
Each guess either verifies (a GCM tag under another layout) or reads as the
JSON a client encrypts, so a wrong key never gets a layout hint.
"""

from __future__ import annotations

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from sealmail.mockservers.crypto import CryptoError, aes_cbc
from sealmail.mockservers.crypto.encoding import b64decode_strict
from sealmail.mockservers.crypto.gcm_hints import looks_like_json

from . import spec
from .credentials import Credential

_BLOCK = 16

PREPENDED_IV_HINT = ("a 16-byte block before the ciphertext (IV prepended?): send the ciphertext alone; "
                     "the IV is the asset's SECRET_IV")
WRONG_IV_HINT = ("only the first 16 bytes decrypt to garbage: the key is right but the IV is not this asset's SECRET_IV "
                 "(its 16 characters used as UTF-8 bytes)")
IV_HINTS = (PREPENDED_IV_HINT, WRONG_IV_HINT)
"""What the CBC diagnosis says when the key is right and the IV is not: conformance's traffic check reads
these as CE-KEY-BYTES (conformance/traffic/netcore_ce.py), not as a payload problem."""
_TAG = spec.GCM_TAG_BYTES
_NONCE = spec.GCM_NONCE_BYTES


def decryption_hint(method: spec.Method, credential: Credential, text: str, reason: str) -> str | None:
    """The likely layout mistake behind ``reason`` for ``text`` under ``method``, or None."""
    try:
        data = b64decode_strict(text.strip()) if method.encoding == "base64" else bytes.fromhex(text.strip())
    except (CryptoError, ValueError):
        return None
    if method.cipher == "gcm":
        return gcm_layout_hint(credential.key, data) if reason == "gcm_tag_mismatch" else None
    if reason in ("plaintext_not_json", "plaintext_not_utf8") and credential.iv is not None:
        return cbc_first_block_hint(credential.key, credential.iv, data)
    return None


def gcm_layout_hint(key: bytes, data: bytes) -> str | None:
    """seed 003 (11258): base64(12-byte nonce || ciphertext || 16-byte tag); which other layout verifies?"""
    layouts = {
        "16-byte nonce: 11258 takes a 12-byte nonce (nonce || ciphertext || tag)": (data[:16], data[16:]),
        "tag placed before the ciphertext: send nonce || ciphertext || tag": (data[:_NONCE], data[_NONCE + _TAG:] + data[_NONCE:_NONCE + _TAG]),
        "nonce placed last: send nonce || ciphertext || tag": (data[-_NONCE:], data[:-_NONCE]),
    }
    for hint, (nonce, sealed) in layouts.items():
        if len(sealed) >= _TAG and _verifies(key, nonce, sealed):
            return hint
    return ("the tag does not verify under this asset's gcm_key in any common layout: the wrong gcm_key "
            "(base64 of 32 bytes, used decoded), or the body changed after encryption")


def cbc_first_block_hint(key: bytes, iv: bytes, data: bytes) -> str | None:
    """A wrong IV in CBC garbles only the first block; a prepended IV adds one garbled block."""
    outcome = aes_cbc.decrypt_uniform(key, iv, data)
    if not outcome.ok or len(outcome.plaintext) <= _BLOCK:
        return None
    rest = outcome.plaintext[_BLOCK:]
    if looks_like_json(rest):
        return PREPENDED_IV_HINT
    try:
        rest.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return WRONG_IV_HINT


def _verifies(key: bytes, nonce: bytes, sealed: bytes) -> bool:
    try:
        AESGCM(key).decrypt(nonce, sealed, None)
    except (InvalidTag, ValueError):  # ValueError: a nonce length the backend refuses
        return False
    return True
