"""Helpers checks use to judge what the mock received (decoding leniently to attribute faults)."""

from __future__ import annotations

import base64
import binascii
import re

_HEX = re.compile(r"^(?:[0-9a-fA-F]{2})+$")
_BASE64URL = re.compile(r"^[A-Za-z0-9_-]+={0,2}$")


def _urlsafe(text: str) -> bytes:
    return base64.urlsafe_b64decode(text.rstrip("=") + "=" * (-len(text.rstrip("=")) % 4))


def encoding_of(text: str) -> str:
    """Name the encoding ``text`` is in: ``hex``, ``base64``, ``base64url`` or ``unknown``.

    Strings of nothing but hex digit pairs count as hex: they are valid base64
    too, but a random 12- or 32-byte value's base64 is all-hex with negligible
    probability (below 1e-7), while a client sending hex is a real mistake.
    """
    stripped = text.strip()
    if not stripped:
        return "unknown"
    if _HEX.fullmatch(stripped):
        return "hex"
    if _decodes(stripped, lambda s: base64.b64decode(s, validate=True)):
        return "base64"
    if _BASE64URL.fullmatch(stripped) and _decodes(stripped, _urlsafe):
        return "base64url"
    return "unknown"


def decode_lenient(text: str) -> bytes | None:
    """Decode ``text`` in whatever encoding :func:`encoding_of` detects; None if none fits."""
    stripped = text.strip()
    kind = encoding_of(stripped)
    if kind == "hex":
        return bytes.fromhex(stripped)
    if kind == "base64":
        return base64.b64decode(stripped, validate=True)
    if kind == "base64url":
        return _urlsafe(stripped)
    return None


def _decodes(text: str, decoder: object) -> bool:
    try:
        decoder(text)  # type: ignore[operator]
        return True
    except (binascii.Error, ValueError):
        return False
