"""``${name}`` substitution in titles and bodies (seed example: ``"Hello, ${customer_name}. "``).

One pass, left to right: a parameter value that itself contains ``${...}`` is
inserted as text, never expanded again. What happens to a placeholder with no
parameter is the ``missing`` policy (config ``missing_parameter``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal, Mapping

from . import spec

MissingPolicy = Literal["keep", "empty", "reject"]

PLACEHOLDER = re.compile(spec.PLACEHOLDER_PATTERN)


@dataclass(frozen=True)
class Filled:
    text: str
    missing: tuple[str, ...]
    """Placeholder names that had no parameter, in order of first appearance."""


def fill(text: str, parameters: Mapping[str, str], missing: MissingPolicy = "keep") -> Filled:
    """Replace every ``${name}`` whose ``name`` is in ``parameters``.

    Unknown names are kept as written (``keep``), removed (``empty``) or only
    reported (``reject``: the caller turns ``missing`` into an error).
    """
    unknown: list[str] = []
    return Filled(substitute(split_placeholders(text), parameters, missing, unknown), tuple(unknown))


def split_placeholders(text: str) -> list[str]:
    """``text`` cut around its placeholders: ``[literal, name, literal, ..., name, literal]``.

    Split once per text, then :func:`substitute` fills it for each recipient.
    """
    if "${" not in text:  # no placeholder can match (most titles): no regex scan
        return [text]
    return PLACEHOLDER.split(text)


def substitute(parts: list[str], parameters: Mapping[str, str], missing: MissingPolicy, unknown: list[str]) -> str:
    """The text of :func:`split_placeholders`'s ``parts`` with its placeholders filled.

    Each name with no parameter is added to ``unknown`` once (several texts can share the list).
    """
    if len(parts) == 1:
        return parts[0]  # the text itself: mails without a placeholder share one string
    filled = parts.copy()
    for index in range(1, len(parts), 2):
        name = parts[index]
        if name in parameters:
            filled[index] = parameters[name]
            continue
        if name not in unknown:
            unknown.append(name)
        filled[index] = "" if missing == "empty" else "${" + name + "}"  # the placeholder as written
    return "".join(filled)


def placeholders(text: str) -> list[str]:
    """The distinct placeholder names in ``text``, in order."""
    return list(dict.fromkeys(PLACEHOLDER.findall(text)))
