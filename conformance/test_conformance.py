"""Conformance as pytest items: ``pytest --pyargs sealmail.conformance [--conformance-client ID=pkg.mod:factory]``
(or ``--conformance-client-cmd 'ID=node adapter.mjs'`` for an adapter in any language, see FRAMEWORK.md).

One test per (provider, requirement), its severity in the test id; JUnit comes
from ``--junitxml``. A failing SHOULD fails its test like a MUST, so nothing is
hidden; requirements a check could not evaluate are skipped with the reason.
Without ``--conformance-client`` the reference clients run.
"""

from __future__ import annotations

from typing import Any

import pytest

from sealmail.conformance.framework import Report, suites


def _cases() -> list[tuple[str, str, str]]:
    return [(pid, r.id, r.severity) for pid, suite in suites().items() for r in suite.requirements]


@pytest.mark.parametrize(("provider_id", "requirement_id", "severity"), _cases(), ids=[f"{p}:{r}:{s}" for p, r, s in _cases()])
def test_requirement(provider_id: str, requirement_id: str, severity: str, conformance_report: "ReportGetter") -> None:
    report = conformance_report(provider_id)
    if report is None:
        pytest.skip(f"{provider_id} not selected (--conformance-provider)")
    result = next(r for r in report.results if r.requirement.id == requirement_id)
    if result.passed is None:
        pytest.skip(f"not evaluated: {result.evidence}")
    assert result.passed, f"{requirement_id} ({severity}) {result.requirement.statement}\n  evidence: {result.evidence}\n  source: {result.requirement.citation}"


@pytest.mark.parametrize("provider_id", sorted(suites()))
def test_properties(provider_id: str, conformance_properties: "PropertyGetter") -> None:
    """With ``--conformance-properties N``: N generated payloads through the client, each checked at the mock."""
    report = conformance_properties(provider_id)
    if report is None:
        pytest.skip("property run off (--conformance-properties N) or provider not selected")
    assert report.passed, report.text()


class PropertyGetter:  # typing only; the fixture lives in sealmail.conformance.plugin
    def __call__(self, provider_id: str) -> Any: ...


class ReportGetter:  # typing only; the fixture lives in sealmail.conformance.plugin
    def __call__(self, provider_id: str) -> Report | None: ...
