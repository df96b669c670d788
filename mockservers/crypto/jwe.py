"""JWE compact serialization (RFC 7516) with the algorithms passed explicitly, over jwcrypto.

Used by the autosend mock (RSA-OAEP-256 + A256GCM, seed 001), its reference
client and its vector generator. jwcrypto does the base64url coding, the RSA-OAEP
key unwrap and the JWK handling, ``cryptography``'s AESGCM the content
decryption; this module adds the strict checks a provider needs and runs the
decryption steps one at a time so that each failure gets a precise reason for
the journal:

- :func:`parse_compact` -> :class:`CompactJwe`, or :class:`MalformedJwe` (not a
  JWE compact string: JSON serialization, segment count, base64url, header);
- :func:`check_policy` -> :class:`UnsupportedJwe` (alg, enc, ``zip``, ``crit``,
  embedded-key headers: what the *policy* refuses, never what the token asks);
- :func:`decrypt` -> plaintext, :class:`DecryptionFailed` or :class:`PlaintextTooLarge`.

The key is always chosen by the caller (from its own key set, by kid): nothing
here reads ``jwk``, ``jku``, ``x5u`` or ``x5c`` from a token (RFC 7516 4.1.3-4.1.6),
and the algorithms come from a :class:`JwePolicy`, never from the token alone.
"""

from __future__ import annotations

import binascii
import os
import re
from dataclasses import dataclass, field
from typing import Any, Mapping

from jwcrypto.common import InvalidJWEKeyLength, base64url_decode, base64url_encode, json_encode
from jwcrypto.jwe import JWE
from jwcrypto.jwk import JWK

from . import aes_gcm
from .encoding import is_canonical_base64url
from .errors import CryptoError, DecryptionFailed
from .jose import DuplicateMember, content_encryption_algorithm, key_management_algorithm, loads_unique_members
from .strict_json import SYNTAX, TOO_DEEP, StrictJsonError

RSA_OAEP_256 = "RSA-OAEP-256"
"""RFC 7518 4.3: RSAES-OAEP with SHA-256 and MGF1 with SHA-256."""
A256GCM = "A256GCM"
"""RFC 7518 5.3: AES-GCM with a 256-bit key, 96-bit IV, 128-bit tag."""

GCM_IV_BYTES = 12
"""RFC 7518 5.3: "Use of an IV of size 96 bits is REQUIRED with this algorithm"."""
GCM_TAG_BYTES = 16
"""RFC 7518 5.3: "The requested size of the Authentication Tag output MUST be 128 bits"."""

DECRYPT_ALGS = frozenset({"RSA-OAEP", RSA_OAEP_256})
"""Key management algorithms :func:`decrypt` can run (RSA keys only)."""
DECRYPT_ENCS = frozenset({"A128GCM", "A192GCM", A256GCM})
"""Content encryption algorithms :func:`decrypt` can run."""
KEY_HEADERS = ("jwk", "jku", "x5u", "x5c")
"""Header parameters that carry or point to a key (RFC 7516 4.1.3-4.1.6); never used to pick a key."""
MIN_RSA_BITS = 2048
"""RFC 7518 4.3: "A key of size 2048 bits or larger MUST be used with these algorithms"."""

_SEGMENT = re.compile(r"[A-Za-z0-9_-]*")
_SEGMENT_NAMES = ("protected header", "encrypted key", "IV", "ciphertext", "tag")


class MalformedJwe(CryptoError):
    """Not a JWE compact string (RFC 7516 7.1): structure, encoding or header."""


class UnsupportedJwe(CryptoError):
    """A well-formed JWE whose header the policy refuses (alg, enc, zip, crit, key headers)."""


class PlaintextTooLarge(CryptoError):
    """The plaintext would exceed the policy's size cap (known from the ciphertext length)."""


class KeyRejected(CryptoError):
    """A JWK that is not usable as an encryption key under the policy."""


