"""Fuzz every registered provider mock (the ``make test`` size of ``make fuzz``).

``SEALMAIL_FUZZ_EXAMPLES`` sets the examples per provider (default 100; ``make
fuzz`` uses 10,000); ``SEALMAIL_FUZZ_REPORT`` names a JSON file to write the
per-provider counts to. Runs under 1,000 examples are derandomized (the same
requests every time, so ``make test`` does not flicker); ``SEALMAIL_FUZZ_RANDOM=1``
or a ``make fuzz``-sized run explores anew. See :mod:`bench.hardening.fuzz` for
what is judged.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from bench.hardening.fuzz import FuzzFailure, FuzzReport, run_fuzz
from sealmail.mockservers.core import providers

EXAMPLES = int(os.environ.get("SEALMAIL_FUZZ_EXAMPLES", "100"))
DERANDOMIZE = EXAMPLES < 1000 and os.environ.get("SEALMAIL_FUZZ_RANDOM") != "1"
REPORTS: dict[str, FuzzReport] = {}


@pytest.fixture(scope="module", autouse=True)
def write_reports() -> object:
    yield
    target = os.environ.get("SEALMAIL_FUZZ_REPORT")
    if target and REPORTS:
        Path(target).write_text(json.dumps([r.to_json() for r in REPORTS.values()], indent=2) + "\n", encoding="utf-8")


@pytest.mark.parametrize("provider_id", list(providers()))
def test_fuzz_provider(provider_id: str) -> None:
    try:
        report = run_fuzz(provider_id, EXAMPLES, derandomize=DERANDOMIZE)
    except FuzzFailure as failure:  # keep the counts up to the failure for the JSON report
        partial = getattr(failure, "report", None)
        if partial is not None:
            partial.failure = str(failure)
            REPORTS[provider_id] = partial
        raise
    REPORTS[provider_id] = report
    print(report.summary())
    assert report.examples >= EXAMPLES
    # The run reached the provider's own checks, not only aiohttp's parser.
    assert report.classes["rejected_by_mock"] > EXAMPLES // 4, report.to_json()
