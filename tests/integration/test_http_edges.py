"""HTTP edge cases at the connection level: cut bodies, Expect, versionless lines, slow clients.

Raw sockets, so the bytes are exactly these. Every wait is a blocking ``recv``
(the server closing or answering) or a journal event, never a sleep.
"""

from __future__ import annotations

import logging
import socket
import threading
from contextlib import ExitStack
from typing import Any, Callable

import pytest
import requests

from sealmail.mockservers.core import MockHandle, get_provider, providers
from sealmail.mockservers.core.journal import JournalEntry

PROVIDERS = list(providers())
API_PATH = {
    "netcore-email": "/v6/mail/send",
    "autosend": "/v1/mails/send",
    "ncp-mailer": "/api/v1/mails",
    "netcore-ce": "/v1/activity/upload",
    "stayprivate": "/1.0/emails/prepare",
}
MockFactory = Callable[..., MockHandle]


def _connect(handle: MockHandle, timeout: float = 10) -> socket.socket:
    host, port = handle.url.split("//", 1)[1].rsplit(":", 1)
    return socket.create_connection((host, int(port)), timeout=timeout)


def _read_all(sock: socket.socket) -> bytes:
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    return data


def _dropped(sock: socket.socket) -> bool:
    """True once the server closes the connection without an answer (FIN or RST)."""
    try:
        return _read_all(sock) == b""
    except ConnectionResetError:
        return True


def _next_commit(handle: MockHandle) -> tuple[threading.Event, list[JournalEntry], Callable[[], None]]:
    seen: list[JournalEntry] = []
    event = threading.Event()

    def listener(kind: str, item: Any) -> None:
        if kind == "committed":
            seen.append(item)
            event.set()

    return event, seen, handle.state.journal.listeners.add(listener)


