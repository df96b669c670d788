"""A page that hangs up while its event stream is blocked on a full socket ends the stream quietly.

Before: aiohttp raised ``ConnectionError("Connection lost")`` from the blocked write, the stream
caught only ``ConnectionResetError``, and every such hang-up logged "Error handling request" with a
traceback on the server's stderr.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import struct
from typing import Any

import pytest
from aiohttp import web
from aiohttp.client_exceptions import ClientConnectionResetError

from sealmail.mockservers.core import create_app
from sealmail.mockservers.core.runner import start_mock
from sealmail.mockservers.inspector import events
from sealmail.mockservers.inspector.app import _HUB, create_inspector_app

EVENT = "x" * (1 << 20)
"""One event of 1 MiB: a handful fill any socket buffer of a client that stops reading."""


async def _until(predicate: Any) -> None:
    while not predicate():
        await asyncio.sleep(0)


async def test_hang_up_during_a_blocked_write_logs_no_traceback(caplog: pytest.LogCaptureFixture) -> None:
    mock = await start_mock(create_app("netcore-email"))
    inspector = await start_mock(create_inspector_app([mock]))
    hub = inspector.app[_HUB]
    try:
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.setblocking(False)
        await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", inspector.port))
        reader, writer = await asyncio.open_connection(sock=sock)
        writer.write(f"GET /events HTTP/1.1\r\nHost: 127.0.0.1:{inspector.port}\r\n\r\n".encode())
        await reader.readuntil(b'{"type": "hello"}\n\n')
        (queue,) = hub._queues
        with caplog.at_level(logging.DEBUG):
            while queue.empty():  # until the stream is stuck writing an earlier event
                hub._publish(EVENT)
                for _ in range(20):
                    await asyncio.sleep(0)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            writer.transport.abort()  # a reset, as a closed browser tab's socket
            await _until(lambda: not hub._queues)
            for _ in range(10):  # let aiohttp finish the request after the handler returned
                await asyncio.sleep(0)
        errors = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
        assert errors == [], [r.getMessage() for r in errors]
    finally:
        await inspector.runner.cleanup()
        await mock.runner.cleanup()


async def _open_stream(port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET /events HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
    await reader.readuntil(b'{"type": "hello"}\n\n')
    return reader, writer


async def test_a_new_stream_past_the_cap_ends_the_oldest(monkeypatch: pytest.MonkeyPatch) -> None:
    """Before: every stream held its connection for good; 512 (the connection cap) locked the inspector out."""
    monkeypatch.setattr(events, "MAX_SUBSCRIBERS", 2)
    mock = await start_mock(create_app("netcore-email"))
    inspector = await start_mock(create_inspector_app([mock]))
    try:
        streams = [await _open_stream(inspector.port) for _ in range(3)]
        oldest_reader = streams[0][0]
        await asyncio.wait_for(oldest_reader.readuntil(b"\r\n0\r\n\r\n"), 10)  # its chunked body ended
        assert len(inspector.app[_HUB]._queues) == 2
        for _, writer in streams:
            writer.close()
    finally:
        await inspector.runner.cleanup()
        await mock.runner.cleanup()


async def test_a_connection_closing_before_the_stream_starts_logs_no_traceback(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Before: ``prepare`` on a closing transport (a connection over the cap) raised outside the guard."""
    original = web.StreamResponse.prepare
    failed: list[bool] = []

    async def closing_once(self: web.StreamResponse, request: web.BaseRequest) -> Any:
        if not failed:
            failed.append(True)
            raise ClientConnectionResetError("Cannot write to closing transport")
        return await original(self, request)

    monkeypatch.setattr(web.StreamResponse, "prepare", closing_once)
    mock = await start_mock(create_app("netcore-email"))
    inspector = await start_mock(create_inspector_app([mock]))
    try:
        with caplog.at_level(logging.DEBUG):
            reader, writer = await asyncio.open_connection("127.0.0.1", inspector.port)
            writer.write(f"GET /events HTTP/1.1\r\nHost: 127.0.0.1:{inspector.port}\r\n\r\n".encode())
            await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
            writer.close()
        assert failed and not inspector.app[_HUB]._queues
        errors = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
        assert errors == [], [r.getMessage() for r in errors]
    finally:
        await inspector.runner.cleanup()
        await mock.runner.cleanup()
