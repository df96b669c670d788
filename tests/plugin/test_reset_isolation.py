"""A request still in flight when its test ends never reaches the next test (issue 12, section 2).

Test A scripts a delay, its client gives up after a short timeout and the test
ends; test B gets the same session-scoped mock, reset. Without isolation the
abandoned request finishes during B and shows up in B's journal (as a 401 when
it carried no key) and message store. Run through the real fixtures with
pytester, sync and async, and at the end of a session (no "Task was destroyed
but it is pending").
"""

from __future__ import annotations

import pytest

from .. import in_flight
from .test_plugin import COMMON, INI

SYNC_TESTS = COMMON + '''


def post(mock, timeout, key=True):
    headers = {"Authorization": "Bearer " + mock.config["api_key"]} if key else {}
    return requests.post(mock.url + "/v6/mail/send", json=PAYLOAD, headers=headers, timeout=timeout)


def test_a_abandons_slow_requests(netcore_email_mock):
    netcore_email_mock.fault(delay_ms=400, times=2)
    for key in (True, False):
        with handler_started(netcore_email_mock) as started:
            try:
                post(netcore_email_mock, timeout=0.1, key=key)
            except requests.exceptions.Timeout:
                pass
            else:
                raise AssertionError("the delayed request answered before the client gave up")
            assert started.wait(10)  # in flight when this test ends, however loaded the machine


def test_b_sees_only_its_own_requests(netcore_email_mock):
    # B's own request is delayed longer than A's, so A's would have finished by now.
    netcore_email_mock.fault(delay_ms=600)
    assert post(netcore_email_mock, timeout=10).status_code == 200
    assert [(e.id, e.status) for e in netcore_email_mock.requests()] == [(1, 200)]
    assert len(netcore_email_mock.messages()) == 1
''' + in_flight.SOURCE

ASYNC_TESTS = COMMON + '''
import asyncio


async def post(mock, timeout, key=True):
    headers = {"Authorization": "Bearer " + mock.config["api_key"]} if key else {}
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout)) as session:
        async with session.post(mock.url + "/v6/mail/send", json=PAYLOAD, headers=headers) as response:
            return response.status


async def test_a_abandons_slow_requests(netcore_email_mock):
    netcore_email_mock.fault(delay_ms=400, times=2)
    for key in (True, False):
        with handler_started(netcore_email_mock) as started:
            try:
                await post(netcore_email_mock, timeout=0.1, key=key)
            except asyncio.TimeoutError:
                pass
            else:
                raise AssertionError("the delayed request answered before the client gave up")
            assert await asyncio.to_thread(started.wait, 10)  # in flight when this test ends


async def test_b_sees_only_its_own_requests(netcore_email_mock):
    netcore_email_mock.fault(delay_ms=600)
    assert await post(netcore_email_mock, timeout=10) == 200
    assert [(e.id, e.status) for e in netcore_email_mock.requests()] == [(1, 200)]
    assert len(netcore_email_mock.messages()) == 1
''' + in_flight.SOURCE

SESSION_END = '''
import requests


def test_last_test_abandons_a_long_request(netcore_email_mock):
    netcore_email_mock.fault(delay_ms=30_000)
    try:
        requests.post(netcore_email_mock.url + "/v6/mail/send", json={}, timeout=0.1)
    except requests.exceptions.Timeout:
        pass
'''


@pytest.mark.parametrize("source", [SYNC_TESTS, ASYNC_TESTS], ids=["sync", "async"])
def test_abandoned_request_never_reaches_the_next_test(pytester: pytest.Pytester, source: str) -> None:
    pytester.makeini(INI)
    pytester.makepyfile(test_isolation=source)
    result = pytester.runpytest_subprocess("-p", "no:randomly", "-p", "no:xdist")
    result.assert_outcomes(passed=2)


def test_session_end_leaves_no_pending_task(pytester: pytest.Pytester) -> None:
    pytester.makeini(INI)
    pytester.makepyfile(test_session_end=SESSION_END)
    result = pytester.runpytest_subprocess("-p", "no:randomly", "-p", "no:xdist", "-W", "error")
    result.assert_outcomes(passed=1)
    assert "Task was destroyed" not in result.stderr.str() + result.stdout.str()
    assert "Traceback" not in result.stderr.str()
