"""Compact JWS / JWT signing and verification for RSA keys, over jwcrypto.

Used by the stayprivate mock (seed 004: "a valid JSON web token (JWT) ... must
include the company API id as issuer (iss) and a valid expiry time (exp) and be
signed using the corresponding private key"; "alg: <RS256 or similar>"), its
reference client and its vector generator.

Security rules (each one a named failure with its own ``reason``):

- The caller passes the allowed algorithms and the one verification key
  explicitly. The token never chooses either: ``alg`` must be in the allowed
  set, ``kid`` is ignored, and headers that carry or point to a key (``jwk``,
  ``jku``, ``x5u``, ``x5c``; RFC 7515 sections 4.1.2-4.1.6) are refused.
- ``none`` in any spelling (RFC 7518 section 3.6) and the HMAC algorithms
  (key confusion: HS256 "signed" with the RSA public key as the secret) are
  refused before any signature check.
- ``crit`` (RFC 7515 section 4.1.11): this verifier understands no extension,
  so any ``crit`` is refused; so is ``b64`` (RFC 7797, which needs ``crit``).
- Only the compact serialization (RFC 7515 section 7.1) with canonical
  unpadded base64url segments is accepted: no JSON serialization, no padding,
  no stray characters, no non-canonical trailing bits.
- Claims are read only after the signature verified (RFC 7519 section 7.2).
  ``exp`` is required and must be in the future (RFC 7519 section 4.1.4);
  ``nbf`` and ``iat``, when present, must be numbers and not in the future;
  every time check allows ``leeway_s`` of clock skew.

What jwcrypto does here: base64url coding, the JWA signature algorithms (the
check itself, over the received signing input), signing (``JWSCore``), JWK
handling. What this module adds
is the policy above; it splits the compact form itself (three segments, a
regular expression) because jwcrypto's ``JWS`` object also accepts the JSON
serialization and lenient base64, and deep-copies its header registry for
every token (more than half of a verification's cost).

Time is passed in (``now_s``), never read here, so a mock clock governs it.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any, Collection, Mapping

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwcrypto.common import base64url_decode, base64url_encode
from jwcrypto.jwk import JWK
from jwcrypto.jws import JWSCore

from .encoding import is_canonical_base64url
from .errors import CryptoError
from .jose import DuplicateMember, loads_unique_members, signing_algorithm
from .strict_json import SYNTAX, TOO_DEEP, StrictJsonError

RSA_ALGORITHMS: frozenset[str] = frozenset({"RS256", "RS384", "RS512", "PS256", "PS384", "PS512"})
"""Every JWS algorithm an RSA key can verify (RFC 7518 sections 3.3 and 3.5)."""

HMAC_ALGORITHMS: frozenset[str] = frozenset({"HS256", "HS384", "HS512"})
"""Symmetric algorithms: refused outright (an RSA public key is no secret)."""

EMBEDDED_KEY_HEADERS: tuple[str, ...] = ("jwk", "jku", "x5u", "x5c")
"""Header parameters that carry or point to a key (RFC 7515 sections 4.1.2-4.1.6)."""

DEFAULT_LEEWAY_S = 30
"""Clock skew tolerated on ``exp``, ``nbf`` and ``iat``, in seconds."""

MAX_TOKEN_CHARS = 8000
"""Longer tokens are refused before parsing (an RS512 JWT is ~0.7 KiB; HTTP servers cap a header line near 8 KiB)."""

_COMPACT = re.compile(r"^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]*)\.([A-Za-z0-9_-]*)$")


# --- errors ---------------------------------------------------------------
class JwtError(CryptoError):
    """Root of every JWT rejection; ``reason`` names the precise cause."""


class TokenMalformed(JwtError):
    """Not a compact JWS with canonical base64url segments and JSON objects inside."""


class AlgorithmRejected(JwtError):
    """``alg`` missing, ``none``, HMAC, or not in the caller's allowed set."""


class HeaderRejected(JwtError):
    """A header parameter this verifier refuses (embedded keys, ``crit``, ``b64``)."""


