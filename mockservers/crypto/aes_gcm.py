"""AES-GCM with a 16-byte tag appended to the ciphertext (NIST SP 800-38D).

Used by netcore-email (256-bit key, 12-byte IV, no AAD; seed 000) and by
netcore-ce eCode 11258.
"""

from __future__ import annotations

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .errors import DecryptionFailed

TAG_SIZE = 16
"""GCM tag length in bytes: 128 bits, the only length these providers use."""


def encrypt(key: bytes, iv: bytes, plaintext: bytes, aad: bytes | None = None) -> bytes:
    """Return ``ciphertext || tag``."""
    return AESGCM(key).encrypt(iv, plaintext, aad)


def decrypt(key: bytes, iv: bytes, data: bytes, aad: bytes | None = None) -> bytes:
    """Decrypt ``ciphertext || tag``; :class:`DecryptionFailed` on any failure.

    Reasons: ``gcm_too_short`` (fewer bytes than a tag), ``gcm_tag_mismatch``,
    ``gcm_bad_parameters`` (key or IV the library refuses).
    """
    if len(data) < TAG_SIZE:
        raise DecryptionFailed("gcm_too_short", f"{len(data)} bytes, a tag alone is {TAG_SIZE}")
    try:
        cipher = AESGCM(key)
        return cipher.decrypt(iv, data, aad)
    except InvalidTag:
        raise DecryptionFailed("gcm_tag_mismatch") from None
    except (ValueError, OverflowError) as error:
        raise DecryptionFailed("gcm_bad_parameters", str(error)) from None
