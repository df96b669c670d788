"""Why an AES-GCM body failed to verify, guessed for the journal only.

The sender chose and sent the key and IV (netcore-email's X-AES-KEY/X-AES-IV),
so trying the common mistakes with them reveals nothing the sender does not
know. Still, the hint is computed after the answer is sent (core/diagnosis.py),
so it adds nothing to the answer's timing.

GCM's keystream is AES-CTR starting at counter J0 + 1, and for a 96-bit IV
J0 = IV || 0x00000001 (NIST SP 800-38D section 7.1), so a tagless or reordered
body can be read with ``cryptography``'s AES-CTR to see which layout it has.
"""

from __future__ import annotations

import json

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from .aes_gcm import TAG_SIZE

GCM_IV_BYTES = 12


def tag_mismatch_hint(key: bytes, iv: bytes, data: bytes) -> str:
    """The likely mistake behind ``gcm_tag_mismatch`` for ``data`` (ciphertext || tag as received)."""
    if len(iv) != GCM_IV_BYTES:
        return "wrong key or IV for this body, tag missing or placed first, or body changed after encryption"
    if looks_like_json(_ctr(key, iv, data)):
        return "tag missing: the body is the ciphertext alone; append the 16-byte GCM tag (ciphertext || tag)"
    if looks_like_json(_ctr(key, iv, data[TAG_SIZE:])):
        return "tag placed first: send ciphertext || tag (tag last, as AESGCM.encrypt and Java's AES/GCM/NoPadding produce)"
    if looks_like_json(_ctr(key, iv, data[:-TAG_SIZE])):
        return ("this key and IV decrypt the body, but the tag does not verify: body or tag changed after encryption, "
                "or additional authenticated data (AAD) was used (none is expected)")
    return ("wrong key or IV for this body: X-AES-KEY / X-AES-IV must be the very key and IV that encrypted it "
            "(a fresh random IV per request, sent with that request)")


def _ctr(key: bytes, iv: bytes, data: bytes) -> bytes:
    counter = iv + (2).to_bytes(4, "big")  # J0 + 1: the first counter block GCM encrypts with
    decryptor = Cipher(algorithms.AES(key), modes.CTR(counter)).decryptor()
    return decryptor.update(data) + decryptor.finalize()


def looks_like_json(plaintext: bytes) -> bool:
    """Reads as the JSON a client encrypts (random bytes almost never do)."""
    try:
        text = plaintext.decode("utf-8").strip()
        json.loads(text)
    except (UnicodeDecodeError, ValueError, RecursionError):
        return False
    return text[:1] in ("{", "[")
