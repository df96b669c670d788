"""The inspector's event stream buffers a bounded number of bytes for a page that stopped reading.

Before: up to 1000 events per subscriber whatever their size; four pages that stopped reading
while 900 messages of 1 MiB were stored kept +905 MiB.
"""

from __future__ import annotations

import asyncio
import socket
from typing import Any, AsyncIterator

import pytest

from sealmail.mockservers.core import create_app
from sealmail.mockservers.core.runner import RunningMock, start_mock
from sealmail.mockservers.inspector import events
from sealmail.mockservers.inspector.app import _HUB, create_inspector_app

MIB = 1 << 20


async def _until(predicate: Any) -> None:
    while not predicate():
        await asyncio.sleep(0)


@pytest.fixture
async def inspector() -> AsyncIterator[RunningMock]:
    mock = await start_mock(create_app("netcore-email"))
    served = await start_mock(create_inspector_app([mock]))
    yield served
    await served.runner.cleanup()
    await mock.runner.cleanup()


async def _stalled_stream(port: int) -> asyncio.StreamWriter:
    """A page that opens the stream, reads the greeting and never reads again."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.setblocking(False)
    await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", port))
    reader, writer = await asyncio.open_connection(sock=sock)
    writer.write(f"GET /events HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
    await reader.readuntil(b'{"type": "hello"}\n\n')
    return writer


async def test_a_stalled_page_holds_at_most_the_byte_budget_then_resyncs(inspector: RunningMock, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(events, "QUEUE_MAX_BYTES", 4 * MIB)
    hub = inspector.app[_HUB]
    writer = await _stalled_stream(inspector.port)
    (queue,) = hub._queues
    for number in range(24):
        hub._publish(f"{number:04d}" + "x" * MIB)
        for _ in range(5):
            await asyncio.sleep(0)
        queued = [item for item in queue._queue if isinstance(item, str)]  # type: ignore[attr-defined]
        assert sum(map(len, queued)) == hub._queues[queue] <= 4 * MIB
    assert '{"type": "resync"}' in [item for item in queue._queue]  # type: ignore[attr-defined]
    writer.close()


async def test_a_page_that_takes_nothing_within_the_write_timeout_is_let_go(inspector: RunningMock, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(events, "WRITE_TIMEOUT_S", 0.2)
    hub = inspector.app[_HUB]
    writer = await _stalled_stream(inspector.port)
    (queue,) = hub._queues
    while queue in hub._queues and queue.empty():  # until the stream is stuck writing an earlier event
        hub._publish("x" * MIB)
        for _ in range(20):
            await asyncio.sleep(0)
    await asyncio.wait_for(_until(lambda: not hub._queues), 30)  # the stream ended: its backlog is gone
    writer.close()

