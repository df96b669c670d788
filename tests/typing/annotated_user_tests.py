"""A user's test file with annotated fixtures: ``mypy --strict`` must pass on it (tests/typing/test_mypy.py).

Not collected by pytest here (the name matches no test pattern); the acceptance test
runs it for real in a fresh project.
"""

from __future__ import annotations

import json
import urllib.request
from typing import Any

import aiohttp
import pytest

from sealmail import (
    AutoSendMock,
    MockHandle,
    MockServerFactory,
    NcpMailerMock,
    NetcoreCeMock,
    NetcoreEmailMock,
    StayPrivateMock,
)


def health(mock: MockHandle[Any]) -> dict[str, Any]:
    with urllib.request.urlopen(mock.url + "/__mock__/health", timeout=10) as response:
        answer: dict[str, Any] = json.load(response)
    return answer


def test_every_fixture_is_typed(
    netcore_email_mock: NetcoreEmailMock,
    autosend_mock: AutoSendMock,
    ncp_mailer_mock: NcpMailerMock,
    netcore_ce_mock: NetcoreCeMock,
    stayprivate_mock: StayPrivateMock,
) -> None:
    for mock in (netcore_email_mock, autosend_mock, ncp_mailer_mock, netcore_ce_mock, stayprivate_mock):
        assert health(mock)["status"] == "ok"
    rotated = autosend_mock.model.rotate()  # AutoSendModel.rotate, checked by mypy
    assert rotated.kid
    assert netcore_email_mock.model.api_key


def test_factory_narrows_by_provider_id(mock_server: MockServerFactory) -> None:
    autosend = mock_server("autosend", initial_keys=2)
    autosend.model.rotate()
    any_mock: MockHandle[Any] = mock_server("netcore-email")
    assert any_mock.provider_id == "netcore-email"


@pytest.mark.asyncio
async def test_async_client(netcore_email_mock: NetcoreEmailMock) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.get(netcore_email_mock.url + "/__mock__/health") as response:
            assert (await response.json())["provider"] == "netcore-email"
    messages = await netcore_email_mock.wait_for_messages_async(0, timeout=1)
    assert messages == []
