"""A big request runs its handler off the shared event loop: health keeps answering meanwhile.

Ordering, not speed: the big request's handler is held inside its payload
parse (on an event) while the health check is sent; the health check must
complete before the handler is released. On the loop, the held handler would
block the health check instead (and the test would fail on the generous
timeout, never on a duration).
"""

from __future__ import annotations

import http.client
import threading
from typing import Any, Iterator

import pytest

from sealmail.conformance.clients import netcore_email as client
from sealmail.mockservers.core import ServerThread, create_app
from sealmail.mockservers.core.runner import RunningMock
from sealmail.mockservers.providers.netcore_email import handlers

TIMEOUT_S = 30.0  # generous: only a safety net against a hang


@pytest.fixture
def server() -> Iterator[ServerThread]:
    with ServerThread("test-offload") as thread:
        yield thread


def _send_mail(running: RunningMock, api_key: str, content_bytes: int) -> tuple[int, bytes]:
    mail = {"from": {"email": "a@example.com"}, "subject": "s", "personalizations": [{"to": [{"email": "b@example.org"}]}],
            "content": [{"type": "html", "value": "x" * content_bytes}]}
    encrypted = client.encrypt_request(mail)
    connection = http.client.HTTPConnection(running.host, running.port, timeout=TIMEOUT_S)
    try:
        connection.request("POST", client.SEND_PATH, body=encrypted.body,
                           headers={**encrypted.headers, "Authorization": f"Bearer {api_key}"})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def _health(running: RunningMock) -> int:
    connection = http.client.HTTPConnection(running.host, running.port, timeout=TIMEOUT_S)
    try:
        connection.request("GET", "/__mock__/health")
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def test_health_answers_while_a_big_request_is_still_being_handled(server: ServerThread, monkeypatch: pytest.MonkeyPatch) -> None:
    running = server.start(create_app("netcore-email"))
    api_key = running.state.config.api_key
    entered, release = threading.Event(), threading.Event()
    original = handlers.parse_payload

    def held_parse(plaintext: bytes, **options: Any) -> Any:
        entered.set()
        assert release.wait(TIMEOUT_S), "never released"
        return original(plaintext, **options)

    monkeypatch.setattr(handlers, "parse_payload", held_parse)
    result: list[tuple[int, bytes]] = []
    big = threading.Thread(target=lambda: result.append(_send_mail(running, api_key, 256 * 1024)))
    big.start()
    try:
        assert entered.wait(TIMEOUT_S), "the big request never reached its handler"
        assert _health(running) == 200
        assert not release.is_set() and big.is_alive()  # health completed while the handler was still held
    finally:
        release.set()
        big.join(TIMEOUT_S)
    assert result and result[0][0] == 200, result
    assert len(running.state.store) == 1 and running.state.journal.entries()[-1].accepted


def test_small_requests_stay_on_the_loop_and_big_ones_do_not(server: ServerThread, monkeypatch: pytest.MonkeyPatch) -> None:
    running = server.start(create_app("netcore-email", {"offload_body_bytes": 8 * 1024}))
    api_key = running.state.config.api_key
    threads: list[str] = []
    original = handlers.parse_payload

    def recording_parse(plaintext: bytes, **options: Any) -> Any:
        threads.append(threading.current_thread().name)
        return original(plaintext, **options)

    monkeypatch.setattr(handlers, "parse_payload", recording_parse)
    assert _send_mail(running, api_key, 100)[0] == 200
    assert _send_mail(running, api_key, 16 * 1024)[0] == 200
    assert threads[0] == "test-offload"
    assert threads[1].startswith("sealmail-offload")


def test_offload_can_be_switched_off(server: ServerThread, monkeypatch: pytest.MonkeyPatch) -> None:
    running = server.start(create_app("netcore-email", {"offload_body_bytes": 0}))
    threads: list[str] = []
    original = handlers.parse_payload
    monkeypatch.setattr(handlers, "parse_payload", lambda p, **kw: threads.append(threading.current_thread().name) or original(p, **kw))
    assert _send_mail(running, running.state.config.api_key, 64 * 1024)[0] == 200
    assert threads == ["test-offload"]
