"""The shipped adapters in Node, Java and PHP pass their providers' suites over the stdio protocol,
and each deliberately broken variant (``SEALMAIL_BROKEN=<variant>``, same file) fails exactly its requirements."""

from __future__ import annotations

import json

import pytest

from sealmail.conformance.framework import client_factory, get_suite, run_suite
from sealmail.conformance.properties import run_properties
from sealmail.mockservers.core import MockPool

from .adapter_toolchains import COMMANDS

CASES = [
    # (language, provider, SEALMAIL_BROKEN variant, the requirements it must fail)
    ("node", "netcore-email", "", set()),
    ("node", "netcore-email", "reuse-iv", {"NE-IV-FRESH"}),
    ("node", "ncp-mailer", "", set()),
    ("node", "ncp-mailer", "stale-timestamp", {"NCP-TS-FRESH"}),
    ("node", "netcore-ce", "", set()),
    ("node", "autosend", "", set()),
    ("node", "autosend", "wrong-kid", {"AS-KID-CONSISTENT"}),
    ("node", "stayprivate", "", set()),
    ("java", "netcore-email", "", set()),
    ("java", "netcore-email", "reuse-iv", {"NE-IV-FRESH"}),
    ("java", "ncp-mailer", "", set()),
    ("java", "netcore-ce", "", set()),
    ("php", "netcore-email", "", set()),
    ("php", "netcore-email", "reuse-iv", {"NE-IV-FRESH"}),
    ("php", "ncp-mailer", "", set()),
    ("php", "netcore-ce", "", set()),
]


@pytest.mark.parametrize(("language", "provider_id", "variant", "expected"), CASES,
                         ids=[f"{lang}-{pid}-{variant or 'correct'}" for lang, pid, variant, _ in CASES])
def test_adapter_passes_or_fails_exactly_its_requirements(
    language: str, provider_id: str, variant: str, expected: set[str], sealmail_pool: MockPool, monkeypatch: pytest.MonkeyPatch
) -> None:
    command = COMMANDS[language](provider_id)
    monkeypatch.setenv("SEALMAIL_BROKEN", variant)
    suite = get_suite(provider_id)
    report = run_suite(suite, client_factory(suite, command=command), pool=sealmail_pool, client_name=command)
    assert report.failed_ids() == expected, report.table()
    if not expected:
        assert all(r.passed for r in report.results), report.table()


def test_a_property_run_finds_and_shrinks_a_bug_planted_in_a_node_adapter(monkeypatch: pytest.MonkeyPatch) -> None:
    """One adapter process for the whole run; the ISO-8859-1 variant breaks only on non-ASCII text."""
    command = COMMANDS["node"]("netcore-email")
    suite = get_suite("netcore-email")
    monkeypatch.setenv("SEALMAIL_BROKEN", "")
    assert run_properties(suite, client_factory(suite, command=command), 15, seed=3).passed
    monkeypatch.setenv("SEALMAIL_BROKEN", "latin1")
    report = run_properties(suite, client_factory(suite, command=command), 60, seed=3, client_name=command)
    assert not report.passed, report.text()
    text = json.dumps(report.minimal_example, ensure_ascii=False)
    assert len([c for c in text if ord(c) > 127]) == 1, text  # shrunk to one character outside ASCII
    assert "seed 3" in report.text() and command in report.text()
