"""The encrypted-request envelope: plaintext or ``{"encryptedData": "<JWE>"}``, opened to a payload.

Seed 001, "Request format" and FAQ: encryption is optional and per request;
"Only requests with the jwe header or an encryptedData field are decrypted";
``X-Key-Id`` names the key, else the kid of the JWE protected header. Errors:
the three 400s of the seed's "Error handling", each with its own code, and
nothing more specific for the caller inside "decryption failure" (the precise
reason goes to the journal only).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any, Callable, Mapping

from sealmail.mockservers.core import Rejection
from sealmail.mockservers.core.diagnosis import Diagnosis
from sealmail.mockservers.crypto import CryptoError, DecryptionFailed
from sealmail.mockservers.crypto.jwe_hints import unwrap_failure_hint
from sealmail.mockservers.crypto.jwe import JwePolicy, MalformedJwe, PlaintextTooLarge, UnsupportedJwe, decrypt, parse_compact
from sealmail.mockservers.core.jsonbody import JsonBodyError, parse_json_bytes

from . import spec

if TYPE_CHECKING:
    from .keys import KeyRing
    from .models import AutoSendConfig


@dataclass
class OpenedBody:
    """A request body after the envelope: the JSON payload and how it arrived."""

    payload: Any
    encrypted: bool
    kid: str | None = None
    kid_source: str | None = None
    """``X-Key-Id`` or ``header`` (the JWE protected header)."""
    warnings: list[str] = field(default_factory=list)


def policy_for(config: "AutoSendConfig") -> JwePolicy:
    """seed, "Encryption standard": alg RSA-OAEP-256, enc A256GCM, JWE compact; nothing else."""
    return JwePolicy(
        algs=frozenset({spec.ALG}),
        encs=frozenset({spec.ENC}),
        max_plaintext_bytes=config.max_plaintext_bytes,
        reject_key_headers=config.reject_key_headers,
    )


def open_body(headers: Mapping[str, str], raw: bytes, config: "AutoSendConfig", ring: "KeyRing",
              diagnose_later: Callable[[Diagnosis], None] | None = None) -> OpenedBody:
    """Decide plaintext or JWE, check the envelope, resolve the kid, decrypt, parse the JSON.

    ``diagnose_later`` receives journal-only diagnoses that must not run before
    the answer (they would change its timing): the RSA-OAEP variant check.
    """
    mode = _mode(headers.get(spec.HEADER_ENCRYPTION))
    warnings: list[str] = []
    body, error = _parse_json(raw, warnings)
    if not isinstance(body, dict) and _is_jwe(body if isinstance(body, str) else raw.decode("utf-8", errors="replace")):
        # seed: the JWE travels inside {"encryptedData": "<JWE>"}; here it is the body itself (or a quoted string).
        raise Rejection(spec.INVALID_JWE if mode == spec.ENCRYPTION_JWE else spec.INVALID_JSON, "jwe_not_enveloped",
                        detail='the body is a bare JWE compact string: send the JSON object {"encryptedData": "<JWE>"} as the body')
    has_envelope = isinstance(body, dict) and spec.ENVELOPE_FIELD in body
    if mode == spec.ENCRYPTION_JWE:
        if error is not None:
            raise Rejection(spec.INVALID_JWE, _json_reason(error, "envelope_not_json"),
                            detail=f"X-Payload-Encryption: jwe with a body that is not JSON ({error.reason}: {error.detail})")
        if not has_envelope:
            raise Rejection(spec.INVALID_JWE, "encrypted_data_missing", detail="X-Payload-Encryption: jwe but no encryptedData field")
    elif has_envelope and mode == spec.ENCRYPTION_NONE:
        if config.none_with_encrypted_data == "reject":
            raise Rejection(spec.INVALID_ENCRYPTION_HEADER, "none_with_encrypted_data",
                            detail="X-Payload-Encryption: none with an encryptedData body")
        warnings.append("encrypted_data_with_encryption_none")
    if not has_envelope:
        return _plaintext(headers, body, error, config, warnings)
    assert isinstance(body, dict)
    return _encrypted(headers, body, config, ring, warnings, diagnose_later)


def _is_jwe(text: str) -> bool:
    try:
        parse_compact(text.strip())
    except MalformedJwe:
        return False
    return True


def _mode(value: str | None) -> str | None:
    if value is None:
        return None
    mode = value.strip()
    if mode not in (spec.ENCRYPTION_JWE, spec.ENCRYPTION_NONE):
        # seed: "Set to jwe for encrypted requests. Omit (or use none) for plaintext." Exact values only.
        raise Rejection(spec.INVALID_ENCRYPTION_HEADER, "encryption_header_value", detail=f"X-Payload-Encryption: {value!r}")
    return mode


def _parse_json(raw: bytes, warnings: list[str]) -> tuple[Any, JsonBodyError | None]:
    try:
        return parse_json_bytes(raw, warn=warnings.append), None
    except JsonBodyError as error:
        return None, error


def _json_reason(error: JsonBodyError, generic: str) -> str:
    """The strictness reasons (``json_non_finite_number``...) as they are; other failures as ``generic``."""
    return error.reason if error.reason.startswith("json_") else generic


def _plaintext(headers: Mapping[str, str], body: Any, error: JsonBodyError | None, config: "AutoSendConfig",
               warnings: list[str]) -> OpenedBody:
    if config.require_encryption:
        raise Rejection(spec.ENCRYPTION_REQUIRED, "plaintext_body", detail="require_encryption is on")
    if error is not None:
        raise Rejection(spec.INVALID_JSON, _json_reason(error, "body_not_json"), detail=f"{error.reason}: {error.detail}")
    if headers.get(spec.HEADER_KEY_ID) is not None:
        warnings.append("key_id_without_encryption")
    return OpenedBody(body, encrypted=False, warnings=warnings)


def _encrypted(headers: Mapping[str, str], body: dict[str, Any], config: "AutoSendConfig", ring: "KeyRing",
               warnings: list[str], diagnose_later: Callable[[Diagnosis], None] | None) -> OpenedBody:
    token = body[spec.ENVELOPE_FIELD]
    if not isinstance(token, str):
        raise Rejection(spec.INVALID_JWE, "encrypted_data_not_string", detail=f"encryptedData is a JSON {type(token).__name__}")
    extra = sorted(set(body) - {spec.ENVELOPE_FIELD})
    if extra:
        if not config.allow_extra_envelope_fields:
            raise Rejection(spec.INVALID_JWE, "envelope_extra_fields", detail=f"fields beside encryptedData: {extra}")
        warnings.append("envelope_extra_fields:" + ",".join(extra))
    try:
        jwe = parse_compact(token)
    except MalformedJwe as failure:
        raise Rejection(spec.INVALID_JWE, failure.reason, detail=failure.detail or None) from None

    kid, source = _resolve_kid(headers.get(spec.HEADER_KEY_ID), jwe.kid)
    key = ring.get(kid)
    if key is None:
        reason = "kid_retired" if ring.retired_at(kid) is not None else "kid_unknown"
        raise Rejection(spec.UNKNOWN_KEY_ID, reason, detail=f"kid {kid!r} (from {source}); listed: {ring.kids()}")

    try:
        plaintext = decrypt(jwe, key.private, policy_for(config))
    except UnsupportedJwe as failure:
        kind = spec.INVALID_JWE if config.header_policy_error == "invalid_jwe" else spec.DECRYPTION_FAILED
        detail = failure.detail
        if failure.reason == "alg_not_allowed" and jwe.alg == "RSA-OAEP":
            detail += ("; RSA-OAEP is SHA-1 OAEP (the default of many JOSE libraries and Java's OAEPWithSHA-1AndMGF1Padding): "
                       "set alg RSA-OAEP-256 and wrap with SHA-256 OAEP and MGF1-SHA-256")
        raise Rejection(kind, failure.reason, detail=detail or None) from None
    except PlaintextTooLarge as failure:
        raise Rejection(spec.PAYLOAD_TOO_LARGE, failure.reason, detail=failure.detail or None) from None
    except DecryptionFailed as failure:
        if failure.reason == "rsa_oaep_unwrap_failed" and diagnose_later is not None:
            diagnose_later(partial(unwrap_failure_hint, key.private, jwe.encrypted_key, jwe.iv, jwe.ciphertext, jwe.tag, jwe.aad))
        raise Rejection(spec.DECRYPTION_FAILED, failure.reason, detail=failure.detail or None) from None
    except CryptoError as failure:  # any other crypto refusal is still a decryption failure to the caller
        raise Rejection(spec.DECRYPTION_FAILED, failure.reason, detail=failure.detail or None) from None

    payload, error = _parse_json(plaintext, warnings)
    if error is not None:
        raise Rejection(spec.INVALID_JSON, _json_reason(error, "decrypted_not_json"),
                        detail=f"the JWE decrypted, but its plaintext is {error.reason}: {error.detail}")
    return OpenedBody(payload, encrypted=True, kid=kid, kid_source=source, warnings=warnings)


def _resolve_kid(header_value: str | None, token_kid: str | None) -> tuple[str, str]:
    """X-Key-Id if sent, else the protected header's kid; both sent must agree."""
    if header_value is not None:
        sent = header_value.strip()
        if not sent:
            raise Rejection(spec.UNKNOWN_KEY_ID, "key_id_header_empty", detail="X-Key-Id is empty")
        if token_kid is not None and token_kid != sent:
            raise Rejection(spec.UNKNOWN_KEY_ID, "kid_mismatch",
                            detail=f"X-Key-Id {sent!r} but the JWE protected header says kid {token_kid!r}")
        return sent, spec.HEADER_KEY_ID
    if token_kid is None:
        raise Rejection(spec.UNKNOWN_KEY_ID, "kid_missing", detail="no X-Key-Id and no kid in the JWE protected header")
    return token_kid, "header"
