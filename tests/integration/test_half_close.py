"""A client that half-closes its side after whole requests (RFC 9112 section 9.6) still gets every answer.

Raw sockets; each wait is the server closing the connection after answering.
"""

from __future__ import annotations

import socket

import pytest

from sealmail.mockservers.core import MockHandle

from .test_http_edges import API_PATH, MockFactory, _connect, _read_all


@pytest.mark.parametrize("provider_id", list(API_PATH))
def test_a_whole_request_then_a_half_close_is_answered_and_journaled(provider_id: str, mock_server: MockFactory) -> None:
    handle = mock_server(provider_id)
    with _connect(handle) as sock:
        sock.sendall(f"POST {API_PATH[provider_id]} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                     "Content-Length: 2\r\n\r\n{}".encode())
        sock.shutdown(socket.SHUT_WR)
        reply = _read_all(sock)  # was b"": aiohttp closed at EOF before answering
    (entry,) = handle.requests()
    assert reply.startswith(f"HTTP/1.1 {entry.status} ".encode()), reply[:80]


def test_pipelined_requests_then_a_half_close_are_all_answered_then_closed(netcore_email_mock: MockHandle) -> None:
    health = b"GET /__mock__/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    with _connect(netcore_email_mock) as sock:
        sock.sendall(health * 3)
        sock.shutdown(socket.SHUT_WR)
        reply = _read_all(sock)
    assert reply.count(b"HTTP/1.1 200 OK") == 3
