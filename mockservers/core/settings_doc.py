"""Each provider setting's name, default and meaning, read from its config dataclass.

The meaning is the attribute docstring written under the field (the string literal
after ``name: type = default``), so ``sealmail serve --help`` and the code cannot
drift apart. Python keeps no such docstrings at run time; they are read from the
class source with :mod:`ast`.
"""

from __future__ import annotations

import ast
import dataclasses
import inspect
import textwrap
from typing import Any, NamedTuple


class SettingDoc(NamedTuple):
    """One setting of a provider mock, as ``--set ID.NAME=VALUE`` takes it."""

    name: str
    default: Any
    meaning: str
    """The field's docstring on one line ("" when it has none)."""


def setting_docs(config_type: type[Any]) -> list[SettingDoc]:
    """Every field of the config dataclass ``config_type``, in declaration order (bases first)."""
    meanings: dict[str, str] = {}
    for cls in reversed(config_type.__mro__):
        if dataclasses.is_dataclass(cls):
            meanings.update(_field_docstrings(cls))
    docs = []
    for field in dataclasses.fields(config_type):
        if field.default is not dataclasses.MISSING:
            default = field.default
        elif field.default_factory is not dataclasses.MISSING:
            default = field.default_factory()
        else:
            default = None
        docs.append(SettingDoc(field.name, default, meanings.get(field.name, "")))
    return docs


def _field_docstrings(cls: type[Any]) -> dict[str, str]:
    try:
        source = textwrap.dedent(inspect.getsource(cls))
    except (OSError, TypeError):  # no source shipped: names and defaults still show
        return {}
    body = ast.parse(source).body[0]
    found: dict[str, str] = {}
    if not isinstance(body, ast.ClassDef):
        return found
    statements = body.body
    for statement, following in zip(statements, statements[1:]):
        if (
            isinstance(statement, ast.AnnAssign)
            and isinstance(statement.target, ast.Name)
            and isinstance(following, ast.Expr)
            and isinstance(following.value, ast.Constant)
            and isinstance(following.value.value, str)
        ):
            found[statement.target.id] = " ".join(following.value.value.split())
    return found
