"""``sealmail conformance`` (also ``python -m sealmail conformance``): run a provider's conformance suite.

    sealmail conformance run netcore-email                          # the reference client
    sealmail conformance run netcore-email --client pkg.mod:factory --report-json out.json
    sealmail conformance list [PROVIDER]                            # the requirement catalogue

Exit status: 0 when every MUST requirement passes, 1 when one fails, 2 on usage errors.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Sequence

from sealmail.argparsing import fail, parser_with_commands

from .framework import get_suite, load_factory, run_suite, suites


PROG = "sealmail conformance"


def build_parser() -> argparse.ArgumentParser:
    parser, commands = parser_with_commands(
        PROG,
        "Check a client of a provider API requirement by requirement against the sealmail mock. "
        "Exit 0 when every MUST requirement passes, 1 when one fails, 2 on usage errors.",
    )
    run = commands.add_parser("run", help="run a provider's suite against a client", description="Run a provider's suite against a client.")
    run.add_argument("provider", help="provider id, e.g. netcore-email")
    run.add_argument("--client", metavar="MODULE:FACTORY", help="factory(base_url, config) -> client; default: the reference client")
    run.add_argument("--report-json", type=Path, metavar="PATH", help="also write the report as JSON")
    listing = commands.add_parser("list", help="print the requirement catalogue", description="Print the requirement catalogue: provider, id, severity, statement, source.")
    listing.add_argument("provider", nargs="?", help="one provider (default: all)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        chosen = [get_suite(args.provider)] if args.provider else list(suites().values())
    except KeyError as error:
        return fail(PROG, error.args[0])
    if args.command == "list":
        for suite in chosen:
            for requirement in suite.requirements:
                print(f"{suite.provider_id}\t{requirement.id}\t{requirement.severity}\t{requirement.statement}\t[{requirement.source}]")
        return 0
    try:
        factory = load_factory(args.client) if args.client else None
    except Exception as error:  # the user's module: any import-time failure is theirs to fix
        return fail(PROG, f"cannot load --client {args.client}: {type(error).__name__}: {error}")
    report = run_suite(chosen[0], factory, client_name=args.client)
    print(report.table())
    if args.report_json is not None:
        try:
            args.report_json.write_text(json.dumps(report.to_json(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        except OSError as error:
            return fail(PROG, f"cannot write --report-json: {error}")
    return 1 if report.must_failed else 0