@dataclass(frozen=True)
class JwePolicy:
    """What a recipient accepts. Pass it explicitly; there is no permissive default.

    ``understood_crit`` lists extension header names the caller processes
    (RFC 7516 4.1.13); any other ``crit`` entry is refused.
    """

    algs: frozenset[str]
    encs: frozenset[str]
    max_plaintext_bytes: int = 1 << 20
    reject_key_headers: bool = True
    allow_zip: bool = False
    understood_crit: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if not self.algs or not self.encs:
            raise ValueError("a JWE policy needs at least one alg and one enc")
        if self.allow_zip:
            raise ValueError("compressed plaintext (zip) is not supported")
        if self.max_plaintext_bytes < 1:
            raise ValueError("max_plaintext_bytes must be positive")


AUTOSEND_POLICY = JwePolicy(algs=frozenset({RSA_OAEP_256}), encs=frozenset({A256GCM}))
"""Seed 001, "Encryption standard": alg RSA-OAEP-256, enc A256GCM, compact serialization only."""


@dataclass(frozen=True)
class CompactJwe:
    """The five parts of a JWE compact string, decoded, plus its parsed protected header."""

    protected_b64: str
    """The first segment exactly as received: the AAD is its ASCII bytes (RFC 7516 5.1 step 14)."""
    header: dict[str, Any]
    encrypted_key: bytes
    iv: bytes
    ciphertext: bytes
    tag: bytes

    @property
    def alg(self) -> str:
        return self.header["alg"]

    @property
    def enc(self) -> str:
        return self.header["enc"]

    @property
    def kid(self) -> str | None:
        """The protected header's ``kid``, if any (a string: checked by :func:`parse_compact`)."""
        return self.header.get("kid")

    @property
    def aad(self) -> bytes:
        return self.protected_b64.encode("ascii")


# --- parsing -----------------------------------------------------------------------------------

def parse_compact(token: str) -> CompactJwe:
    """Parse a JWE compact string strictly; :class:`MalformedJwe` with a precise reason otherwise.

    Reasons: ``not_text``, ``json_serialization`` (RFC 7516 7.2 is not accepted),
    ``segment_count``, ``segment_not_base64url`` (alphabet, padding, non-canonical
    encodings), ``header_empty``, ``header_not_utf8``, ``header_not_json``,
    ``header_duplicate_member``, ``header_not_object``, ``header_alg_missing``,
    ``header_enc_missing``, ``header_kid_not_string``.
    """
    if not isinstance(token, str):
        raise MalformedJwe("not_text", f"{type(token).__name__}, not a string")
    if token.lstrip().startswith("{"):
        raise MalformedJwe("json_serialization", "JWE JSON serialization; only the compact form is accepted")
    segments = token.split(".")
    if len(segments) != 5:
        raise MalformedJwe("segment_count", f"{len(segments)} segments, a JWE compact string has 5")
    decoded = [_segment(text, name) for text, name in zip(segments, _SEGMENT_NAMES)]
    # The compact form is exactly these five segments (RFC 7516 7.1), each decoded
    # strictly above with jwcrypto's base64url. jwcrypto's JWE().deserialize would
    # decode them all a second time (after first trying the token as JSON): a
    # fifth of the JOSE layer's cost, and no check this function does not make.
    return CompactJwe(
        protected_b64=segments[0],
        header=_header(decoded[0]),
        encrypted_key=decoded[1],
        iv=decoded[2],
        ciphertext=decoded[3],
        tag=decoded[4],
    )


def _segment(text: str, name: str) -> bytes:
    """RFC 7515 2: base64url without padding, and (strictly) its canonical encoding."""
    if not _SEGMENT.fullmatch(text):
        raise MalformedJwe("segment_not_base64url", f"{name}: characters outside the base64url alphabet (or padding)")
    try:
        data = base64url_decode(text)
    except (binascii.Error, ValueError) as error:
        raise MalformedJwe("segment_not_base64url", f"{name}: {error}") from None
    if not is_canonical_base64url(text):
        raise MalformedJwe("segment_not_base64url", f"{name}: non-canonical base64url (stray trailing bits)")
    return data


