"""``sealmail conformance check PROVIDER --url URL``: judge the journal of a running mock over HTTP."""

from __future__ import annotations

import http.client
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sealmail.argparsing import fail
from sealmail.bounded_http import exchange

from ..junit import report_to_junit
from . import check_traffic

PROG = "sealmail conformance check"

TIMEOUT_S = 30.0


class _Unusable(Exception):
    """The server's answer is not a mock's journal; ``str()`` says what it sent instead."""


def _get_json(url: str, want: type) -> Any:
    """The JSON document at ``url``, of type ``want``; redirects are not followed (the journal is the mock's own)."""
    parts = urlsplit(url)
    cls = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    connection = cls(parts.hostname or "", parts.port, timeout=TIMEOUT_S)
    answer = exchange(connection, lambda c: c.request("GET", parts.path or "/"), timeout_s=TIMEOUT_S)
    if answer.status != 200:
        moved = f" (redirect to {answer.headers.get('Location')!r}, not followed)" if 300 <= answer.status < 400 else ""
        raise _Unusable(f"GET {parts.path} answered status {answer.status}{moved}")
    try:
        document = json.loads(answer.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        kind = answer.headers.get_content_type()
        raise _Unusable(f"GET {parts.path} answered {kind}, not JSON: {answer.body[:60]!r}") from None
    if not isinstance(document, want):
        raise _Unusable(f"GET {parts.path} answered a JSON {type(document).__name__}, not a {want.__name__}")
    return document


def check_running_mock(provider_id: str, base_url: str, *, report_json: Path | None = None, junit_xml: Path | None = None) -> int:
    """Print the traffic report of the mock at ``base_url``; exit status 0, 1 (a MUST failed) or 2 (unusable)."""
    base = base_url.rstrip("/")
    try:
        config = _get_json(f"{base}/__mock__/config", dict)
        entries = _get_json(f"{base}/__mock__/requests", dict).get("requests")
        if not isinstance(entries, list) or not all(isinstance(entry, dict) for entry in entries):
            raise _Unusable("GET /__mock__/requests answered no list of request objects under \"requests\"")
    except (OSError, http.client.HTTPException, _Unusable) as error:
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
