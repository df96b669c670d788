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
        raise JsonBodyError(f"{prefix}_not_utf8", str(error) + _bom_hint(raw)) from None
    try:
        document = loads_strict(text)
    except StrictJsonError as error:
        reason = {SYNTAX: f"{prefix}_not_json", TOO_DEEP: f"{prefix}_too_deep"}.get(error.reason, error.reason)
        detail = f"{prefix}: {error.detail}" if reason == error.reason else error.detail
        raise JsonBodyError(reason, detail + _bom_hint(raw)) from None
    if warn is not None:
        for name in dict.fromkeys(document.duplicate_members):
            warn(f"{DUPLICATE_MEMBER_WARNING}:{name[:60]}")
    return document.value


_BYTE_ORDER_MARKS = ((b"\xef\xbb\xbf", "UTF-8 byte order mark EF BB BF (an encoder like 'utf-8-sig' or a .NET/PowerShell default)"),
                     (b"\xff\xfe", "UTF-16 LE byte order mark FF FE: the body is UTF-16"),
                     (b"\xfe\xff", "UTF-16 BE byte order mark FE FF: the body is UTF-16"))


def _bom_hint(raw: bytes) -> str:
    """The likely mistake when a refused body starts with a byte order mark (RFC 8259 section 8.1: UTF-8, no BOM)."""
    for mark, what in _BYTE_ORDER_MARKS:
        if raw.startswith(mark):
            return f"; the body starts with a {what}; send UTF-8 without a byte order mark (RFC 8259 section 8.1)"
    return ""
