"""Baselines for the JOSE figures: the bare cryptography a JWE or JWT request needs.

These are measurement baselines, not validators: they do the irreducible work
(RSA-OAEP-256 unwrap + AES-256-GCM decrypt of a compact JWE, RFC 7516 section
5.2; RS256 signature check of a compact JWS, RFC 7515 section 5.2) with
``cryptography`` and the standard library's base64, with the key loaded once,
and none of a JOSE library's header, algorithm or claim checks. A mock endpoint
doing all of that and more, at >= 0.8 of this speed, spends its time on crypto.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_OAEP_SHA256 = padding.OAEP(mgf=padding.MGF1(algorithm=hashes.SHA256()), algorithm=hashes.SHA256(), label=None)


def b64url_decode(text: str) -> bytes:
    """Unpadded base64url (RFC 7515 section 2) via the standard library."""
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class RawJweDecryptor:
    """``RSA-OAEP-256`` + ``A256GCM`` compact JWE decryption with one pre-loaded key."""

    key: rsa.RSAPrivateKey

    @classmethod
    def from_pem(cls, pem: bytes) -> "RawJweDecryptor":
        key = serialization.load_pem_private_key(pem, password=None)
        assert isinstance(key, rsa.RSAPrivateKey)
        return cls(key)

    def decrypt(self, token: str) -> bytes:
        protected, encrypted_key, iv, ciphertext, tag = token.split(".")
        cek = self.key.decrypt(b64url_decode(encrypted_key), _OAEP_SHA256)
        # RFC 7516 section 5.2 step 14: AAD is the ASCII of the encoded protected header.
        return AESGCM(cek).decrypt(b64url_decode(iv), b64url_decode(ciphertext) + b64url_decode(tag), protected.encode("ascii"))


@dataclass(frozen=True)
class RawJwsVerifier:
    """``RS256`` compact JWS verification with one pre-loaded public key."""

    key: rsa.RSAPublicKey

    @classmethod
    def from_pem(cls, pem: bytes) -> "RawJwsVerifier":
        key = serialization.load_pem_public_key(pem)
        assert isinstance(key, rsa.RSAPublicKey)
        return cls(key)

    def verify(self, token: str) -> bytes:
        """Raise ``InvalidSignature`` unless the signature holds; return the payload bytes."""
        header, payload, signature = token.split(".")
        self.key.verify(b64url_decode(signature), f"{header}.{payload}".encode("ascii"), padding.PKCS1v15(), hashes.SHA256())
        return b64url_decode(payload)
