"""The crypto error tree: one root, one class per kind of failure, each with a reason."""

from __future__ import annotations


class CryptoError(Exception):
    """Root of every error raised by :mod:`sealmail.mockservers.crypto`."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


class EncodingError(CryptoError):
    """Text that is not the encoding it must be (base64, hex)."""


class DecryptionFailed(CryptoError):
    """Ciphertext that does not decrypt: tag mismatch, bad padding, wrong length."""