def _header(raw: bytes) -> dict[str, Any]:
    if not raw:
        raise MalformedJwe("header_empty", "the protected header is empty (compact JWE needs alg and enc there)")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise MalformedJwe("header_not_utf8", str(error)) from None
    try:
        header = loads_unique_members(text)
    except DuplicateMember as error:
        # RFC 7515 4 / RFC 7516 4: names must be unique; we reject rather than take the last.
        raise MalformedJwe("header_duplicate_member", f"member {error.name!r} appears twice") from None
    except StrictJsonError as error:
        # RFC 8259 sections 6 and 8.2: no NaN/Infinity, no overflowing number, no lone surrogate.
        reason = "header_not_json" if error.reason in (SYNTAX, TOO_DEEP) else error.reason
        raise MalformedJwe(reason, f"protected header: {error.detail}") from None
    if not isinstance(header, dict):
        raise MalformedJwe("header_not_object", f"protected header is a JSON {type(header).__name__}")
    for name in ("alg", "enc"):
        if not isinstance(header.get(name), str) or not header[name]:
            raise MalformedJwe(f"header_{name}_missing", f"{name} absent or not a non-empty string")
    if "kid" in header and not isinstance(header["kid"], str):
        raise MalformedJwe("header_kid_not_string", "RFC 7515 4.1.4: kid is a string")
    return header


# --- policy ------------------------------------------------------------------------------------

def check_policy(jwe: CompactJwe, policy: JwePolicy) -> None:
    """Refuse what ``policy`` does not allow; :class:`UnsupportedJwe` with the reason.

    Reasons: ``alg_not_allowed``, ``enc_not_allowed``, ``zip_not_allowed``
    (RFC 7516 4.1.3: compression is refused, it invites size and oracle
    attacks), ``crit_malformed``, ``crit_unsupported`` (RFC 7516 4.1.13: a
    recipient MUST reject names it does not understand), ``embedded_key_header``.
    """
    header = jwe.header
    if jwe.alg not in policy.algs:
        raise UnsupportedJwe("alg_not_allowed", f"alg {jwe.alg!r}; allowed {sorted(policy.algs)}")
    if jwe.enc not in policy.encs:
        raise UnsupportedJwe("enc_not_allowed", f"enc {jwe.enc!r}; allowed {sorted(policy.encs)}")
    if "zip" in header:
        raise UnsupportedJwe("zip_not_allowed", f"zip {header['zip']!r}")
    if "crit" in header:
        crit = header["crit"]
        if not isinstance(crit, list) or not crit or not all(isinstance(n, str) and n for n in crit):
            raise UnsupportedJwe("crit_malformed", "crit must be a non-empty array of names (RFC 7515 4.1.11)")
        unknown = [n for n in crit if n not in policy.understood_crit or n not in header]
        if unknown:
            raise UnsupportedJwe("crit_unsupported", f"critical extension(s) not understood: {unknown}")
    if policy.reject_key_headers:
        present = [name for name in KEY_HEADERS if name in header]
        if present:
            raise UnsupportedJwe("embedded_key_header", f"token carries {present}; keys come only from the recipient's own set")


# --- decryption --------------------------------------------------------------------------------

