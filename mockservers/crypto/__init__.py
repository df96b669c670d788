"""Pure crypto over bytes, shared by mocks, reference clients and the vector generator.

No aiohttp here. Every primitive comes from ``cryptography`` or ``jwcrypto``;
these modules only fix the parameters each provider documents and turn library
errors into one :class:`DecryptionFailed` with a precise ``reason`` (for the
journal, never for the caller).
"""

from .errors import CryptoError, DecryptionFailed, EncodingError

__all__ = ["CryptoError", "DecryptionFailed", "EncodingError"]
