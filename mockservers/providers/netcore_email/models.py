"""Netcore Email v6 rules: authentication, body decryption, payload validation.

Everything here raises :class:`Rejection` with a precise reason; nothing here
knows about HTTP requests beyond header values and body bytes.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from functools import partial
from typing import Any, Callable, Mapping, NamedTuple

from sealmail.mockservers.core import MockClock, MockConfig, Rejection
from sealmail.mockservers.core.auth import same_secret
from sealmail.mockservers.core.diagnosis import Diagnosis
from sealmail.mockservers.core.jsonbody import JsonBodyError, parse_json_bytes
from sealmail.mockservers.core.validation import is_email
from sealmail.mockservers.crypto import CryptoError, aes_gcm
from sealmail.mockservers.crypto.encoding import b64decode_strict
from sealmail.mockservers.crypto.gcm_hints import tag_mismatch_hint
from sealmail.mockservers.crypto.text_hints import not_base64_hint, wrong_size_hint

from . import spec


@dataclass(kw_only=True)
class NetcoreEmailConfig(MockConfig):
    """Settings of the netcore-email mock (all overridable from the CLI or fixtures)."""

    api_key: str = spec.DEFAULT_API_KEY
    """The one API key accepted as ``Authorization: Bearer <api_key>``."""
    accept_legacy_auth: bool = False
    """Also accept ``Authorization: x-api-key <key>`` and an ``api_key`` header (older clients, fact sheet [code])."""
    require_json_content_type: bool = True
    """Reject a Content-Type other than application/json (seed: required header)."""
    stray_encryption_headers: str = "ignore"
    """``ignore`` (warn in the journal) or ``reject`` AES headers sent without ``X-Encryption: 1``."""
    success_status: int = 200
    """200 as the seed's sample; 202 is also documented as accepted (fact sheet [docs])."""

    def __post_init__(self) -> None:
        if self.stray_encryption_headers not in {"ignore", "reject"}:
            raise ValueError("stray_encryption_headers must be 'ignore' or 'reject'")
        if self.success_status not in {200, 202}:
            raise ValueError("success_status must be 200 or 202")


class EncryptionHeaders(NamedTuple):
    """The encryption header values of one request, as received (base64 text).

    A named tuple: built on every request, and a tuple costs a fraction of a frozen dataclass (issue 16).
    """

    flag: str | None
    version: str | None
    key_b64: str | None
    iv_b64: str | None

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> "EncryptionHeaders":
        return cls(
            flag=headers.get(spec.HEADER_ENCRYPTION),
            version=headers.get(spec.HEADER_ENCRYPTION_VERSION),
            key_b64=headers.get(spec.HEADER_AES_KEY),
            iv_b64=headers.get(spec.HEADER_AES_IV),
        )

    @property
    def any_aes_header(self) -> bool:
        return self.key_b64 is not None or self.iv_b64 is not None or self.version is not None


class NetcoreEmailModel:
    """The netcore-email mock's state: its credentials."""

    def __init__(self, config: NetcoreEmailConfig, clock: MockClock) -> None:
        self.config = config
        self.clock = clock
        self.api_key = config.api_key

    def reset(self) -> None:
        self.api_key = self.config.api_key

    def snapshot(self) -> dict[str, Any]:
        """The state ``serve --persist`` keeps across a restart (JSON-able)."""
        return {"api_key": self.api_key}

    def restore(self, state: Mapping[str, Any]) -> None:
        """Take back a :meth:`snapshot`."""
        self.api_key = state["api_key"]

    def authenticate(self, authorization: str | None, legacy_api_key: str | None) -> None:
        """Bearer API key (seed: ``Authorization: Bearer <YOUR_API_KEY>``)."""
        if authorization is None and legacy_api_key is None:
            raise Rejection(spec.UNAUTHORIZED, "auth_missing", detail="no Authorization header")
        if authorization is not None:
            scheme, _, token = authorization.strip().partition(" ")
            token = token.strip()
            if scheme.lower() == "bearer":
                return self._check_key(token)
            if scheme.lower() == "x-api-key" and self.config.accept_legacy_auth:
                return self._check_key(token)
            raise Rejection(spec.UNAUTHORIZED, "auth_scheme", detail=f"Authorization scheme {scheme!r} is not Bearer")
        if self.config.accept_legacy_auth:
            return self._check_key((legacy_api_key or "").strip())
        raise Rejection(spec.UNAUTHORIZED, "auth_legacy_header", detail="api_key header (v5) is not v6 Bearer auth")

    def _check_key(self, token: str) -> None:
        if not token:
            raise Rejection(spec.UNAUTHORIZED, "auth_missing", detail="empty API key")
        # surrogateescape: aiohttp decodes non-UTF-8 header bytes to lone surrogates.
        if not same_secret(token, self.api_key):
            raise Rejection(spec.UNAUTHORIZED, "auth_invalid_key", detail="API key does not match")

    def new_message_id(self) -> str:
        """32 lowercase hex characters, like the seed's sample ``53ddac2a...``."""
        return secrets.token_hex(16)


