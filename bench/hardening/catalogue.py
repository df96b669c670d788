"""Print the bad-input catalogue as Markdown: per provider, what the caller gets and why.

    python -m bench.hardening.catalogue [--fuzz-report bench/fuzz-results.json]

For every provider: each answer of its error catalogue (every ``ErrorKind`` its
package defines: status, code, message) and, from a fuzz report, the internal
journal reasons the fuzzer actually saw behind that answer, with counts. Then
the classes of bad input that never reach a mock (refused by aiohttp's HTTP
parser), the same for every provider.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any, Sequence

from sealmail.mockservers.core import providers

from .shapes import catalogue, error_shape

ROUTER_STATUSES = (404, 405, 413, 417)
"""Bare statuses every mock answers itself (unknown route, wrong method, body over the limit, unmet Expect)."""

BELOW_THE_MOCK = (
    ("request line or method not HTTP (`GARBAGE`, `get`, `FOO BAR`), bytes outside the token or URL alphabet", "the provider's 400, `unparsable_request`"),
    ("header value with control bytes (NUL, DEL...), header name with spaces or separators", "the provider's 400, `unparsable_request`"),
    ("request line or one header over 8190 bytes", "the provider's 400, `unparsable_request` (\"Got more than 8190 bytes\")"),
    ("two `Content-Length` or two `Content-Type` headers; broken chunked framing", "the provider's 400, `unparsable_request`"),
    ("no `Host` header", "the provider's 400, `unparsable_request`"),
    ("`Content-Encoding: br` (no Brotli decoder installed); `deflate` over bytes that are not deflate", "the provider's 400, `unparsable_request`"),
)
"""Found by the fuzzer: what aiohttp's parser refuses before any mock check runs (answered by core/parse_errors.py)."""


def render(report: list[dict[str, Any]] | None) -> str:
    by_provider = {item["provider"]: item for item in report or []}
    lines = ["## Bad-input catalogue", "",
             "Compiled from each provider's error catalogue (`spec.py`) and the journal reasons `make fuzz` saw behind "
             "each answer (counts from one run; regenerate with `python -m bench.hardening.catalogue --fuzz-report "
             "bench/fuzz-results.json`). Every answer below is in the provider's own error shape, journaled with the "
             "precise reason; the provider sections above list the same classes in words. A body whose declared "
             "`Content-Encoding: gzip` does not decode is the provider's 400 with reason `body_unreadable`.", ""]
    for provider_id, provider in providers().items():
        shape = error_shape(provider)
        seen = by_provider.get(provider_id, {}).get("answers", {})
        lines += [f"### {provider_id}", "", "Error shape: " + "; ".join(shape.describe()), "",
                  "| status | code | message | reasons seen by the fuzzer |", "|---|---|---|---|"]
        for kind in catalogue(provider, ROUTER_STATUSES):
            reasons = seen.get(f"{kind.status} {kind.code}", {})
            shown = ", ".join(f"`{r}` ({n})" for r, n in list(reasons.items())[:12]) or "-"
            lines.append(f"| {kind.status} | `{kind.code}` | {kind.message} | {shown} |")
        lines.append("")
    lines += ["### Below the mock (every provider)", "",
              "These requests are refused by aiohttp's HTTP parser before the mock's checks run. The caller gets the provider's "
              "400 error body (status line\n`HTTP/1.0`, connection closed); the journal gets an entry `UNKNOWN /` (the request "
              "line could not be read) with reason\n`unparsable_request`, the parser's message as detail and a hint "
              "(`core/parse_errors.py`). Pipelined requests that arrived in\nthe same read as the garbage are not answered:", "",
              "| bad input | caller gets |", "|---|---|"]
    lines += [f"| {what} | {answer} |" for what, answer in BELOW_THE_MOCK]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.hardening.catalogue")
    parser.add_argument("--fuzz-report", type=Path, help="JSON written by make fuzz (bench/fuzz-results.json)")
    args = parser.parse_args(argv)
    report = json.loads(args.fuzz_report.read_text(encoding="utf-8")) if args.fuzz_report and args.fuzz_report.exists() else None
    print(render(report), end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
