"""AES-256-CBC with PKCS#7 padding (NIST SP 800-38A section 6.2; RFC 5652 section 6.3).

Used by netcore-ce eCodes 11256 (base64) and 11257 (hex): the seed's scripts
encrypt with a pre-shared 32-byte key and a static 16-byte IV, PKCS#7 padding.

Decryption does the same work whatever is wrong with the input: the whole
buffer is always decrypted and unpadded (a length that is not a block multiple
is zero-extended first), and the failure is reported only at the end. The
padding check itself is ``cryptography``'s constant-time PKCS#7 unpadder. A
caller that maps every :class:`DecryptionFailed` to one response therefore
offers no padding oracle, neither in the response nor in its timing.
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from .errors import DecryptionFailed

BLOCK_SIZE = 16
"""AES block size in bytes; also the CBC IV size."""
KEY_SIZE = 32
"""AES-256: the only key size these scripts use."""
IV_SIZE = 16


def encrypt(key: bytes, iv: bytes, plaintext: bytes) -> bytes:
    """PKCS#7-pad ``plaintext`` and encrypt it; returns the ciphertext only (no IV).

    ``ValueError`` if ``key`` is not 32 bytes or ``iv`` not 16.
    """
    _check_parameters(key, iv)
    padder = padding.PKCS7(BLOCK_SIZE * 8).padder()
    padded = padder.update(plaintext) + padder.finalize()
    encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    return encryptor.update(padded) + encryptor.finalize()


@dataclass(frozen=True)
class CbcOutcome:
    """What :func:`decrypt_uniform` found.

    ``plaintext`` is the unpadded plaintext on success; on failure it is the
    raw decrypted buffer (so that a caller can run the same later steps, such
    as parsing, on every path). ``failure`` is None on success.
    """

    plaintext: bytes
    failure: DecryptionFailed | None

    @property
    def ok(self) -> bool:
        return self.failure is None


def decrypt_uniform(key: bytes, iv: bytes, data: bytes) -> CbcOutcome:
    """Decrypt and unpad with the same work on every path; never raises.

    Reasons (first that applies): ``cbc_bad_parameters`` (key not 32 bytes or
    IV not 16), ``cbc_empty`` (no ciphertext at all: PKCS#7 always adds a
    block), ``cbc_length_not_block_multiple``, ``cbc_bad_padding`` (which is
    also what a wrong key shows as, 255 times in 256).
    """
    failure: DecryptionFailed | None = None
    if len(key) != KEY_SIZE or len(iv) != IV_SIZE:
        failure = DecryptionFailed("cbc_bad_parameters", f"key {len(key)} bytes, IV {len(iv)} bytes; need {KEY_SIZE} and {IV_SIZE}")
        key, iv = bytes(KEY_SIZE), bytes(IV_SIZE)
    work = data
    if not data:
        failure = failure or DecryptionFailed("cbc_empty", "no ciphertext; PKCS#7 output is at least one block")
        work = bytes(BLOCK_SIZE)
    elif len(data) % BLOCK_SIZE:
        failure = failure or DecryptionFailed(
            "cbc_length_not_block_multiple", f"{len(data)} bytes is not a multiple of {BLOCK_SIZE}"
        )
        work = data + bytes(-len(data) % BLOCK_SIZE)
    decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    padded = decryptor.update(work) + decryptor.finalize()
    unpadder = padding.PKCS7(BLOCK_SIZE * 8).unpadder()
    # Both paths do the same work: build the failure object, raise and catch one
    # ValueError (the library's on bad padding, a balancing one on good padding),
    # and join head and tail into one new buffer of about the same size. Without
    # this a bad padding costs about 0.9 us more than a good one (measured with
    # python -m sealmail.mockservers.providers.netcore_ce.timing); with it they agree within noise.
    bad_padding = DecryptionFailed("cbc_bad_padding", "PKCS#7 padding invalid (wrong key, IV or ciphertext)")
    head = unpadder.update(padded)
    try:
        tail = unpadder.finalize()
        try:
            raise ValueError("timing balance")
        except ValueError:
            pass
    except ValueError:
        failure = failure or bad_padding
        tail = padded[len(head) :]  # on failure: the raw buffer, for the caller's later steps
    plaintext = head + tail
    return CbcOutcome(plaintext, failure)


def decrypt(key: bytes, iv: bytes, data: bytes) -> bytes:
    """Decrypt and unpad; :class:`DecryptionFailed` (see :func:`decrypt_uniform`) on any failure."""
    outcome = decrypt_uniform(key, iv, data)
    if outcome.failure is not None:
        raise outcome.failure
    return outcome.plaintext


def _check_parameters(key: bytes, iv: bytes) -> None:
    if len(key) != KEY_SIZE:
        raise ValueError(f"AES-256-CBC key must be {KEY_SIZE} bytes, got {len(key)}")
    if len(iv) != IV_SIZE:
        raise ValueError(f"CBC IV must be {IV_SIZE} bytes, got {len(iv)}")