def decrypt(jwe: CompactJwe, key: JWK, policy: JwePolicy) -> bytes:
    """Decrypt ``jwe`` with ``key`` (chosen by the caller) under ``policy``.

    Runs :func:`check_policy` first. Failures of the encrypted key and of the
    content both raise :class:`DecryptionFailed`, with reasons
    ``rsa_ciphertext_length``, ``rsa_oaep_unwrap_failed``, ``cek_length``,
    ``iv_length``, ``tag_length``, ``gcm_tag_mismatch``, ``key_not_rsa``,
    ``rsa_key_too_small``. When the key unwrap fails the content step still runs
    with a random CEK (RFC 3218 2.3.2), so the two failures take the same path.
    """
    check_policy(jwe, policy)
    if jwe.alg not in DECRYPT_ALGS or jwe.enc not in DECRYPT_ENCS:
        raise UnsupportedJwe("alg_not_implemented", f"{jwe.alg}/{jwe.enc} is allowed by the policy but not implemented here")
    if len(jwe.ciphertext) > policy.max_plaintext_bytes:  # GCM: plaintext and ciphertext have the same length
        raise PlaintextTooLarge("plaintext_too_large", f"{len(jwe.ciphertext)} bytes > {policy.max_plaintext_bytes}")
    if key.get("kty") != "RSA" or not key.has_private:
        raise DecryptionFailed("key_not_rsa", "the recipient key is not an RSA private key")
    bits = _rsa_bits(key)
    if bits < MIN_RSA_BITS:
        raise DecryptionFailed("rsa_key_too_small", f"{bits}-bit key")
    modulus_bytes = (bits + 7) // 8
    # Public facts first (RFC 7518 5.3: 96-bit IV, 128-bit tag); no oracle in them.
    if len(jwe.iv) != GCM_IV_BYTES:
        raise DecryptionFailed("iv_length", f"{len(jwe.iv)}-byte IV, A*GCM uses {GCM_IV_BYTES}")
    if len(jwe.tag) != GCM_TAG_BYTES:
        raise DecryptionFailed("tag_length", f"{len(jwe.tag)}-byte tag, A*GCM uses {GCM_TAG_BYTES}")
    if len(jwe.encrypted_key) != modulus_bytes:
        raise DecryptionFailed("rsa_ciphertext_length", f"{len(jwe.encrypted_key)}-byte encrypted key, modulus is {modulus_bytes}")

    key_management = key_management_algorithm(jwe.alg)
    content = content_encryption_algorithm(jwe.enc)
    cek_bytes = content.wrap_key_size // 8
    failure: DecryptionFailed | None = None
    try:
        cek = key_management.unwrap(key, content.wrap_key_size, jwe.encrypted_key, jwe.header)
    except InvalidJWEKeyLength as error:
        failure = DecryptionFailed("cek_length", f"unwrapped CEK has the wrong length ({error})")
        cek = os.urandom(cek_bytes)
    except ValueError:
        failure = DecryptionFailed("rsa_oaep_unwrap_failed", f"{jwe.alg} unwrap of the encrypted key failed")
        cek = os.urandom(cek_bytes)
    try:
        # RFC 7516 5.2 steps 14-16 with cryptography's AESGCM (``ciphertext || tag``,
        # AAD the encoded protected header); a third of the cost of jwcrypto's own.
        plaintext = aes_gcm.decrypt(cek, jwe.iv, jwe.ciphertext + jwe.tag, jwe.aad)
    except DecryptionFailed as error:  # gcm_tag_mismatch or gcm_bad_parameters
        raise failure or error from None
    if failure is not None:  # a random CEK authenticated: astronomically unlikely, still a failure
        raise failure
    return plaintext


def decrypt_compact(token: str, key: JWK, policy: JwePolicy) -> bytes:
    """:func:`parse_compact` then :func:`decrypt` (for callers with a single known key)."""
    return decrypt(parse_compact(token), key, policy)


def _rsa_bits(key: JWK) -> int:
    """The modulus size, from the key object jwcrypto caches (no per-request decode of ``n``)."""
    return key.get_op_key("unwrapKey").key_size


# --- encryption --------------------------------------------------------------------------------

def encrypt_compact(
    plaintext: bytes,
    public_key: JWK,
    *,
    kid: str | None,
    alg: str = RSA_OAEP_256,
    enc: str = A256GCM,
    extra_header: Mapping[str, Any] | None = None,
) -> str:
    """Encrypt to a JWE compact string with jwcrypto: fresh random CEK and IV on every call.

    ``alg``/``enc`` are passed to jwcrypto as the only allowed algorithms.
    ``extra_header`` adds protected header members (tests and broken clients).
    """
    header: dict[str, Any] = {"alg": alg, "enc": enc}
    if kid is not None:
        header["kid"] = kid
    header.update(extra_header or {})
    token = JWE(plaintext, protected=json_encode(header), algs=[alg, enc])
    token.add_recipient(public_key)
    return token.serialize(compact=True)