class SignatureInvalid(JwtError):
    """The signature does not verify with the given key."""


class ClaimsInvalid(JwtError):
    """A required claim is missing, has the wrong type, or names the wrong issuer."""


class TokenExpired(ClaimsInvalid):
    """``exp`` is in the past (beyond the leeway)."""


class TokenNotYetValid(ClaimsInvalid):
    """``nbf`` or ``iat`` is in the future (beyond the leeway)."""


class KeyRejected(JwtError):
    """A PEM that is not an RSA public key of an acceptable size."""


# --- results --------------------------------------------------------------
@dataclass(frozen=True)
class UnverifiedToken:
    """Header and claims as written in a token, before (or without) verification.

    For journals and diagnostics only: nothing here is trusted.
    """

    header: dict[str, Any] | None
    claims: dict[str, Any] | None


@dataclass(frozen=True)
class VerifiedJwt:
    """A token whose signature, header and claims all passed."""

    algorithm: str
    header: dict[str, Any]
    claims: dict[str, Any]

    @property
    def issuer(self) -> str:
        return str(self.claims["iss"])

    @property
    def expires_at(self) -> float:
        return float(self.claims["exp"])


# --- keys -----------------------------------------------------------------
def load_rsa_public_key(pem: str | bytes, *, min_bits: int = 2048) -> JWK:
    """Parse a PEM RSA public key (SPKI or PKCS#1) into a JWK; :class:`KeyRejected` otherwise.

    The seed's ``openssl rsa -in privatejwt.key -pubout`` output is SPKI PEM.
    """
    data = pem.encode("ascii", errors="replace") if isinstance(pem, str) else pem
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError) as error:
        raise KeyRejected("key_not_pem_public_key", str(error)) from None
    except Exception as error:  # cryptography raises UnsupportedAlgorithm for odd key types
        raise KeyRejected("key_not_pem_public_key", f"{type(error).__name__}: {error}") from None
    if not isinstance(key, rsa.RSAPublicKey):
        raise KeyRejected("key_not_rsa", f"{type(key).__name__} is not an RSA public key")
    if key.key_size < min_bits:
        raise KeyRejected("key_too_small", f"{key.key_size}-bit RSA key, at least {min_bits} bits required")
    return JWK.from_pyca(key)


def load_rsa_private_key(pem: str | bytes, password: bytes | None = None, *, trusted: bool = False) -> JWK:
    """Parse a PEM RSA private key (PKCS#1 or PKCS#8, optionally encrypted) into a JWK.

    The seed's ``openssl genrsa [-des3] -out privatejwt.key 2048`` output.
    ``trusted``: a key shipped with sealmail (checked in full by the unit tests), loaded without
    OpenSSL's RSA consistency check (~40 ms of every ``sealmail serve`` start-up otherwise).
    """
    data = pem.encode("ascii") if isinstance(pem, str) else pem
    try:
        key = serialization.load_pem_private_key(data, password=password, unsafe_skip_rsa_key_validation=trusted)
    except (ValueError, TypeError) as error:
        raise KeyRejected("key_not_pem_private_key", str(error)) from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise KeyRejected("key_not_rsa", f"{type(key).__name__} is not an RSA private key")
    jwk = JWK.from_pyca(key)
    # load_pem_private_key has just run OpenSSL's RSA key checks; without this flag jwcrypto runs them
    # again (~50 ms for 2048 bits) when it rebuilds the key from the JWK numbers at the first signature.
    jwk.unsafe_skip_rsa_key_validation = True
    return jwk


def public_pem(key: JWK) -> str:
    """SubjectPublicKeyInfo PEM of a JWK's public part."""
    return key.export_to_pem(private_key=False).decode("ascii")


# --- signing ----------------------------------------------------------------
def encode_json_segment(value: Mapping[str, Any]) -> str:
    """Compact JSON (no spaces, key order kept) then base64url: deterministic for a given mapping."""
    return base64url_encode(json.dumps(dict(value), separators=(",", ":"), ensure_ascii=False).encode("utf-8"))


