"""Helpers checks use to judge what the mock received and to word the evidence.

Decoding is lenient, to attribute faults (hex where base64 was due...);
evidence text names the differences (:func:`payload_diff`) and is shortened
only at word boundaries (:func:`clip`).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any

_HEX = re.compile(r"^(?:[0-9a-fA-F]{2})+$")
_BASE64URL = re.compile(r"^[A-Za-z0-9_-]+={0,2}$")


def mock_said(entry: Any) -> str:
    """The mock's own journal reason and hint for a refused request, to append to failing evidence ('' if accepted)."""
    if getattr(entry, "outcome", None) != "rejected" or not entry.reason:
        return ""
    return f"; the mock refused it: {entry.reason}" + (f" ({entry.detail})" if entry.detail else "")


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


# --- evidence text: differences and clipping ------------------------------------------------------

DIFFERENCES_SHOWN = 6
"""How many differing fields a payload diff names before summarising the rest."""


def payload_diff(expected: Any, actual: Any, *, limit: int = DIFFERENCES_SHOWN) -> list[str]:
    """Where ``actual`` differs from ``expected``, one ``path: what`` phrase per difference (empty: equal).

    Paths read like the payload: ``personalizations[0].to[0].email``. Objects are
    compared member by member (missing, unexpected, changed), lists item by item
    and by length, anything else by value and type (``1`` and ``1.0`` or ``true``
    differ: JSON types matter to the provider).
    """
    found: list[str] = []
    _diff(expected, actual, "", found)
    if len(found) > limit:
        return found[:limit] + [f"and {len(found) - limit} more difference(s)"]
    return found


def _diff(expected: Any, actual: Any, path: str, found: list[str]) -> None:
    where = path or "(whole payload)"
    if isinstance(expected, dict) and isinstance(actual, dict):
        for name in expected:
            child = f"{path}.{name}" if path else str(name)
            if name not in actual:
                found.append(f"{child}: missing (expected {_short(expected[name])})")
            else:
                _diff(expected[name], actual[name], child, found)
        for name in actual:
            if name not in expected:
                found.append(f"{path + '.' if path else ''}{name}: unexpected field ({_short(actual[name])})")
        return
    if isinstance(expected, list) and isinstance(actual, list):
        for index, (want, got) in enumerate(zip(expected, actual)):
            _diff(want, got, f"{path}[{index}]", found)
        if len(expected) != len(actual):
            found.append(f"{where}: {len(actual)} item(s), expected {len(expected)}")
        return
    if type(expected) is not type(actual) or expected != actual:
        found.append(f"{where}: {_short(actual)}, expected {_short(expected)}")


def _short(value: Any, limit: int = 60) -> str:
    """JSON for evidence: readable Unicode, but invisible characters (U+0080, controls) escaped so a diff shows them."""
    text = json.dumps(value, ensure_ascii=False) if _is_json(value) else repr(value)
    return clip("".join(c if c.isprintable() or c == " " else json.dumps(c)[1:-1] for c in text), limit)


def _is_json(value: Any) -> bool:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return False
    return True


def clip(text: str, limit: int) -> str:
    """``text`` on one line, at most ``limit`` characters, cut at a word boundary with "…" (never mid-word)."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[: max(limit - 1, 1)]
    space = cut.rfind(" ")
    if space >= limit // 2:  # a boundary not too far back; else a single very long token is cut as it is
        cut = cut[:space]
    return cut.rstrip(" ,;:") + "…"