def is_encrypted(headers: EncryptionHeaders, config: NetcoreEmailConfig) -> bool:
    """Decide plain or encrypted from ``X-Encryption`` (seed: ``X-Encryption: 1``).

    Absent or ``0`` means plain; anything else but ``1`` is rejected.
    """
    flag = headers.flag.strip() if headers.flag is not None else None
    if flag == spec.ENCRYPTION_ON:
        return True
    if flag is None or flag == "0":
        if headers.any_aes_header and config.stray_encryption_headers == "reject":
            raise Rejection(
                spec.INVALID_ENCRYPTION_HEADERS,
                "encryption_headers_without_flag",
                detail="X-AES-KEY / X-AES-IV / X-Encryption-Version sent without X-Encryption: 1",
            )
        return False
    raise Rejection(spec.INVALID_ENCRYPTION_HEADERS, "encryption_flag_invalid", detail=f"X-Encryption: {flag!r}")


TAG_MISMATCH_DETAIL = "GCM tag does not verify: wrong key or IV for this body, tag missing or placed first, or body changed after encryption"


def decrypt_body(headers: EncryptionHeaders, body: bytes, diagnose_later: Callable[[Diagnosis], None] | None = None) -> bytes:
    """Check the encryption headers and decrypt the body to plaintext bytes.

    seed: body = base64(ciphertext || tag) of AES-256-GCM, key and IV base64 in
    headers, no AAD. Header problems get their own errors (the caller chose the
    key, nothing is secret about them); every body failure gets the single
    ``decryption_failed`` kind, its precise reason going only to the journal.
    ``diagnose_later`` receives the tag-mismatch diagnosis to run after the answer.
    """
    if headers.version is None:
        raise Rejection(spec.INVALID_ENCRYPTION_HEADERS, "encryption_version_missing")
    if headers.version.strip() != spec.ENCRYPTION_VERSION:
        raise Rejection(
            spec.INVALID_ENCRYPTION_HEADERS, "encryption_version_unsupported", detail=f"version {headers.version!r}"
        )
    key = _decode_header(headers.key_b64, spec.INVALID_AES_KEY, "aes_key", spec.AES_KEY_BYTES)
    iv = _decode_header(headers.iv_b64, spec.INVALID_AES_IV, "aes_iv", spec.AES_IV_BYTES)
    try:
        # Tolerate surrounding whitespace (a trailing newline from curl -d @file); FIDELITY.md.
        blob = b64decode_strict(body.strip(b" \t\r\n"), reason="body_not_base64")
    except CryptoError as error:
        raise Rejection(spec.DECRYPTION_FAILED, error.reason, detail=f"{not_base64_hint(body)} ({error.detail})") from None
    try:
        return aes_gcm.decrypt(key, iv, blob)
    except CryptoError as error:
        if error.reason == "gcm_tag_mismatch":
            if diagnose_later is not None:  # which of the three: after the answer, journal only
                diagnose_later(partial(tag_mismatch_hint, key, iv, blob))
            raise Rejection(spec.DECRYPTION_FAILED, error.reason, detail=TAG_MISMATCH_DETAIL) from None
        raise Rejection(spec.DECRYPTION_FAILED, error.reason, detail=error.detail or None) from None


def _decode_header(value: str | None, kind: Any, name: str, size: int) -> bytes:
    if value is None:
        raise Rejection(kind, f"{name}_missing")
    # Present but empty is the base64 of zero bytes: a length error, not a missing header.
    try:
        raw = b64decode_strict(value.strip(), reason=f"{name}_not_base64")
    except CryptoError as error:
        raise Rejection(kind, error.reason, detail=error.detail) from None
    if len(raw) != size:
        hint = wrong_size_hint(value, size)
        if hint is None and name == "aes_iv" and len(raw) == 16:
            hint = "a CBC-sized IV: AES-GCM here takes a 12-byte IV (seed 000), e.g. crypto.randomBytes(12)"
        raise Rejection(kind, f"{name}_length", detail=f"{len(raw)} bytes, must be {size}" + (f"; {hint}" if hint else ""))
    return raw


def parse_payload(plaintext: bytes, warn: Callable[[str], None] | None = None) -> Any:
    """UTF-8 JSON (seed: ``json.dumps(data).encode('utf-8')``), strictly (RFC 8259);
    ``warn`` hears of repeated member names."""
    try:
        return parse_json_bytes(plaintext, prefix="payload", warn=warn)
    except JsonBodyError as error:
        raise Rejection(spec.INVALID_JSON, error.reason, detail=error.detail) from None


