"""The inspector forwards a control answer slice by slice: a page that stops reading holds no whole copy.

Before: the proxy read the mock's whole answer, then handed it to the page's transport in one piece:
20 pages that stopped reading ``/p/netcore-email/__mock__/requests`` of a full journal kept +2269 MiB.
"""

from __future__ import annotations

import asyncio
import socket
from typing import Any

from sealmail.mockservers.core import create_app
from sealmail.mockservers.core.answers import ANSWER_BUDGET
from sealmail.mockservers.core.runner import start_mock
from sealmail.mockservers.inspector.app import create_inspector_app

PADDING = [(b"X-Pad-%d" % i, b"v" * 1000) for i in range(15)]
ENTRIES = 1500
"""~25 MB of journal JSON: more than every socket buffer between the mock, the inspector and the page."""


async def _until(predicate: Any) -> None:
    while not predicate():
        await asyncio.sleep(0)


async def test_a_stalled_page_leaves_the_answer_unsent_at_the_mock() -> None:
    mock = await start_mock(create_app("netcore-email", {"journal_max_bytes": 1 << 30}))
    state = mock.state
    for _ in range(ENTRIES):
        entry = state.journal.open(time_ms=0, method="POST", path="/v5.1/mail/send", headers=PADDING, body=b"")
        entry.status, entry.outcome, entry.reason = 400, "rejected", "padding"
        state.commit(entry, state.generation)
    inspector = await start_mock(create_inspector_app([mock]))
    try:
        loop = asyncio.get_running_loop()
        page = socket.socket()
        page.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        page.setblocking(False)
        await loop.sock_connect(page, ("127.0.0.1", inspector.port))
        await loop.sock_sendall(page, f"GET /p/netcore-email/__mock__/requests HTTP/1.1\r\nHost: 127.0.0.1:{inspector.port}\r\n\r\n".encode())
        head = await asyncio.wait_for(loop.sock_recv(page, 4096), 30)  # the answer has started
        assert head.startswith(b"HTTP/1.1 200")
        assert b"Content-Security-Policy" in head and b"X-Content-Type-Options: nosniff" in head
        await asyncio.wait_for(_until(lambda: mock.app[ANSWER_BUDGET].pending_answers == 1), 30)
        buffered = [handler.transport.get_write_buffer_size() for handler in inspector.runner.server.connections  # type: ignore[union-attr]
                    if handler.transport is not None]
        assert buffered and max(buffered) <= 1 << 20  # a slice or two, not the answer
        page.close()
        await asyncio.wait_for(_until(lambda: mock.app[ANSWER_BUDGET].pending_answers == 0), 30)  # the mock let go too
    finally:
        await inspector.runner.cleanup()
        await mock.runner.cleanup()
