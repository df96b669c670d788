"""Strict JSON from bytes (RFC 8259), with one precise reason for each way it fails."""

from __future__ import annotations

import json
from typing import Any


class JsonBodyError(ValueError):
    """Bytes that are not one JSON document. ``reason`` is ``<prefix>_not_utf8``,
    ``<prefix>_not_json`` or ``<prefix>_too_deep``."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


def parse_json_bytes(raw: bytes, *, prefix: str = "body") -> Any:
    """Decode UTF-8 and parse JSON strictly.

    Beyond ``json.loads``: ``NaN`` / ``Infinity`` are refused (RFC 8259 section 6
    has no such numbers), and the parser's other failures (an integer past
    Python's digit limit, nesting past the recursion limit) become
    :class:`JsonBodyError` instead of escaping as ``ValueError`` or
    ``RecursionError``.
    """
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise JsonBodyError(f"{prefix}_not_utf8", str(error)) from None
    try:
        return _STRICT_JSON.decode(text)
    except ValueError as error:  # JSONDecodeError, or an integer beyond the digit limit
        raise JsonBodyError(f"{prefix}_not_json", str(error)[:200]) from None
    except RecursionError:
        raise JsonBodyError(f"{prefix}_too_deep", "JSON nesting too deep") from None


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON (RFC 8259 section 6)")


_STRICT_JSON = json.JSONDecoder(parse_constant=_reject_constant)
"""Built once: ``json.loads`` with options builds a new decoder (and scanner) per call."""
