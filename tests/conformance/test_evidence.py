"""Conformance evidence says what differs, is never cut mid-word, never contradicts its verdict, cites its page.

Issue 12, section 4: a failed payload check shows which fields differ; a
shortened evidence line ends at a word boundary; a check that saw nothing to
judge says so instead of passing; every requirement cites the provider's
documentation page beside its seed source.
"""

from __future__ import annotations

from typing import Any

import pytest

from sealmail.conformance.evidence import clip, payload_diff
from sealmail.conformance.framework import Report, Requirement, RequirementResult, get_suite, judge_equal, run_suite, suites
from sealmail.mockservers.core import MockPool

from .broken_autosend import BROKEN_CLIENTS as BROKEN_AUTOSEND


def test_payload_diff_names_each_differing_field() -> None:
    expected = {"to": {"email": "a@example.com"}, "subject": "s", "tags": ["x", "y"], "n": 1}
    actual = {"to": {"email": "b@example.com"}, "tags": ["x"], "n": 1.0, "extra": True}
    assert payload_diff(expected, actual) == [
        'to.email: "b@example.com", expected "a@example.com"',
        'subject: missing (expected "s")',
        "tags: 1 item(s), expected 2",
        "n: 1.0, expected 1",
        "extra: unexpected field (true)",
    ]
    assert payload_diff(expected, expected) == []
    many = payload_diff({str(i): i for i in range(10)}, {})
    assert len(many) == 7 and many[-1] == "and 4 more difference(s)"


def test_judge_equal_fails_with_the_diff_and_passes_only_on_equality() -> None:
    verdict = judge_equal("X", {"a": 1}, {"a": 2}, "the payload")
    assert verdict.passed is False and verdict.evidence == "the payload differs: a: 2, expected 1"
    assert judge_equal("X", {"a": 1}, {"a": 1}, "the payload").passed is True
    assert judge_equal("X", {"a": 1}, {"a": True}, "the payload").passed is False  # JSON types matter


@pytest.mark.parametrize("limit", [10, 25, 40, 60])
def test_clip_never_cuts_a_word(limit: int) -> None:
    text = "retired key: one refresh and one retry with key_2026_07; persistent error raised after 2 send(s)"
    clipped = clip(text, limit)
    assert len(clipped) <= limit and clipped.endswith("…")
    kept = clipped[:-1]
    assert text.startswith(kept) and text[len(kept)] in " ;:,"  # the cut falls between words
    assert clip("short", 10) == "short"
    assert clip("a\n  b", 10) == "a b"


def test_report_table_clips_evidence_at_word_boundaries() -> None:
    requirement = Requirement("R-1", "statement", "MUST", "seed", "https://example.invalid/docs")
    evidence = "word " * 40
    table = Report("p", "c", [RequirementResult(requirement, False, evidence)]).table()
    row = table.splitlines()[2]
    assert row.endswith("word…")


def test_report_table_repeats_clipped_failures_in_full_below() -> None:
    """The one-line row cuts a long hint; the whole evidence of every clipped failure follows the table."""
    requirement = Requirement("R-1", "statement", "MUST", "seed", "https://example.invalid/docs")
    short = Requirement("R-2", "statement", "MUST", "seed", "https://example.invalid/docs")
    evidence = "word " * 40 + "MGF1-SHA-256"
    table = Report("p", "c", [RequirementResult(requirement, False, evidence), RequirementResult(short, False, "brief")]).table()
    assert f"R-1: {evidence.strip()}" in table.splitlines()
    assert not [line for line in table.splitlines() if line.startswith("R-2: ")]


def test_a_dropped_field_is_named_in_the_failed_payload_check(sealmail_pool: MockPool) -> None:
    factory, _ = BROKEN_AUTOSEND["drops a field before encrypting"]
    report = run_suite(get_suite("autosend"), factory, pool=sealmail_pool)
    (whole_body,) = [r for r in report.results if r.requirement.id == "AS-WHOLE-BODY"]
    assert whole_body.passed is False
    assert whole_body.evidence.startswith("the decrypted plaintext differs: ")
    assert "dynamicData: missing (expected" in whole_body.evidence


def test_an_undecryptable_jwe_carries_the_mocks_diagnosis(sealmail_pool: MockPool) -> None:
    """The report says what the mock's journal says: a Java developer reads "MGF1", not only "does not decrypt"."""
    factory, _ = BROKEN_AUTOSEND["Java's default OAEP (MGF1-SHA-1) under RSA-OAEP-256"]
    report = run_suite(get_suite("autosend"), factory, pool=sealmail_pool)
    (whole_body,) = [r for r in report.results if r.requirement.id == "AS-WHOLE-BODY"]
    assert whole_body.passed is False
    assert "the mock refused it: rsa_oaep_unwrap_failed" in whole_body.evidence
    assert "MGF1 with SHA-1" in whole_body.evidence


class _SendsNothing:
    """A client that gives up before sending anything."""

    def send(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("not configured")


def test_nothing_sent_is_not_a_pass(sealmail_pool: MockPool) -> None:
    report = run_suite(get_suite("netcore-email"), lambda url, config: _SendsNothing(), pool=sealmail_pool)
    (retry,) = [r for r in report.results if r.requirement.id == "NE-RETRY-BOUNDED"]
    assert retry.passed is None and "no request" in retry.evidence


@pytest.mark.parametrize("provider_id", ["autosend", "ncp-mailer", "netcore-email", "stayprivate"])
def test_every_requirement_cites_the_documentation_page(provider_id: str) -> None:
    for requirement in suites()[provider_id].requirements:
        assert requirement.documentation.startswith("https://"), requirement.id
        assert requirement.citation == f"{requirement.source} ({requirement.documentation})"
        assert requirement.to_json()["documentation"] == requirement.documentation
