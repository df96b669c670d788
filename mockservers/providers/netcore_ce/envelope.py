"""Opening ``encryptedRequest``: decode, decrypt, parse, with one failure at the end.

Every path runs the same steps over a buffer of about the same size: decode
the text (base64 or hex), decrypt the whole buffer (CBC: and unpad it), and
try to parse the result as UTF-8 JSON. When a step fails, the later steps
still run on stand-in bytes; only then is the *first* failure raised. The
caller maps every failure to one response (spec.DECRYPTION_FAILED), so neither
the answer nor its timing says which step failed: no padding oracle.

Parsing is part of the envelope on purpose: with CBC a wrong key or a tampered
ciphertext passes the padding check about once in 256 tries and yields garbage;
if "garbage" were answered differently from "bad padding", that difference
would be a padding oracle.

Nothing here knows about HTTP; failures are :class:`CryptoError` with a
precise ``reason`` for the journal.
"""

from __future__ import annotations

import binascii
import hashlib
import string
from typing import Any, NamedTuple

from sealmail.mockservers.crypto import CryptoError, DecryptionFailed, EncodingError, aes_cbc, aes_gcm
from sealmail.mockservers.crypto.encoding import b64decode_strict
from sealmail.mockservers.crypto.text_hints import not_base64_hint
from sealmail.mockservers.core.jsonbody import JsonBodyError, parse_json_bytes

from . import spec
from .credentials import Credential

_GCM_MIN = spec.GCM_NONCE_BYTES + spec.GCM_TAG_BYTES


class Opened(NamedTuple):
    """A decrypted request: the parsed JSON plaintext and, for GCM, the nonce it used.

    A named tuple rather than a frozen dataclass: built once per accepted request,
    and a frozen dataclass's ``__init__`` costs about three times as much.
    """

    payload: Any
    nonce: bytes | None
    ciphertext_bytes: int
    fingerprint: bytes | None
    """GCM only (None for CBC, which has no nonce to remember): SHA-256 of the decoded
    ciphertext, which tells an identical replay from a nonce reused for new data."""
    warnings: tuple[str, ...] = ()
    """Journal warnings about the plaintext (``json_duplicate_member:<name>``)."""


def open_request(method: spec.Method, credential: Credential, text: str, *, hex_case: str = "lower") -> Opened:
    """Decode, decrypt and parse ``text`` as ``method`` with ``credential``.

    Raises :class:`CryptoError` whose ``reason`` is the first step that failed:
    ``not_base64``, ``not_hex``, ``hex_not_lowercase``, ``cbc_empty``,
    ``cbc_length_not_block_multiple``, ``cbc_bad_padding``, ``gcm_too_short``,
    ``gcm_tag_mismatch``, ``plaintext_not_utf8``, ``plaintext_not_json``,
    ``plaintext_too_deep``, ``json_non_finite_number``, ``json_lone_surrogate``,
    ``json_number_too_long``.
    """
    data, failure = _decode(method, text, hex_case)
    nonce: bytes | None = None
    if method.cipher == "cbc":
        assert credential.iv is not None
        outcome = aes_cbc.decrypt_uniform(credential.key, credential.iv, data)
        plaintext = outcome.plaintext
        failure = failure or outcome.failure
    else:
        if len(data) < _GCM_MIN:
            failure = failure or DecryptionFailed(
                "gcm_too_short", f"{len(data)} bytes; nonce ({spec.GCM_NONCE_BYTES}) and tag ({spec.GCM_TAG_BYTES}) alone are {_GCM_MIN}"
            )
            data = data + bytes(_GCM_MIN - len(data))
        nonce, sealed = data[: spec.GCM_NONCE_BYTES], data[spec.GCM_NONCE_BYTES :]
        try:
            plaintext = aes_gcm.decrypt(credential.key, nonce, sealed)
        except DecryptionFailed as error:
            failure = failure or error
            plaintext = sealed[: -spec.GCM_TAG_BYTES]
    warnings: list[str] = []
    payload, parse_failure = _parse(plaintext, warnings)
    failure = failure or parse_failure
    if failure is not None:
        raise failure
    fingerprint = None if nonce is None else hashlib.sha256(data).digest()
    return Opened(payload, nonce, len(data), fingerprint, tuple(warnings))


def _decode(method: spec.Method, text: str, hex_case: str) -> tuple[bytes, CryptoError | None]:
    """The ciphertext bytes, or stand-in zero bytes of about the same size and the failure."""
    if method.encoding == "base64":
        try:
            return b64decode_strict(text), None
        except EncodingError as error:
            return bytes(len(text) * 3 // 4), error
    try:
        data = binascii.unhexlify(text)
    except (binascii.Error, ValueError) as error:  # odd length, non-hex or non-ASCII characters
        return bytes(len(text) // 2), EncodingError("not_hex", str(error))
    if hex_case == "lower" and text != data.hex():
        return data, EncodingError("hex_not_lowercase", "upper-case hex digits; 11257 takes lowercase hex")
    return data, None


def _parse(plaintext: bytes, warnings: list[str]) -> tuple[Any, CryptoError | None]:
    """UTF-8 JSON (fact sheet: the CBC scripts encrypt ``json`` text); strict RFC 8259 (no NaN/Infinity)."""
    try:
        return parse_json_bytes(plaintext, prefix="plaintext", warn=warnings.append), None
    except JsonBodyError as error:
        return None, DecryptionFailed(error.reason, error.detail)


def diagnose(method: spec.Method, text: str, reason: str | None = None) -> str | None:
    """A guess, for the journal only, at why ``text`` failed under ``method`` with ``reason``.

    Never part of the response: it depends only on what the caller sent, but
    the caller gets one uniform answer anyway. Lengths are judged on the bytes
    the method's own encoding gives (hex for 11257), never on another decoding
    of the text: a hex string is often valid base64 too.
    """
    stripped = text.strip()
    is_hex = bool(stripped) and len(stripped) % 2 == 0 and all(c in string.hexdigits for c in stripped)
    try:
        as_base64: bytes | None = b64decode_strict(stripped) if stripped else None
    except EncodingError:
        as_base64 = None
    if method.encoding == "hex":
        if not is_hex:
            if as_base64 is not None:
                return "encryptedRequest looks like base64, but x-eCode 11257 takes hex: 11256 or 11258 meant?"
            return None
        decoded = bytes.fromhex(stripped)
    else:
        if is_hex:
            return "encryptedRequest looks like hex: x-eCode 11257 meant?"
        if as_base64 is None:
            return not_base64_hint(stripped) if stripped else None
        decoded = as_base64
    if method.cipher == "gcm":
        if len(decoded) % 16 == 0:
            return "a whole number of AES blocks: a CBC ciphertext (x-eCode 11256) sent as 11258?"
        return None
    if len(decoded) % 16:
        if len(decoded) >= _GCM_MIN:
            return "not a whole number of AES blocks: a GCM nonce || ciphertext || tag (x-eCode 11258) sent as CBC, or cut short?"
        return None
    if reason == "cbc_bad_padding":
        return ("well-formed whole AES blocks whose padding fails: most likely the wrong SECRET_KEY or SECRET_IV for this asset "
                "(the 32 and 16 characters used as their UTF-8 bytes, not hex- or base64-decoded), or a ciphertext changed after encryption")
    if reason in ("plaintext_not_json", "plaintext_not_utf8"):
        return ("the padding checks out, so the key is probably right (a wrong key passes about 1 time in 256; a wrong IV "
                "garbles only the first block): encrypt the UTF-8 JSON text of the activities list")
    return None
