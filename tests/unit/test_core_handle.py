"""MockPool, ServerThread and MockHandle: pooled servers, inspection helpers, explanations."""

from __future__ import annotations

import socket
from typing import Iterator

import pytest
import requests

from sealmail.mockservers.core import MockHandle, MockPool, ServerThread, create_app

AUTH = {"Authorization": "Bearer sealmail-netcore-email-key", "Content-Type": "application/json"}
PAYLOAD = (
    b'{"from": {"email": "a@example.com"}, "personalizations": [{"to": [{"email": "b@example.com"}]}],'
    b' "subject": "s", "content": [{"type": "html", "value": "v"}]}'
)


@pytest.fixture(scope="module")
def pool() -> Iterator[MockPool]:
    with MockPool() as mock_pool:
        yield mock_pool


def test_pool_reuses_one_server_per_settings_and_resets_it(pool: MockPool) -> None:
    first = pool.acquire("netcore-email")
    requests.post(first.url + "/v6/mail/send", data=PAYLOAD, headers=AUTH, timeout=10)
    assert len(first.messages()) == 1
    again = pool.acquire("netcore-email")
    assert again is first
    assert again.messages() == [] and again.requests() == []
    other = pool.acquire("netcore-email", api_key="k2")
    assert other is not first and other.url != first.url
    assert pool.acquire("netcore-email", api_key="k2") is other


def test_unknown_provider_and_bad_settings_fail_in_acquire(pool: MockPool) -> None:
    with pytest.raises(KeyError):
        pool.acquire("nope")
    with pytest.raises(ValueError):
        pool.acquire("netcore-email", bogus=1)


def test_handle_filters_explains_and_asserts(pool: MockPool) -> None:
    mock = pool.acquire("netcore-email")
    requests.post(mock.url + "/v6/mail/send", data=PAYLOAD, headers=AUTH, timeout=10)
    requests.post(mock.url + "/v6/mail/send?x=1", data=b"{}", timeout=10)
    requests.get(mock.url + "/elsewhere", timeout=10)
    assert [e.status for e in mock.requests(path="/v6/mail/send")] == [200, 401]
    assert [e.reason for e in mock.rejections()] == ["auth_missing", "route_not_found"]
    assert len(mock.requests(outcome="accepted")) == 1
    assert mock.assert_request(method="post", path="/v6/mail/send").status == 200
    assert mock.assert_request(path="/v6/mail/send", outcome="rejected").path == "/v6/mail/send?x=1"
    with pytest.raises(AssertionError, match="no accepted request for GET /elsewhere") as missing:
        mock.assert_request(method="GET", path="/elsewhere")
    assert "route_not_found" in str(missing.value)
    with pytest.raises(AssertionError, match="2 request\\(s\\) rejected") as rejected:
        mock.assert_all_accepted()
    assert "auth_missing: no Authorization header" in str(rejected.value)
    explained = mock.explain()
    assert explained.splitlines()[0] == "netcore-email mock journal (3 request(s)):"
    mock.reset()
    assert mock.explain() == "netcore-email mock journal is empty"
    mock.assert_all_accepted()


def test_handle_clock_and_fault_steering(pool: MockPool) -> None:
    mock = pool.acquire("netcore-email")
    assert mock.clock(now_ms=1_000, frozen=True).now_ms == 1_000
    assert mock.now_ms() == 1_000
    assert mock.clock().frozen is False  # no arguments: restore
    rule = mock.fault(429, times=2, path="/v6/*", retry_after=1)
    assert (rule.times, rule.status) == (2, 429)
    assert requests.post(mock.url + "/v6/mail/send", timeout=10).status_code == 429
    with pytest.raises(ValueError):
        mock.fault(200)
    assert repr(mock) == f"<MockHandle netcore-email {mock.url}>"


def test_wait_for_messages_times_out(pool: MockPool) -> None:
    mock = pool.acquire("netcore-email")
    with pytest.raises(TimeoutError):
        mock.wait_for_messages(1, timeout=0.01)


def test_server_thread_stops_its_servers() -> None:
    with ServerThread() as thread:
        running = thread.start(create_app("netcore-email"))
        handle = MockHandle(running)
        assert requests.get(handle.url + "/__mock__/health", timeout=10).status_code == 200
        port = running.port
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    assert not thread.loop.is_running()


def test_starting_on_a_taken_port_is_an_os_error() -> None:
    with ServerThread() as thread:
        first = thread.start(create_app("netcore-email"))
        with socket.socket() as blocker:
            blocker.bind(("127.0.0.1", 0))
            blocker.listen()
            with pytest.raises(OSError):
                thread.start(create_app("netcore-email"), port=blocker.getsockname()[1])
        assert requests.get(first.url + "/__mock__/health", timeout=10).status_code == 200
