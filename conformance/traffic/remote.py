"""``sealmail conformance check PROVIDER --url URL``: judge the journal of a running mock over HTTP."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from sealmail.argparsing import fail

from ..junit import report_to_junit
from . import check_traffic

PROG = "sealmail conformance check"

TIMEOUT_S = 30.0


def _get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=TIMEOUT_S) as answer:  # noqa: S310 - the user's own mock URL
        return json.loads(answer.read().decode("utf-8"))


def check_running_mock(provider_id: str, base_url: str, *, report_json: Path | None = None, junit_xml: Path | None = None) -> int:
    """Print the traffic report of the mock at ``base_url``; exit status 0, 1 (a MUST failed) or 2 (unusable)."""
    base = base_url.rstrip("/")
    try:
        config = _get_json(f"{base}/__mock__/config")
        entries = _get_json(f"{base}/__mock__/requests")["requests"]
    except (OSError, urllib.error.URLError, ValueError, KeyError, TypeError) as error:
        return fail(PROG, f"cannot read the journal of {base}: {error}")
    if config.get("provider") != provider_id:
        return fail(PROG, f"{base} is a {config.get('provider')!r} mock, not {provider_id!r}")
    try:
        report = check_traffic(provider_id, entries, config, source=f"traffic at {base}")
    except KeyError as error:
        return fail(PROG, error.args[0])
    print(report.table())
    if report_json is not None:
        report_json.write_text(json.dumps(report.to_json(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    if junit_xml is not None:
        junit_xml.write_text(report_to_junit(report), encoding="utf-8")
    return 1 if report.must_failed else 0
