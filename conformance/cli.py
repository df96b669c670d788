"""``sealmail conformance`` (also ``python -m sealmail conformance``): run a provider's conformance suite.

    sealmail conformance run netcore-email                          # the reference client
    sealmail conformance run netcore-email --client pkg.mod:factory --report-json out.json
    sealmail conformance run netcore-email --client-cmd 'node adapter.mjs'   # any language (stdio JSON-RPC)
    sealmail conformance list [PROVIDER]                            # the requirement catalogue
    sealmail conformance check netcore-email --url http://127.0.0.1:8101   # judge traffic already sent

Exit status: 0 when every MUST requirement passes, 1 when one fails, 2 on usage errors.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Sequence

from sealmail.argparsing import fail, parser_with_commands

from .framework import client_factory, get_suite, run_suite, suites

PROG = "sealmail conformance"


def build_parser() -> argparse.ArgumentParser:
    parser, commands = parser_with_commands(
        PROG,
        "Check a client of a provider API requirement by requirement against the sealmail mock. "
        "Exit 0 when every MUST requirement passes, 1 when one fails, 2 on usage errors.",
    )
    run = commands.add_parser("run", help="run a provider's suite against a client", description="Run a provider's suite against a client.")
    run.add_argument("provider", help="provider id, e.g. netcore-email")
    chosen = run.add_mutually_exclusive_group()
    chosen.add_argument("--client", metavar="MODULE:FACTORY", help="factory(base_url, config) -> client; default: the reference client")
    chosen.add_argument("--client-cmd", metavar="COMMAND",
                        help="a program in any language speaking JSON-RPC over stdin/stdout (conformance/FRAMEWORK.md)")
    run.add_argument("--report-json", type=Path, metavar="PATH", help="also write the report as JSON")
    run.add_argument("--properties", type=non_negative, default=0, metavar="N",
                     help="also drive the client with N generated payloads and check what the mock received")
    run.add_argument("--seed", type=int, default=None, help="seed of the property run (default: a fixed seed, printed)")
    check = commands.add_parser("check", help="judge the traffic already in a running mock's journal (no client driven)",
                                description="Judge the traffic already in a running mock's journal (no client driven).")
    check.add_argument("provider", help="provider id, e.g. netcore-email")
    check.add_argument("--url", required=True, help="the running mock's base URL, e.g. http://127.0.0.1:8101")
    check.add_argument("--report-json", type=Path, metavar="PATH", help="also write the report as JSON")
    check.add_argument("--junit-xml", type=Path, metavar="PATH", help="also write the report as JUnit XML")
    listing = commands.add_parser("list", help="print the requirement catalogue", description="Print the requirement catalogue: provider, id, severity, statement, source.")
    listing.add_argument("provider", nargs="?", help="one provider (default: all)")
    return parser


def non_negative(text: str) -> int:
    """argparse type of ``--properties``: a count, 0 or more."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError("wants a number of payloads >= 0")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        chosen = [get_suite(args.provider)] if args.provider else list(suites().values())
    except KeyError as error:
        return fail(PROG, error.args[0])
    if args.command == "list":
        for suite in chosen:
            for requirement in suite.requirements:
                print(f"{suite.provider_id}\t{requirement.id}\t{requirement.severity}\t{requirement.statement}\t[{requirement.citation}]")
        return 0
    if args.command == "check":
        from .traffic.remote import check_running_mock

        return check_running_mock(args.provider, args.url, report_json=args.report_json, junit_xml=args.junit_xml)
    suite = chosen[0]
    try:
        factory = client_factory(suite, args.client, args.client_cmd)
    except ValueError as error:  # an empty or unbalanced --client-cmd
        return fail(PROG, f"--client-cmd: {error}")
    except Exception as error:  # the user's module: any import-time failure is theirs to fix
        return fail(PROG, f"cannot load --client {args.client}: {type(error).__name__}: {error}")
    name = args.client or args.client_cmd
    report = run_suite(suite, factory, client_name=name)
    print(report.table())
    document = report.to_json()
    properties_failed = False
    if args.properties:
        from .properties import run_properties

        property_report = run_properties(suite, factory, args.properties, seed=args.seed, client_name=name)
        print(property_report.text())
        document["properties"] = property_report.to_json()
        properties_failed = not property_report.passed
    if args.report_json is not None:
        try:
            args.report_json.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        except OSError as error:
            return fail(PROG, f"cannot write --report-json: {error}")
    return 1 if report.must_failed or properties_failed else 0
