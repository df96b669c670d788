"""Strict text encodings, on top of the standard library (no home-made base64)."""

from __future__ import annotations

import base64
import binascii

from .errors import EncodingError


def b64decode_strict(text: str | bytes, *, reason: str = "not_base64") -> bytes:
    """Standard base64 (RFC 4648 section 4) with padding; anything else is an error.

    URL-safe characters (``-``, ``_``), missing padding, whitespace and other
    stray characters all raise :class:`EncodingError` with ``reason``.
    """
    try:
        data = text.encode("ascii") if isinstance(text, str) else text
        return base64.b64decode(data, validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError) as error:
        raise EncodingError(reason, str(error)) from None


def b64encode(data: bytes) -> str:
    """Standard base64 with padding, as text."""
    return base64.b64encode(data).decode("ascii")
