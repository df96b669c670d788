"""Strict JSON from bytes (RFC 8259), with one precise reason for each way it fails."""

from __future__ import annotations

from typing import Any, Callable

from ..crypto.strict_json import SYNTAX, TOO_DEEP, StrictJsonError, loads_strict

DUPLICATE_MEMBER_WARNING = "json_duplicate_member"
"""Journal warning prefix for a member name an object repeats (RFC 8259 section 4: SHOULD be unique)."""


class JsonBodyError(ValueError):
    """Bytes that are not one JSON document. ``reason`` is ``<prefix>_not_utf8``,
    ``<prefix>_not_json``, ``<prefix>_too_deep``, or one of the strictness reasons
    of :mod:`sealmail.mockservers.crypto.strict_json` (``json_non_finite_number``,
    ``json_lone_surrogate``, ``json_number_too_long``)."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


def parse_json_bytes(raw: bytes, *, prefix: str = "body", warn: Callable[[str], None] | None = None) -> Any:
    """Decode UTF-8 and parse JSON strictly.

    Beyond ``json.loads``: ``NaN`` / ``Infinity`` and numbers that overflow to
    infinity are refused (RFC 8259 section 6 has no such numbers), as are lone
    surrogates (section 8.2) and integers past Python's digit limit; nesting
    past the recursion limit is ``<prefix>_too_deep``. A repeated member name
    is kept (the last value wins, as in ``json.loads``) and reported through
    ``warn`` as ``json_duplicate_member:<name>``.
    """
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise JsonBodyError(f"{prefix}_not_utf8", str(error)) from None
    try:
        document = loads_strict(text)
    except StrictJsonError as error:
        reason = {SYNTAX: f"{prefix}_not_json", TOO_DEEP: f"{prefix}_too_deep"}.get(error.reason, error.reason)
        raise JsonBodyError(reason, f"{prefix}: {error.detail}" if reason == error.reason else error.detail) from None
    if warn is not None:
        for name in dict.fromkeys(document.duplicate_members):
            warn(f"{DUPLICATE_MEMBER_WARNING}:{name[:60]}")
    return document.value
