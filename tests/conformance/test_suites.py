"""Every conformance suite: the reference client passes all, each broken client fails exactly its requirements.

Broken clients live beside this file as ``broken_<provider>.py`` modules with
``PROVIDER`` and ``BROKEN_CLIENTS = {name: (factory, expected_failed_ids)}``.
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path
from typing import Any

import pytest

from sealmail.conformance.framework import get_suite, run_suite, suites
from sealmail.mockservers.core import MockPool


def _broken_cases() -> list[Any]:
    cases = []
    for info in pkgutil.iter_modules([str(Path(__file__).parent)]):
        if not info.name.startswith("broken_"):
            continue
        module = importlib.import_module(f"{__package__}.{info.name}")
        for name, (factory, expected) in module.BROKEN_CLIENTS.items():
            cases.append(pytest.param(module.PROVIDER, factory, expected, id=f"{module.PROVIDER}: {name}"))
    return cases


@pytest.mark.parametrize("provider_id", list(suites()))
def test_reference_client_passes_every_requirement(provider_id: str, sealmail_pool: MockPool) -> None:
    report = run_suite(get_suite(provider_id), pool=sealmail_pool)
    assert not report.failures(), report.table()
    assert all(r.passed for r in report.results), report.table()


@pytest.mark.parametrize("provider_id", list(suites()))
def test_every_requirement_has_a_check_and_a_source(provider_id: str) -> None:
    suite = get_suite(provider_id)
    assert suite.uncovered() == []
    ids = [r.id for r in suite.requirements]
    assert len(ids) == len(set(ids)), "requirement ids must be unique"
    assert all(r.source.strip() and r.statement.strip() for r in suite.requirements)


@pytest.mark.parametrize(("provider_id", "factory", "expected"), _broken_cases())
def test_broken_client_fails_exactly_its_requirements(provider_id: str, factory: Any, expected: frozenset[str], sealmail_pool: MockPool) -> None:
    report = run_suite(get_suite(provider_id), factory, pool=sealmail_pool)
    assert report.failed_ids() == set(expected), report.table()
