"""The ``sealmail`` command: one entry point for the mocks, the conformance suite and the vectors.

    sealmail serve [...]                  run the provider mocks (see ``sealmail serve --help``)
    sealmail list                         the implemented providers
    sealmail conformance run|list [...]   the requirement-by-requirement suite
    sealmail vectors generate|verify|replay [...]
    sealmail --version

Each command's own module parses its arguments; this module only routes the first word,
so that ``sealmail --version`` imports nothing heavy.
"""

from __future__ import annotations

import sys
from typing import Callable, Sequence

USAGE = """usage: sealmail [--version] COMMAND [ARGS...]

commands:
  serve         run the provider mocks on 127.0.0.1 until interrupted
  list          list the implemented providers
  conformance   run a provider's conformance suite against a client (run, list)
  vectors       generate, verify or replay the test vectors
  ca            print the local CA (sealmail ca --path)

'sealmail COMMAND --help' describes a command.
"""


def _serve(argv: list[str]) -> int:
    from .lazy_ca import client_ca_loaded_on_first_use

    with client_ca_loaded_on_first_use():  # a server builds no TLS client: aiohttp's import-time CA loading waits
        from .mockservers.cli import main

    return main(argv)


def _conformance(argv: list[str]) -> int:
    from .conformance.cli import main

    return main(argv[1:])


def _vectors(argv: list[str]) -> int:
    from .vectors.cli import main

    return main(argv[1:])


COMMANDS: dict[str, Callable[[list[str]], int]] = {
    "serve": _serve,
    "list": _serve,
    "ca": _serve,
    "conformance": _conformance,
    "vectors": _vectors,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``sealmail`` command; returns the exit status (2 for usage errors)."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in {"-h", "--help", "help"}:
        (sys.stdout if args else sys.stderr).write(USAGE)  # no command at all is a usage error
        return 0 if args else 2
    if args[0] in {"--version", "-V"}:
        from . import __version__  # importlib.metadata: only when asked for

        print(f"sealmail {__version__}")
        return 0
    command = COMMANDS.get(args[0])
    if command is None:
        sys.stderr.write(f"sealmail: unknown command {args[0]!r} (commands: {', '.join(COMMANDS)}); see 'sealmail --help'\n")
        return 2
    return command(args)
