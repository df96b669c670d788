"""RFC 8259 JSON, strictly, on top of the standard ``json`` module's hooks.

``json.loads`` accepts more than RFC 8259: the constants ``NaN``, ``Infinity``
and ``-Infinity`` (section 6 has no such numbers), numbers that overflow to
infinity (``1e400``), escapes that leave a lone UTF-16 surrogate in a string
(``"\\ud800"``: section 8.2 calls such strings non-interoperable), and
repeated member names (section 4: "SHOULD be unique"). It also fails with a
bare ``ValueError`` on an integer past Python's digit limit and with
``RecursionError`` on deep nesting. :func:`loads_strict` turns every one of
these into a :class:`StrictJsonError` with a precise ``reason``; repeated
member names are returned to the caller, who decides (JOSE refuses them,
request bodies get a journal warning).

No parsing is done here: only the ``json`` module's ``parse_constant``,
``parse_float``, ``parse_int`` and ``object_pairs_hook``, plus a walk over the
decoded strings when the text holds a surrogate escape at all.
"""

from __future__ import annotations

import json
import math
import re
from contextvars import ContextVar
from typing import Any, NamedTuple

NON_FINITE = "json_non_finite_number"
LONE_SURROGATE = "json_lone_surrogate"
NUMBER_TOO_LONG = "json_number_too_long"
SYNTAX = "json_syntax"
TOO_DEEP = "json_too_deep"


class StrictJsonError(ValueError):
    """Text that is not strict RFC 8259 JSON; ``reason`` is one of the module constants."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


class StrictDocument(NamedTuple):
    """A decoded document and the member names its objects repeated (in order of appearance).

    A named tuple: one is built per parsed body (issue 16: a frozen dataclass costs several times more).
    """

    value: Any
    duplicate_members: tuple[str, ...]


def _reject_constant(name: str) -> Any:
    raise StrictJsonError(NON_FINITE, f"{name} is not a JSON number (RFC 8259 section 6)")


def _finite_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise StrictJsonError(NON_FINITE, f"{text[:40]}{'...' if len(text) > 40 else ''} overflows a double (RFC 8259 section 6)")
    return number


def _bounded_int(text: str) -> int:
    try:
        return int(text)
    except ValueError:  # sys.get_int_max_str_digits(): Python refuses to convert such integers
        raise StrictJsonError(NUMBER_TOO_LONG, f"an integer of {len(text)} digits") from None


_DUPLICATES: ContextVar[list[str] | None] = ContextVar("sealmail_json_duplicates", default=None)


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        found = _DUPLICATES.get()
        for name, _ in pairs:
            if name in seen and found is not None:
                found.append(name)
            seen.add(name)
    return result


_DECODER = json.JSONDecoder(
    parse_constant=_reject_constant,
    parse_float=_finite_float,
    parse_int=_bounded_int,
    object_pairs_hook=_object,
)
"""Built once: a decoder with hooks built per call costs more than a small document."""

_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
"""Only a ``\\uD800``-``\\uDFFF`` escape can put a surrogate in a string decoded from UTF-8 text."""
_LONE = re.compile("[\ud800-\udfff]")


def loads_strict(text: str) -> StrictDocument:
    """Decode ``text`` as strict RFC 8259 JSON; :class:`StrictJsonError` otherwise."""
    found: list[str] = []
    token = _DUPLICATES.set(found)
    try:
        value = _DECODER.decode(text)
    except StrictJsonError:
        raise
    except json.JSONDecodeError as error:
        raise StrictJsonError(SYNTAX, str(error)[:200]) from None
    except RecursionError:
        raise StrictJsonError(TOO_DEEP, "JSON nesting too deep") from None
    finally:
        _DUPLICATES.reset(token)
    if _SURROGATE_ESCAPE.search(text):
        _refuse_lone_surrogates(value)
    return StrictDocument(value, tuple(found))


def _refuse_lone_surrogates(value: Any) -> None:
    """Walk (iteratively: depth is bounded by the decoder, not by this) every string and member name."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            match = _LONE.search(item)
            if match:
                raise StrictJsonError(LONE_SURROGATE, f"U+{ord(match.group()):04X} without its pair (RFC 8259 section 8.2)")
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)

