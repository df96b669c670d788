"""Payload validation for the AutoSend endpoints (after any decryption).

Each function returns the normalised payload and a list of journal warnings,
or raises :class:`Rejection` of kind VALIDATION_FAILED naming the field (the
docs' error shape carries ``details: [{"field", "message"}]``).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sealmail.mockservers.core import Rejection
from sealmail.mockservers.core.validation import is_email

from . import spec

Warnings = list[str]


def _invalid(field: str, reason: str, message: str) -> None:
    raise Rejection(spec.VALIDATION_FAILED, reason, field=field, message=message)


def _object(payload: Any) -> dict[str, Any]:
    if not isinstance(payload, dict):
        raise Rejection(spec.INVALID_JSON, "payload_not_object", detail=f"JSON {type(payload).__name__}")
    return payload


def _unknown(payload: dict[str, Any], known: frozenset[str], reject: bool) -> Warnings:
    unknown = sorted(name for name in payload if name not in known)
    if unknown and reject:
        _invalid(unknown[0], "unknown_field", f"{unknown[0]} is not an allowed field")
    return [f"unknown_field:{name}" for name in unknown]


def _optional_string(payload: dict[str, Any], name: str, *, max_length: int | None = None) -> None:
    value = payload.get(name)
    if value is None:
        return
    if not isinstance(value, str):
        _invalid(name, f"{name}_type", f"{name} must be a string")
    if max_length is not None and len(value) > max_length:
        _invalid(name, f"{name}_too_long", f"{name} must be at most {max_length} characters")


def _string_list(payload: dict[str, Any], name: str) -> None:
    value = payload.get(name)
    if value is None:
        return
    if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
        _invalid(name, f"{name}_type", f"{name} must be an array of strings")


def _address(value: Any, field: str, *, required: bool) -> None:
    """``{"email": ..., "name"?: ...}`` (docs: to, from, replyTo, cc/bcc entries)."""
    if value is None:
        if required:
            _invalid(field, f"{field}_missing", f"{field} is required")
        return
    if not isinstance(value, dict):
        _invalid(field, f"{field}_type", f"{field} must be an object with an email")
    if not is_email(value.get("email")):
        _invalid(f"{field}.email", "email_invalid", f"{field}.email must be a valid email address")
    if value.get("name") is not None and not isinstance(value["name"], str):
        _invalid(f"{field}.name", "name_type", f"{field}.name must be a string")


# --- contacts ------------------------------------------------------------------------------

CUSTOM_FIELD_TYPES = (str, int, float, bool)
"""docs: custom fields are string, number, boolean or date (dates sent as ISO strings)."""


def validate_contact(payload: Any, *, reject_unknown: bool) -> tuple[dict[str, Any], Warnings]:
    """``POST /v1/contacts/email`` and ``POST /v1/contacts`` body; email is lowercased (docs)."""
    body = _object(payload)
    warnings = _unknown(body, spec.CONTACT_FIELDS, reject_unknown)
    email = body.get("email")
    if email is None:
        _invalid("email", "email_missing", "email is required")
    if not is_email(email):
        _invalid("email", "email_invalid", "email must be a valid email address")
    for name in ("firstName", "lastName", "userId"):
        _optional_string(body, name)
    _string_list(body, "listIds")
    custom = body.get("customFields")
    if custom is not None:
        if not isinstance(custom, dict):
            _invalid("customFields", "customFields_type", "customFields must be an object")
        for key, value in custom.items():
            if value is not None and not isinstance(value, CUSTOM_FIELD_TYPES):
                _invalid(f"customFields.{key}", "customField_type", f"customFields.{key} must be a string, number, boolean or date")
    normalised = {name: body[name] for name in spec.CONTACT_FIELDS if name in body}
    normalised["email"] = email.lower()
    return normalised, warnings


# --- mails ---------------------------------------------------------------------------------

_ISO_8601 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$")


def _mail_common(body: dict[str, Any]) -> None:
    _address(body.get("from"), "from", required=True)
    has_template = body.get("templateId") is not None
    _optional_string(body, "templateId")
    subject = body.get("subject")
    if subject is None and not has_template:
        _invalid("subject", "subject_missing", "subject is required unless templateId is given")
    _optional_string(body, "subject", max_length=spec.SUBJECT_MAX)
    if isinstance(subject, str) and not subject.strip() and not has_template:
        _invalid("subject", "subject_empty", "subject must not be empty")
    _optional_string(body, "html")
    _optional_string(body, "text")
    if not has_template and not body.get("html") and not body.get("text"):
        _invalid("html", "content_missing", "html or text is required unless templateId is given")
    for name in ("cc", "bcc"):
        entries = body.get(name)
        if entries is None:
            continue
        if not isinstance(entries, list):
            _invalid(name, f"{name}_type", f"{name} must be an array of recipients")
        for i, entry in enumerate(entries):
            _address(entry, f"{name}[{i}]", required=True)
    _address(body.get("replyTo"), "replyTo", required=False)
    for name in ("dynamicData", "headers"):
        if body.get(name) is not None and not isinstance(body[name], dict):
            _invalid(name, f"{name}_type", f"{name} must be an object")
    headers = body.get("headers") or {}
    if not all(isinstance(v, str) for v in headers.values()):
        _invalid("headers", "headers_type", "headers values must be strings")
    _optional_string(body, "unsubscribeGroupId")
    _optional_string(body, "campaignName")
    _string_list(body, "categories")
    if body.get("test") is not None and not isinstance(body["test"], bool):
        _invalid("test", "test_type", "test must be a boolean")
    scheduled = body.get("scheduledAt")
    if scheduled is not None and (not isinstance(scheduled, str) or not _is_iso8601(scheduled)):
        _invalid("scheduledAt", "scheduledAt_invalid", "scheduledAt must be an ISO 8601 timestamp")


def _is_iso8601(text: str) -> bool:
    if not _ISO_8601.match(text):
        return False
    try:
        datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def validate_mail(payload: Any, *, reject_unknown: bool) -> tuple[dict[str, Any], Warnings]:
    """``POST /v1/mails/send``: one ``to`` recipient object (docs "Send Email")."""
    body = _object(payload)
    warnings = _unknown(body, spec.MAIL_FIELDS, reject_unknown)
    _address(body.get("to"), "to", required=True)
    _mail_common(body)
    return body, warnings


def validate_bulk(payload: Any, *, max_recipients: int, reject_unknown: bool) -> tuple[dict[str, Any], Warnings]:
    """``POST /v1/mails/bulk``: ``recipients`` (1..100) instead of ``to`` (docs "Send Bulk Email")."""
    body = _object(payload)
    warnings = _unknown(body, spec.BULK_FIELDS, reject_unknown)
    if "to" in body:
        _invalid("to", "to_in_bulk", "bulk sends use recipients, not to")
    recipients = body.get("recipients")
    if not isinstance(recipients, list) or not recipients:
        _invalid("recipients", "recipients_missing", "recipients must be a non-empty array")
    if len(recipients) > max_recipients:
        _invalid("recipients", "recipients_too_many", f"at most {max_recipients} recipients per request")
    for i, recipient in enumerate(recipients):
        _address(recipient, f"recipients[{i}]", required=True)
        data = recipient.get("dynamicData")
        if data is not None and not isinstance(data, dict):
            _invalid(f"recipients[{i}].dynamicData", "dynamicData_type", "dynamicData must be an object")
    _mail_common(body)
    return body, warnings
