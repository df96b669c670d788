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
    return Filled(substitute(text, parameters, missing, unknown), tuple(unknown))


def substitute(text: str, parameters: Mapping[str, str], missing: MissingPolicy, unknown: list[str]) -> str:
    """:func:`fill`'s text; each name with no parameter is added to ``unknown`` once (several texts can share the list)."""
    if "${" not in text:  # no placeholder can match (most titles): skip the regex and its callback
        return text

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in parameters:
            return parameters[name]
        if name not in unknown:
            unknown.append(name)
        return "" if missing == "empty" else match.group(0)

    return PLACEHOLDER.sub(replace, text)


def placeholders(text: str) -> list[str]:
    """The distinct placeholder names in ``text``, in order."""
    return list(dict.fromkeys(PLACEHOLDER.findall(text)))
