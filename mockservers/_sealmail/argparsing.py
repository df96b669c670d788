"""What every ``sealmail`` command's argument parser shares: one-line errors, plain-text help.

argparse's own ``error()`` prints the whole usage block before the message; a user who
mistyped one option should see one line saying what is wrong and where to read more.
Help texts taken from docstrings lose their reST markup (````name````, ``:func:`x```).
"""

from __future__ import annotations

import argparse
import re
import sys
from typing import NoReturn

_ROLE = re.compile(r":[a-z]+:`~?([^`]+)`")
_LITERAL = re.compile(r"``([^`]*)``")
_SPACES = re.compile(r"\s+")


def plain_text(text: str) -> str:
    """``text`` without reST roles and literal markup, on one line."""
    # :func:`~pkg.mod.name` shows as "name" in Sphinx; :func:`pkg.name` as written.
    text = _ROLE.sub(lambda m: m.group(1).rsplit(".", 1)[-1] if "`~" in m.group(0) else m.group(1), text)
    return _SPACES.sub(" ", _LITERAL.sub(r"\1", text)).strip()


class CommandParser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors are one line on stderr and exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def parser_with_commands(prog: str, description: str) -> tuple[CommandParser, "argparse._SubParsersAction[CommandParser]"]:
    """A parser for ``prog COMMAND ...`` and the group its subcommands are added to (a COMMAND is required)."""
    parser = CommandParser(prog=prog, description=description)
    return parser, parser.add_subparsers(dest="command", required=True, metavar="COMMAND")


def fail(prog: str, message: str) -> int:
    """Print a one-line usage error for ``prog`` and return the usage exit status, 2."""
    print(f"{prog}: error: {message}", file=sys.stderr)
    return 2