def encrypt_compact_with(plaintext: bytes, public_key: JWK | None, *, header: Mapping[str, Any], cek: bytes, iv: bytes) -> str:
    """RFC 7516 5.1 with a caller-chosen CEK and IV: for test vectors only.

    Everything but the encrypted key is then reproducible; RSA-OAEP stays
    randomised inside the library (its seed cannot be fixed). ``alg`` ``dir``
    needs no ``public_key`` (the CEK is the shared key, the encrypted key empty).
    Content encryption is AES-GCM only (``cryptography``); key wrapping is jwcrypto's.
    """
    alg, enc = header["alg"], header["enc"]
    if enc not in DECRYPT_ENCS:
        raise ValueError(f"encrypt_compact_with supports AES-GCM content encryption only, not {enc}")
    protected_b64 = base64url_encode(json_encode(dict(header)))
    if alg == "dir":
        encrypted_key = b""
    else:
        if public_key is None:
            raise ValueError(f"alg {alg} needs a public key")
        wrapped = key_management_algorithm(alg).wrap(public_key, len(cek) * 8, cek, dict(header))
        encrypted_key = wrapped["ek"]
    sealed = aes_gcm.encrypt(cek, iv, plaintext, protected_b64.encode("ascii"))
    ciphertext, tag = sealed[: -aes_gcm.TAG_SIZE], sealed[-aes_gcm.TAG_SIZE:]
    return ".".join([protected_b64, base64url_encode(encrypted_key), base64url_encode(iv), base64url_encode(ciphertext), base64url_encode(tag)])


# --- keys --------------------------------------------------------------------------------------

def import_encryption_key(jwk: Mapping[str, Any], *, alg: str = RSA_OAEP_256) -> JWK:
    """A public JWK from a JWKS, checked as an ``alg`` encryption key; :class:`KeyRejected` otherwise.

    Reasons: ``not_object``, ``kty``, ``alg`` (present and not ``alg``), ``use``
    (present and not ``enc``), ``key_ops`` (present without ``wrapKey``/``encrypt``),
    ``kid_missing``, ``import_failed``, ``rsa_key_too_small`` (RFC 7518 4.3),
    ``rsa_exponent`` (not odd or below 3).
    """
    if not isinstance(jwk, Mapping):
        raise KeyRejected("not_object", f"{type(jwk).__name__}")
    if jwk.get("kty") != "RSA":
        raise KeyRejected("kty", f"kty {jwk.get('kty')!r}, need RSA")
    if "alg" in jwk and jwk["alg"] != alg:
        raise KeyRejected("alg", f"alg {jwk['alg']!r}, need {alg}")
    if "use" in jwk and jwk["use"] != "enc":
        raise KeyRejected("use", f"use {jwk['use']!r}, need enc")
    if "key_ops" in jwk and not (isinstance(jwk["key_ops"], list) and {"wrapKey", "encrypt"} & set(jwk["key_ops"])):
        raise KeyRejected("key_ops", f"key_ops {jwk['key_ops']!r} allow no encryption")
    if not isinstance(jwk.get("kid"), str) or not jwk["kid"]:
        raise KeyRejected("kid_missing", "a JWKS key needs a kid to be named in X-Key-Id")
    public = {k: jwk[k] for k in ("kty", "n", "e", "kid") if k in jwk}
    try:
        key = JWK(**public)
        exponent = int.from_bytes(base64url_decode(key["e"]), "big")
    except Exception as error:  # jwcrypto raises several types for bad parameters
        raise KeyRejected("import_failed", f"{type(error).__name__}: {error}") from None
    bits = int.from_bytes(base64url_decode(key["n"]), "big").bit_length()
    if bits < MIN_RSA_BITS:
        raise KeyRejected("rsa_key_too_small", f"{bits}-bit modulus, need {MIN_RSA_BITS}")
    if exponent < 3 or exponent % 2 == 0:
        raise KeyRejected("rsa_exponent", f"public exponent {exponent}")
    return key
