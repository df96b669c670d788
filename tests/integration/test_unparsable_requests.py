"""Requests aiohttp's HTTP parser refuses get the provider's 400 body and a journal entry (core/parse_errors.py).

Raw sockets, so the bytes are exactly these; each wait is the server closing the connection.
"""

from __future__ import annotations

import json

import pytest

from sealmail.mockservers.core import MockHandle, get_provider, providers

from .test_http_edges import API_PATH, MockFactory, _connect, _read_all

HEAD = b"POST /v6/mail/send HTTP/1.1\r\nHost: 127.0.0.1\r\n"
UNPARSABLE = {
    "too-many-headers": (HEAD + b"".join(b"X-%d: a\r\n" % i for i in range(200)) + b"\r\n", "128 header lines"),
    "long-header-line": (HEAD + b"X-Big: " + b"a" * 9000 + b"\r\n\r\n", "8190-byte"),
    "bad-chunked": (HEAD + b"Transfer-Encoding: chunked\r\n\r\nzz\r\n", "chunked"),
    "bad-content-length": (HEAD + b"Content-Length: -1\r\n\r\n", "Content-Length"),
    "content-length-and-chunked": (HEAD + b"Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", "Transfer-Encoding"),
    "tls-to-plain-port": (bytes.fromhex("16030100f4010000f00303") + bytes(40), "TLS"),
}


def _exchange(handle: MockHandle, data: bytes) -> tuple[bytes, bytes]:
    with _connect(handle) as sock:
        sock.sendall(data)
        head, _, body = _read_all(sock).partition(b"\r\n\r\n")
    return head, body


@pytest.mark.parametrize("case", list(UNPARSABLE))
def test_an_unparsable_request_gets_the_providers_400_and_a_journal_entry_with_a_hint(case: str, netcore_email_mock: MockHandle) -> None:
    data, hint_word = UNPARSABLE[case]
    head, body = _exchange(netcore_email_mock, data)
    assert head.split(b" ", 2)[1] == b"400" and b"application/json" in head, head
    assert json.loads(body)["error"][0]["code"] == "bad_request"  # netcore-email's 400 body, not aiohttp's text
    (entry,) = netcore_email_mock.requests()
    assert entry.reason == "unparsable_request" and entry.status == 400 and entry.outcome == "rejected"
    assert "aiohttp's HTTP parser refused" in entry.detail and hint_word in entry.details["hint"], (entry.detail, entry.details)


@pytest.mark.parametrize("provider_id", list(providers()))
def test_every_provider_answers_an_unparsable_request_in_its_own_shape(provider_id: str, mock_server: MockFactory) -> None:
    handle = mock_server(provider_id)
    head, _ = _exchange(handle, f"POST {API_PATH[provider_id]} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: x\r\n\r\n".encode())
    (entry,) = handle.requests()
    assert entry.error_code == get_provider(provider_id).reject_status(400, "x").code
    assert head.split(b" ", 2)[1] == str(entry.status).encode()


def test_garbage_pipelined_behind_a_request_gets_the_400_and_one_journal_entry(netcore_email_mock: MockHandle) -> None:
    # aiohttp parses one read as a whole: the parse error stands for the batch (the request before it is not answered)
    head, _ = _exchange(netcore_email_mock, b"GET /__mock__/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n\x00\x01garbage\r\n\r\n")
    assert head.startswith(b"HTTP/1.0 400 ") and b"application/json" in head
    assert [entry.reason for entry in netcore_email_mock.requests()] == ["unparsable_request"]
