"""ncp-mailer: client habits the real gateway accepts (fact sheet [code]) pass every requirement."""

from __future__ import annotations

from typing import Any

import pytest

from sealmail.conformance.clients.http import BlockingRunner
from sealmail.conformance.framework import get_suite, run_suite
from sealmail.conformance.suites.ncp_mailer import SAMPLE_MAIL
from sealmail.mockservers.core import MockPool

from .broken_ncp_mailer import QUIRK_CLIENTS


@pytest.mark.parametrize("factory", list(QUIRK_CLIENTS.values()), ids=list(QUIRK_CLIENTS))
def test_accepted_quirks_pass_every_requirement(factory: Any, sealmail_pool: MockPool) -> None:
    report = run_suite(get_suite("ncp-mailer"), factory, pool=sealmail_pool)
    assert not report.failures(), report.table()
    assert all(r.passed for r in report.results), report.table()


def test_quirk_requests_are_accepted_by_the_mock(sealmail_pool: MockPool) -> None:
    """Not only judged conformant: the mock's gateway really lets them through."""
    mock = sealmail_pool.acquire("ncp-mailer")
    runner = BlockingRunner()
    try:
        for factory in QUIRK_CLIENTS.values():
            client = factory(mock.url, mock.config)
            runner.run(client.send(SAMPLE_MAIL))
            runner.run(client.close())
    finally:
        runner.close()
    mock.assert_all_accepted()
    assert len(mock.requests()) == len(QUIRK_CLIENTS)
