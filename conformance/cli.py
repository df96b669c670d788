"""``python -m sealmail conformance``: run a provider's conformance suite against a client.

    python -m sealmail conformance run netcore-email                         # the reference client
    python -m sealmail conformance run netcore-email --client pkg.mod:factory --report-json out.json
    python -m sealmail conformance run netcore-email --client-cmd 'node adapter.mjs'   # any language (stdio JSON-RPC)
    python -m sealmail conformance list [PROVIDER]                           # the requirement catalogue

Exit status: 0 when every MUST requirement passes, 1 when one fails, 2 on usage errors.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Sequence

from .framework import client_factory, get_suite, run_suite, suites


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m sealmail conformance", description="sealmail conformance suite")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="run a provider's suite against a client")
    run.add_argument("provider", help="provider id, e.g. netcore-email")
    chosen = run.add_mutually_exclusive_group()
    chosen.add_argument("--client", metavar="MODULE:FACTORY", help="factory(base_url, config) -> client; default: reference client")
    chosen.add_argument("--client-cmd", metavar="COMMAND",
                        help="a program in any language speaking JSON-RPC over stdin/stdout (conformance/FRAMEWORK.md)")
    run.add_argument("--report-json", type=Path, metavar="PATH", help="also write the report as JSON")
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
    try:
        suite = get_suite(args.provider)
        factory = client_factory(suite, args.client, args.client_cmd)
    except (KeyError, ValueError, ImportError, AttributeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    report = run_suite(suite, factory, client_name=args.client or args.client_cmd)
    print(report.table())
    if args.report_json is not None:
        args.report_json.write_text(json.dumps(report.to_json(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 1 if report.must_failed else 0
