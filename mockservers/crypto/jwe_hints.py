"""Why a JWE's encrypted key did not unwrap, guessed for the journal only.

The usual cause when a JWE says ``RSA-OAEP-256`` but the key does not unwrap
is Java's default: ``Cipher.getInstance("RSA/ECB/OAEPWithSHA-256AndMGF1Padding")``
hashes the label with SHA-256 but runs MGF1 with SHA-1 unless an
``OAEPParameterSpec`` says otherwise; RFC 7518 section 4.3 wants SHA-256 for
both. Plain SHA-1 OAEP (``RSA-OAEP``) and PKCS#1 v1.5 (``RSA1_5``) are the other
two library defaults. Each guess is confirmed by decrypting the content with
the CEK it yields (the GCM tag must verify), so a hint is never a coincidence.

This costs up to three RSA private-key operations, done only for failing
requests: core/diagnosis.py runs it after the answer is sent, so the answer
and its timing stay those of every other decryption failure.
"""

from __future__ import annotations

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from jwcrypto.jwk import JWK

from . import aes_gcm
from .errors import DecryptionFailed

_VARIANTS = (
    ("Java's default for OAEPWithSHA-256AndMGF1Padding: OAEP with SHA-256 but MGF1 with SHA-1; RSA-OAEP-256 needs "
     "MGF1-SHA-256 too (Java: new OAEPParameterSpec(\"SHA-256\", \"MGF1\", MGF1ParameterSpec.SHA256, PSource.PSpecified.DEFAULT))",
     padding.OAEP(mgf=padding.MGF1(hashes.SHA1()), algorithm=hashes.SHA256(), label=None)),
    ("SHA-1 OAEP (RSA-OAEP: Java's OAEPWithSHA-1AndMGF1Padding / RSA/ECB/OAEPPadding) under an RSA-OAEP-256 header: "
     "use SHA-256 for both the OAEP hash and MGF1",
     padding.OAEP(mgf=padding.MGF1(hashes.SHA1()), algorithm=hashes.SHA1(), label=None)),
    ("PKCS#1 v1.5 key wrapping (RSA1_5, Java's RSA/ECB/PKCS1Padding) under an RSA-OAEP-256 header: use RSA-OAEP-256",
     padding.PKCS1v15()),
)


def unwrap_failure_hint(key: JWK, encrypted_key: bytes, iv: bytes, ciphertext: bytes, tag: bytes, aad: bytes) -> str | None:
    """The key-wrapping mistake behind ``rsa_oaep_unwrap_failed``, when one of the usual ones explains it."""
    private = key.get_op_key("unwrapKey")
    if not isinstance(private, rsa.RSAPrivateKey):
        return None
    for hint, scheme in _VARIANTS:
        try:
            cek = private.decrypt(encrypted_key, scheme)
        except ValueError:
            continue
        if len(cek) not in (16, 24, 32):
            continue
        try:
            aes_gcm.decrypt(cek, iv, ciphertext + tag, aad)
        except DecryptionFailed:
            continue
        return hint
    return None