def sign_compact(protected_header: Mapping[str, Any], payload: bytes, key: JWK, *, algorithm: str | None = None) -> str:
    """Sign ``payload`` under exactly this protected header; return the compact JWS.

    The header is serialized as given (compact JSON, insertion order), so for
    a deterministic algorithm (RS256/384/512: RSASSA-PKCS1-v1_5) the token is
    byte-reproducible. No header policy is applied here: vector generators use
    this to build tokens a verifier must refuse.
    """
    alg = algorithm if algorithm is not None else str(protected_header["alg"])
    header_json = json.dumps(dict(protected_header), separators=(",", ":"), ensure_ascii=False)
    signed = JWSCore(alg, key, header_json, payload, [alg]).sign()
    payload_b64 = signed["payload"].decode("ascii") if isinstance(signed["payload"], bytes) else signed["payload"]
    return f"{signed['protected']}.{payload_b64}.{signed['signature']}"


def sign_jwt(
    claims: Mapping[str, Any],
    key: JWK,
    *,
    algorithm: str = "RS256",
    extra_header: Mapping[str, Any] | None = None,
) -> str:
    """A compact JWT: header ``{"alg": algorithm, "typ": "JWT", **extra_header}`` over ``claims``."""
    header: dict[str, Any] = {"alg": algorithm, "typ": "JWT", **(extra_header or {})}
    payload = json.dumps(dict(claims), separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return sign_compact(header, payload, key, algorithm=algorithm)


# --- verification -----------------------------------------------------------
def peek(token: str) -> UnverifiedToken:
    """Header and claims of a token as written, without any check; parts that do not decode are None."""
    parts = token.split(".") if isinstance(token, str) else []
    return UnverifiedToken(
        header=_json_object_or_none(parts[0]) if len(parts) == 3 else None,
        claims=_json_object_or_none(parts[1]) if len(parts) == 3 else None,
    )


@dataclass(frozen=True)
class VerifiedJws:
    """A compact JWS whose header passed the policy and whose signature verified."""

    algorithm: str
    header: dict[str, Any]
    payload: bytes


def verify_jws(token: str, key: JWK, *, algorithms: Collection[str]) -> VerifiedJws:
    """The JWS layer: compact form, header policy, then the signature with ``key``.

    ``algorithms`` must be a non-empty subset of :data:`RSA_ALGORITHMS`
    (``ValueError`` otherwise: that is the caller's bug, not the token's).
    """
    allowed = frozenset(algorithms)
    if not allowed or not allowed <= RSA_ALGORITHMS:
        raise ValueError(f"algorithms must be a non-empty subset of {sorted(RSA_ALGORITHMS)}, got {sorted(allowed)}")
    header_b64, payload_b64, signature_b64 = _split_compact(token)
    header_raw = _decode_segment(header_b64, "header")
    header = _decode_json_value(header_raw, "header")
    algorithm = _check_header(header, allowed)
    payload = _decode_segment(payload_b64, "payload")
    signature = _decode_segment(signature_b64, "signature")
    if not signature:
        raise SignatureInvalid("signature_missing", "empty signature segment")
    # RFC 7515 section 5.2 step 8: the signing input is the ASCII of the received
    # "header.payload" segments (both proven canonical above). jwcrypto's JWA
    # primitive checks the signature over it; its JWSCore/JWS objects would
    # re-encode both segments and rebuild their header registry per token.
    signing_input = f"{header_b64}.{payload_b64}".encode("ascii")
    try:
        signing_algorithm(algorithm).verify(key, signing_input, signature)
    except Exception as error:  # InvalidSignature, or a key the algorithm cannot use
        raise SignatureInvalid("signature_invalid", f"{algorithm}: {type(error).__name__}") from None
    return VerifiedJws(algorithm=algorithm, header=header, payload=payload)


def verify_jwt(
    token: str,
    key: JWK,
    *,
    algorithms: Collection[str],
    issuer: str,
    now_s: float,
    leeway_s: float = DEFAULT_LEEWAY_S,
    max_lifetime_s: float | None = None,
) -> VerifiedJwt:
    """Verify a compact JWT against ``key`` under ``algorithms``; raise a :class:`JwtError` subclass.

    :func:`verify_jws` first, then the claims (:func:`check_claims`), read only
    once the signature verified. ``max_lifetime_s``, when given, refuses an
    ``exp`` further than that past ``now_s``.
    """
    verified = verify_jws(token, key, algorithms=algorithms)
    claims = decode_claims(verified.payload)
    check_claims(claims, issuer=issuer, now_s=now_s, leeway_s=leeway_s, max_lifetime_s=max_lifetime_s)
    return VerifiedJwt(algorithm=verified.algorithm, header=verified.header, claims=claims)


def verify_signature(algorithm: str, key: JWK, signing_input: bytes, signature: bytes) -> bool:
    """The bare JWA signature check (RFC 7518 section 3) the verifier relies on, via jwcrypto.

    Exposed so that the primitive can be checked against Wycheproof's RSA
    signature vectors on its own. ``algorithm`` must be an RSA algorithm.
    """
    if algorithm not in RSA_ALGORITHMS:
        raise ValueError(f"{algorithm} is not an RSA JWS algorithm")
    try:
        signing_algorithm(algorithm).verify(key, signing_input, signature)
    except Exception:  # InvalidSignature and friends: all mean "does not verify"
        return False
    return True


def decode_claims(payload: bytes) -> dict[str, Any]:
    """The JWT claims set: a UTF-8 JSON object with unique member names (RFC 7519 section 7.2 step 10)."""
    return _decode_json_value(payload, "claims")


def _split_compact(token: str) -> tuple[str, str, str]:
    if not isinstance(token, str) or not token:
        raise TokenMalformed("token_empty")
    if len(token) > MAX_TOKEN_CHARS:
        raise TokenMalformed("token_too_long", f"{len(token)} characters, at most {MAX_TOKEN_CHARS}")
    if token.lstrip().startswith("{"):
        raise TokenMalformed("token_not_compact", "JWS JSON serialization; a bearer token is the compact form")
    match = _COMPACT.fullmatch(token)
    if match is None:
        dots = token.count(".")
        detail = f"{dots + 1} segments, a JWS has 3" if dots != 2 else "segments are not unpadded base64url"
        raise TokenMalformed("token_not_compact", detail)
    return match.group(1), match.group(2), match.group(3)


def _decode_segment(segment: str, what: str) -> bytes:
    """Unpadded base64url (jwcrypto's decoder) that must be the canonical encoding of its bytes."""
    try:
        raw = base64url_decode(segment)
    except ValueError as error:
        raise TokenMalformed(f"{what}_not_base64url", str(error)) from None
    if not is_canonical_base64url(segment):
        raise TokenMalformed("token_not_canonical", f"{what} segment is not canonical base64url")
    return raw


def _decode_json_value(raw: bytes, what: str) -> dict[str, Any]:
    try:
        value = loads_unique_members(raw.decode("utf-8"))
    except DuplicateMember as error:
        # RFC 7515 section 5.2 step 4 / RFC 7519 section 4: names must be unique.
        raise TokenMalformed(f"{what}_duplicate_member", str(error)) from None
    except StrictJsonError as error:
        # RFC 8259 sections 6 and 8.2: no NaN/Infinity, no overflowing number, no lone surrogate.
        reason = f"{what}_not_json" if error.reason in (SYNTAX, TOO_DEEP) else error.reason
        raise TokenMalformed(reason, f"{what}: {error.detail}") from None
    except UnicodeDecodeError as error:
        raise TokenMalformed(f"{what}_not_json", str(error)[:200]) from None
    if not isinstance(value, dict):
        raise TokenMalformed(f"{what}_not_object", f"JSON {type(value).__name__}")
    return value


def _check_header(header: dict[str, Any], allowed: frozenset[str]) -> str:
    if "alg" not in header:
        raise AlgorithmRejected("alg_missing")
    alg = header["alg"]
    if not isinstance(alg, str):
        raise AlgorithmRejected("alg_invalid", f"alg is {type(alg).__name__}")
    if alg.strip().lower() == "none":
        raise AlgorithmRejected("alg_none", f"alg {alg!r}")
    if alg.upper() in HMAC_ALGORITHMS:
        raise AlgorithmRejected("alg_hmac", f"alg {alg!r}: symmetric algorithms are refused (key confusion)")
    if alg not in allowed:
        raise AlgorithmRejected("alg_not_allowed", f"alg {alg!r}, allowed {sorted(allowed)}")
    embedded = [name for name in EMBEDDED_KEY_HEADERS if name in header]
    if embedded:
        raise HeaderRejected("header_embedded_key", f"header carries {embedded}; keys come only from the registry")
    if "crit" in header:
        raise HeaderRejected("header_crit_unsupported", f"crit {header['crit']!r}: no extension is understood")
    if "b64" in header:
        raise HeaderRejected("header_b64_unsupported", "RFC 7797 unencoded payloads are not accepted")
    return alg


MILLISECONDS_FROM = 1e11
"""A NumericDate at or past this is the year 5138 in seconds: it was written in epoch milliseconds
(JavaScript's ``Date.now()``, Java's ``System.currentTimeMillis()``)."""


def in_milliseconds(value: Any) -> bool:
    """Whether a time claim looks like epoch milliseconds instead of RFC 7519's seconds."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value >= MILLISECONDS_FROM


def _unit_hint(value: float) -> str:
    return " (epoch milliseconds? a NumericDate counts seconds, RFC 7519 section 2)" if in_milliseconds(value) else ""


def check_claims(
    claims: dict[str, Any], *, issuer: str, now_s: float, leeway_s: float = DEFAULT_LEEWAY_S,
    max_lifetime_s: float | None = None,
) -> None:
    """RFC 7519 section 4.1 checks: ``iss`` equals ``issuer``; ``exp`` required and future; ``nbf``/``iat`` not future."""
    if "iss" not in claims:
        raise ClaimsInvalid("iss_missing")
    if not isinstance(claims["iss"], str):
        raise ClaimsInvalid("iss_invalid", f"iss is {type(claims['iss']).__name__}")
    if claims["iss"] != issuer:
        raise ClaimsInvalid("iss_mismatch", f"iss {claims['iss'][:80]!r} is not the company API id {issuer!r}")
    if "exp" not in claims:
        raise ClaimsInvalid("exp_missing")
    exp = _numeric_date(claims, "exp")
    if now_s >= exp + leeway_s:
        raise TokenExpired("token_expired", f"exp {exp:.0f} is {now_s - exp:.0f}s before now (leeway {leeway_s:g}s)")
    if "nbf" in claims:
        nbf = _numeric_date(claims, "nbf")
        if nbf > now_s + leeway_s:
            raise TokenNotYetValid("token_not_yet_valid", f"nbf {nbf:.0f} is {nbf - now_s:.0f}s after now{_unit_hint(nbf)}")
    if "iat" in claims:
        iat = _numeric_date(claims, "iat")
        if iat > now_s + leeway_s:
            raise TokenNotYetValid("iat_in_future", f"iat {iat:.0f} is {iat - now_s:.0f}s after now{_unit_hint(iat)}")
    if max_lifetime_s is not None and exp - now_s > max_lifetime_s + leeway_s:
        raise ClaimsInvalid("token_lifetime_too_long", f"exp is {exp - now_s:.0f}s away, at most {max_lifetime_s:g}s{_unit_hint(exp)}")


def _numeric_date(claims: dict[str, Any], name: str) -> float:
    """RFC 7519 section 2 NumericDate: a JSON number of seconds (not a string, not a boolean)."""
    value = claims[name]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ClaimsInvalid(f"{name}_invalid", f"{name} is {type(value).__name__}, not a NumericDate")
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):
        raise ClaimsInvalid(f"{name}_invalid", f"{name} is out of range")
    return number




def _json_object_or_none(segment: str) -> dict[str, Any] | None:
    try:
        value = json.loads(base64url_decode(segment).decode("utf-8"))
    except Exception:  # diagnostics only: anything undecodable is simply absent
        return None
    return value if isinstance(value, dict) else None