@pytest.mark.parametrize("provider_id", PROVIDERS)
def test_a_body_cut_short_by_a_half_close_is_journaled_and_logs_no_error(
    provider_id: str, mock_server: MockFactory, caplog: pytest.LogCaptureFixture
) -> None:
    handle = mock_server(provider_id)
    committed, seen, remove = _next_commit(handle)
    caplog.set_level(logging.DEBUG)
    try:
        with _connect(handle) as sock:
            sock.sendall(f"POST {API_PATH[provider_id]} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                         "Content-Length: 100\r\n\r\n{\"a\": 1".encode())
            sock.shutdown(socket.SHUT_WR)
            _read_all(sock)
        assert committed.wait(10), "the cut request was never journaled"
    finally:
        remove()
    (entry,) = seen
    assert entry.reason == "body_truncated" and entry.status == 400 and entry.outcome == "rejected"
    provider = get_provider(provider_id)
    assert entry.error_code == provider.reject_status(400, "x").code
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []


@pytest.mark.parametrize("provider_id", PROVIDERS)
@pytest.mark.parametrize("control", [False, True])
def test_expect_continue_over_the_body_limit_gets_413_before_any_upload(provider_id: str, control: bool, mock_server: MockFactory) -> None:
    handle = mock_server(provider_id)
    path = "/__mock__/faults" if control else API_PATH[provider_id]
    with _connect(handle) as sock:
        sock.sendall(f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nExpect: 100-continue\r\n"
                     f"Content-Length: {handle.state.config.max_body_bytes + 1}\r\n\r\n".encode())
        first = sock.recv(65536)  # the body is never sent: the answer must come first
    assert first.startswith(b"HTTP/1.1 413 "), first[:80]
    if not control:
        assert handle.requests()[-1].reason == "body_too_large"


def test_expect_continue_within_the_limit_still_invites_the_body(netcore_email_mock: MockHandle) -> None:
    with _connect(netcore_email_mock) as sock:
        sock.sendall(b"POST /__mock__/clock HTTP/1.1\r\nHost: 127.0.0.1\r\nExpect: 100-continue\r\nConnection: close\r\n"
                     b"Content-Length: 20\r\n\r\n")
        assert sock.recv(65536).startswith(b"HTTP/1.1 100 Continue")
        sock.sendall(b'{"offset_ms": 1000} ')
        assert _read_all(sock).startswith(b"HTTP/1.1 200 ")


def test_expect_continue_is_not_sent_to_a_request_the_guard_refuses(netcore_email_mock: MockHandle) -> None:
    with _connect(netcore_email_mock) as sock:
        sock.sendall(b"POST /__mock__/reset HTTP/1.1\r\nHost: rebind.attacker.example\r\nExpect: 100-continue\r\n"
                     b"Content-Length: 20\r\n\r\n")
        assert sock.recv(65536).startswith(b"HTTP/1.1 421 ")


@pytest.mark.parametrize("line", [b"GET /__mock__/health\r\n\r\n", b"POST /v6/mail/send\r\n\r\n"])
def test_a_request_line_without_http_version_is_400(netcore_email_mock: MockHandle, line: bytes) -> None:
    with _connect(netcore_email_mock) as sock:
        sock.sendall(line)
        reply = _read_all(sock)
    assert reply.split(b" ", 2)[1] == b"400", reply[:80]
    (entry,) = netcore_email_mock.requests()  # journaled as unparsable (core/parse_errors.py), never handled
    assert entry.reason == "unparsable_request" and "HTTP/0.9" in entry.details["hint"]


# --- slow clients: time limits and the connection cap -----------------------------------------------
def test_a_head_that_never_completes_is_cut_at_the_header_timeout(mock_server: MockFactory) -> None:
    handle = mock_server("netcore-email", header_timeout_s=0.3, idle_timeout_s=600.0)
    with _connect(handle, timeout=20) as sock:
        sock.sendall(b"GET /__mock__/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: a")
        assert _dropped(sock)  # closed unanswered, long before the idle timeout


def test_an_idle_connection_is_closed_at_the_idle_timeout(mock_server: MockFactory) -> None:
    handle = mock_server("netcore-email", idle_timeout_s=0.3)
    with _connect(handle, timeout=20) as sock:
        assert sock.recv(1) == b""
    with _connect(handle, timeout=20) as sock:  # after one answered request, too
        sock.sendall(b"GET /__mock__/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        assert _read_all(sock).startswith(b"HTTP/1.1 200 ")


@pytest.mark.parametrize("provider_id", PROVIDERS)
def test_a_body_that_stalls_gets_408_in_the_providers_shape(provider_id: str, mock_server: MockFactory) -> None:
    handle = mock_server(provider_id, body_timeout_s=0.3)
    with _connect(handle, timeout=20) as sock:
        sock.sendall(f"POST {API_PATH[provider_id]} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 50\r\n\r\n{{".encode())
        reply = sock.recv(65536)  # the answer, while the connection lingers
    assert reply.startswith(b"HTTP/1.1 408 "), reply[:80]
    (entry,) = handle.requests()
    assert entry.reason == "body_timeout" and entry.status == 408


def _half_sent(stack: ExitStack, handle: MockHandle, count: int) -> list[socket.socket]:
    """``count`` connections that each sent part of a request head, then nothing."""
    slow = [stack.enter_context(_connect(handle, timeout=30)) for _ in range(count)]
    for sock in slow:
        sock.sendall(b"POST /v6/mail/send HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
    return slow


def test_a_new_client_is_answered_while_200_half_sent_requests_are_open(mock_server: MockFactory) -> None:
    handle = mock_server("netcore-email", header_timeout_s=1.0, idle_timeout_s=600.0)
    with ExitStack() as stack:
        slow = _half_sent(stack, handle, 200)
        assert requests.get(handle.url + "/__mock__/health", timeout=5).status_code == 200
        assert all(_dropped(sock) for sock in slow)  # then every slow one is cut


def test_over_the_connection_cap_the_oldest_half_sent_connection_makes_room(mock_server: MockFactory) -> None:
    handle = mock_server("netcore-email", max_connections=20, header_timeout_s=600.0, idle_timeout_s=600.0)
    with ExitStack() as stack:
        slow = _half_sent(stack, handle, 20)
        assert requests.get(handle.url + "/__mock__/health", timeout=5).status_code == 200
        assert _dropped(slow[0])  # the oldest was evicted for the newcomer
