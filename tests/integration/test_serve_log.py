"""The live request log of ``sealmail serve``: a line per request, text or JSON, coloured only for terminals.

The subprocess tests read the server's stdout line by line (never sleeping):
the log line of a request must be there once the response is.
"""

from __future__ import annotations

import io
import json
from datetime import datetime, timezone
from typing import Any

import pytest
import requests

from sealmail.mockservers.core.journal import JournalEntry
from sealmail.mockservers.core.requestlog import DETAIL_CHARS, RequestLog, wants_colour

from .test_cli import Served, serve  # noqa: F401 - the fixture

SERVE = ("--provider", "netcore-email", "--port-base", "0", "--json")


def send_url(server: Served) -> str:
    return server.mocks()["netcore-email"]["send_url"]


def test_text_lines_name_provider_request_status_outcome_and_reason(serve: type[Served]) -> None:
    server = serve(*SERVE)
    url = send_url(server)
    requests.post(url, json={}, timeout=10)
    line = server.line(timeout=5)
    assert "netcore-email POST /v6/mail/send 401 rejected auth_missing: no Authorization header" in line
    assert "\033[" not in line  # a pipe, not a terminal: no colour
    requests.post(url, json={}, headers={"Authorization": "Bearer sealmail-netcore-email-key"}, timeout=10)
    line = server.line(timeout=5)
    assert "POST /v6/mail/send 400 rejected" in line and "(field " in line
    assert server.terminate() == 0


def test_json_lines_for_machines(serve: type[Served]) -> None:
    server = serve(*SERVE, "--log-format", "json")
    url = send_url(server)
    requests.post(url, data=b"not json", headers={"Authorization": "Bearer nope"}, timeout=10)
    record = json.loads(server.line(timeout=5))
    assert record["provider"] == "netcore-email"
    assert (record["method"], record["path"], record["status"], record["outcome"]) == ("POST", "/v6/mail/send", 401, "rejected")
    assert record["reason"] == "auth_invalid_key" and record["detail"]
    assert record["id"] == 1 and record["time"].endswith("Z")
    requests.get(url.replace("/v6/mail/send", "/__mock__/health"), timeout=10)  # control calls are not journaled
    requests.post(url, json={}, timeout=10)
    assert json.loads(server.line(timeout=5))["id"] == 2
    assert server.terminate() == 0


def test_quiet_turns_the_log_off(serve: type[Served]) -> None:
    server = serve(*SERVE, "--quiet")
    requests.post(send_url(server), json={}, timeout=10)
    assert server.terminate() == 0
    with pytest.raises(AssertionError, match="exited"):
        server.line(timeout=5)  # nothing but the end of output


def entry(**changes: Any) -> JournalEntry:
    fields: dict[str, Any] = dict(id=7, time_ms=0, method="POST", path="/v6/mail/send", headers={}, body="", body_size=0,
                                  body_truncated=False, status=400, outcome="rejected", reason="gcm_tag_mismatch",
                                  detail="tag does not verify")
    fields.update(changes)
    return JournalEntry(**fields)


WHEN = datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=timezone.utc)


def test_colour_for_terminals_only_and_never_with_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    assert wants_colour(Terminal()) and not wants_colour(io.StringIO())
    out = Terminal()
    RequestLog(out).write("netcore-email", entry(), now=WHEN)
    assert "\033[31m400 rejected\033[0m" in out.getvalue()
    monkeypatch.setenv("NO_COLOR", "1")
    assert not wants_colour(Terminal())
    plain = Terminal()
    RequestLog(plain).write("netcore-email", entry(), now=WHEN)
    assert "\033[" not in plain.getvalue()


def test_text_line_shape_and_long_details_are_cut() -> None:
    out = io.StringIO()
    log = RequestLog(out, colour=False)
    log.write("autosend", entry(status=200, outcome="accepted", reason=None, detail=None), now=WHEN)
    log.write("autosend", entry(field="content[0].type", detail="x" * 500), now=WHEN)
    accepted, rejected = out.getvalue().splitlines()
    assert accepted.endswith("autosend POST /v6/mail/send 200 accepted")
    assert "400 rejected gcm_tag_mismatch (field content[0].type): " in rejected
    assert rejected.endswith("x" * (DETAIL_CHARS - 3) + "...")


def test_json_line_fields() -> None:
    out = io.StringIO()
    RequestLog(out, "json").write("stayprivate", entry(), now=WHEN)
    assert json.loads(out.getvalue()) == {
        "time": "2026-01-02T03:04:05.678Z", "provider": "stayprivate", "id": 7, "method": "POST", "path": "/v6/mail/send",
        "status": 400, "outcome": "rejected", "reason": "gcm_tag_mismatch", "field": None, "detail": "tag does not verify",
    }
