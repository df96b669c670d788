"""What a text that should be base64 or hex looks like instead: hints for the journal only.

Pure functions over what the caller sent; no secret is involved, so they may
run on the request path. Decoding itself stays with :mod:`base64`/:mod:`json`.
"""

from __future__ import annotations

import base64
import binascii
import json
import re

_STANDARD_B64 = re.compile(r"[A-Za-z0-9+/]*={0,2}")
_URLSAFE_B64 = re.compile(r"[A-Za-z0-9_-]*={0,2}")
_HEX = re.compile(r"[0-9a-fA-F]+")


def not_base64_hint(text: str | bytes) -> str:
    """Why ``text`` is not standard padded base64 (RFC 4648 section 4), said as the likely mistake."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    stripped = text.strip()
    if not stripped:
        return "empty body: send the base64 of ciphertext || tag"
    wrapped = _json_wrapper(stripped)
    if wrapped:
        return wrapped
    if any(c in stripped for c in "\r\n\t ") and _STANDARD_B64.fullmatch(re.sub(r"\s+", "", stripped)):
        return "line breaks or spaces inside the base64 (MIME-style 76-column wrapping, e.g. Java's getMimeEncoder): encode on one line"
    if ("-" in stripped or "_" in stripped) and _URLSAFE_B64.fullmatch(stripped.replace("=", "")):
        return "URL-safe base64 alphabet (-_): use standard base64 (+/) with = padding"
    if _HEX.fullmatch(stripped) and len(stripped) % 2 == 0 and len(stripped) >= 32:
        return "looks like hex: base64-encode the ciphertext bytes instead"
    if _STANDARD_B64.fullmatch(stripped) and len(stripped) % 4:
        return "base64 without its = padding: pad to a multiple of 4 characters"
    bad = sorted({c for c in stripped if not (c.isascii() and (c.isalnum() or c in "+/="))})
    return "characters outside the base64 alphabet: " + " ".join(repr(c) for c in bad[:5])


def wrong_size_hint(text: str, size: int) -> str | None:
    """Why a base64 header that should carry ``size`` bytes decoded to another size, when the text shows it."""
    stripped = text.strip()
    if len(stripped) == 2 * size and _HEX.fullmatch(stripped):
        return (f"this is the hex of {size} bytes: send the base64 of the raw bytes "
                "(Node: buf.toString('base64'), Java: Base64.getEncoder(), PHP: base64_encode)")
    return None


def _json_wrapper(text: str) -> str | None:
    """A hint when the base64 arrived inside JSON (a wrapper object, or a quoted string)."""
    if text[0] not in '{["':
        return None
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):  # JSONDecodeError, and the int-digit limit (ValueError) of huge numbers
        return None
    if isinstance(value, str):
        return "body is a JSON string (quoted): send the base64 text itself as the raw body, without quotes"
    if isinstance(value, dict):
        fields = [name for name, item in value.items() if isinstance(item, str) and _is_base64(item)]
        where = f" (it sits in field {fields[0]!r})" if fields else ""
        return f"body looks like JSON: send the base64 ciphertext as the raw body, not wrapped in an object{where}"
    return "body looks like JSON: send the base64 ciphertext as the raw body"


def _is_base64(text: str) -> bool:
    try:
        base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return False
    return bool(text)
