"""``python -m sealmail conformance``: run a provider's conformance suite against a client.

    python -m sealmail conformance run netcore-email                         # the reference client
    python -m sealmail conformance run netcore-email --client pkg.mod:factory --report-json out.json
    python -m sealmail conformance list [PROVIDER]                           # the requirement catalogue
    python -m sealmail conformance check netcore-email --url http://127.0.0.1:8101   # judge traffic already sent

Exit status: 0 when every MUST requirement passes, 1 when one fails, 2 on usage errors.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Sequence

from .framework import get_suite, load_factory, run_suite, suites


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m sealmail conformance", description="sealmail conformance suite")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="run a provider's suite against a client")
    run.add_argument("provider", help="provider id, e.g. netcore-email")
    run.add_argument("--client", metavar="MODULE:FACTORY", help="factory(base_url, config) -> client; default: reference client")
    run.add_argument("--report-json", type=Path, metavar="PATH", help="also write the report as JSON")
    run.add_argument("--properties", type=int, default=0, metavar="N",
                     help="also drive the client with N generated payloads and check what the mock received")
    run.add_argument("--seed", type=int, default=None, help="seed of the property run (default: a fixed seed, printed)")
    check = commands.add_parser("check", help="judge the traffic already in a running mock's journal (no client driven)")
    check.add_argument("provider", help="provider id, e.g. netcore-email")
    check.add_argument("--url", required=True, help="the running mock's base URL, e.g. http://127.0.0.1:8101")
    check.add_argument("--report-json", type=Path, metavar="PATH", help="also write the report as JSON")
    check.add_argument("--junit-xml", type=Path, metavar="PATH", help="also write the report as JUnit XML")
    listing = commands.add_parser("list", help="print the requirement catalogue")
    listing.add_argument("provider", nargs="?", help="one provider (default: all)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "list":
        chosen = [args.provider] if args.provider else list(suites())
        for provider_id in chosen:
            for requirement in get_suite(provider_id).requirements:
                print(f"{provider_id}\t{requirement.id}\t{requirement.severity}\t{requirement.statement}\t[{requirement.source}]")
        return 0
    if args.command == "check":
        from .traffic.remote import check_running_mock

        return check_running_mock(args.provider, args.url, report_json=args.report_json, junit_xml=args.junit_xml)
    try:
        suite = get_suite(args.provider)
        factory = load_factory(args.client) if args.client else None
    except (KeyError, ValueError, ImportError, AttributeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.properties < 0:
        print("error: --properties wants a number of payloads >= 0", file=sys.stderr)
        return 2
    report = run_suite(suite, factory, client_name=args.client)
    print(report.table())
    document = report.to_json()
    properties_failed = False
    if args.properties:
        from .properties import run_properties

        property_report = run_properties(suite, factory, args.properties, seed=args.seed, client_name=args.client)
        print(property_report.text())
        document["properties"] = property_report.to_json()
        properties_failed = not property_report.passed
    if args.report_json is not None:
        args.report_json.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 1 if report.must_failed or properties_failed else 0