def validate_payload(payload: Any) -> list[str]:
    """Check a v6 send payload; return warnings (unknown fields), raise on violations.

    Required (seed example + fact sheet): ``from.email``, at least one
    personalization with at least one ``to`` address, and ``subject`` plus
    ``content`` unless a ``template_id`` is given.
    """
    if not isinstance(payload, dict):
        _invalid("", "payload_not_object", "payload must be a JSON object")
    warnings = [f"unknown_field:{name}" for name in payload if name not in spec.KNOWN_FIELDS]
    _address(payload.get("from"), "from", role="from")
    _personalizations(payload.get("personalizations"))
    has_template = payload.get("template_id") is not None
    if has_template and (isinstance(payload["template_id"], bool) or not isinstance(payload["template_id"], (int, str))):
        _invalid("template_id", "template_id_type", "template_id must be a number")
    subject = payload.get("subject")
    if subject is None and not has_template:
        _invalid("subject", "subject_missing", "subject is required")
    if subject is not None and (not isinstance(subject, str) or not subject.strip()):
        _invalid("subject", "subject_invalid", "subject must be a non-empty string")
    _content(payload.get("content"), required=not has_template)
    if "reply_to" in payload and not isinstance(payload["reply_to"], str):
        _address(payload["reply_to"], "reply_to", role="reply_to")
    elif "reply_to" in payload and not is_email(payload["reply_to"]):
        _invalid("reply_to", "reply_to_invalid", "reply_to must be a valid email address")
    _attachments(payload.get("attachments"), "attachments")
    if "tags" in payload and not (isinstance(payload["tags"], list) and all(isinstance(t, str) for t in payload["tags"])):
        _invalid("tags", "tags_invalid", "tags must be a list of strings")
    if "settings" in payload and not isinstance(payload["settings"], dict):
        _invalid("settings", "settings_invalid", "settings must be an object")
    return warnings


def recipients(payload: dict[str, Any]) -> list[str]:
    """Every ``to``/``cc``/``bcc`` address of a validated payload, in order."""
    found: list[str] = []
    for personalization in payload["personalizations"]:
        for role in ("to", "cc", "bcc"):
            found.extend(r["email"] for r in personalization.get(role) or [])
    return found


def _invalid(field: str, reason: str, message: str) -> None:
    raise Rejection(spec.INVALID_PAYLOAD, reason, field=field or None, message=message)


def _address(value: Any, where: str, *, role: str) -> None:
    """An ``{email, name}`` object; ``role`` prefixes the reason (``from``, ``recipient``...)."""
    if value is None:
        _invalid(where, f"{role}_missing", f"{where} is required")
    if not isinstance(value, dict):
        _invalid(where, f"{role}_invalid", f"{where} must be an object with an email")
    if not is_email(value.get("email")):
        _invalid(f"{where}.email", f"{role}_email_invalid", f"{where}.email is not a valid email address")
    if "name" in value and value["name"] is not None and not isinstance(value["name"], str):
        _invalid(f"{where}.name", f"{role}_name_invalid", f"{where}.name must be a string")


def _personalizations(value: Any) -> None:
    if not isinstance(value, list) or not value:
        _invalid("personalizations", "personalizations_missing", "personalizations must be a non-empty list")
    for i, item in enumerate(value):
        where = f"personalizations[{i}]"
        if not isinstance(item, dict):
            _invalid(where, "personalization_invalid", f"{where} must be an object")
        to = item.get("to")
        if not isinstance(to, list) or not to:
            _invalid(f"{where}.to", "recipient_missing", f"{where}.to must list at least one recipient")
        for role in ("to", "cc", "bcc"):
            entries = item.get(role)
            if entries is None:
                continue
            if not isinstance(entries, list):
                _invalid(f"{where}.{role}", "recipient_invalid", f"{where}.{role} must be a list")
            for j, recipient in enumerate(entries):
                _address(recipient, f"{where}.{role}[{j}]", role="recipient")
        for obj in ("attributes", "headers"):
            if obj in item and not isinstance(item[obj], dict):
                _invalid(f"{where}.{obj}", f"{obj}_invalid", f"{where}.{obj} must be an object")
        _attachments(item.get("attachments"), f"{where}.attachments")


def _content(value: Any, *, required: bool) -> None:
    if value is None:
        if required:
            _invalid("content", "content_missing", "content is required unless template_id is given")
        return
    if not isinstance(value, list) or (required and not value):
        _invalid("content", "content_invalid", "content must be a non-empty list")
    for i, part in enumerate(value):
        where = f"content[{i}]"
        if not isinstance(part, dict):
            _invalid(where, "content_invalid", f"{where} must be an object")
        if not isinstance(part.get("type"), str) or part["type"] not in spec.CONTENT_TYPES:
            _invalid(f"{where}.type", "content_type_invalid", f"{where}.type must be one of {sorted(spec.CONTENT_TYPES)}")
        if not isinstance(part.get("value"), str):
            _invalid(f"{where}.value", "content_value_invalid", f"{where}.value must be a string")


def _attachments(value: Any, where: str) -> None:
    if value is None:
        return
    if not isinstance(value, list):
        _invalid(where, "attachments_invalid", f"{where} must be a list")
    for i, item in enumerate(value):
        here = f"{where}[{i}]"
        if not isinstance(item, dict) or not isinstance(item.get("name"), str) or not item["name"]:
            _invalid(f"{here}.name", "attachment_name_invalid", f"{here}.name must be a non-empty string")
        try:
            b64decode_strict(item.get("content") if isinstance(item.get("content"), str) else "!")
        except CryptoError:
            _invalid(f"{here}.content", "attachment_content_invalid", f"{here}.content must be base64")
