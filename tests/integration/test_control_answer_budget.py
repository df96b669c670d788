"""Large control answers are bounded in bytes while their clients do not read them (core/answers.py).

Before: each ``GET /__mock__/requests`` of a full journal that its client never read kept the
whole serialized answer and the transport's copy of it: 50 such connections, +5.6 GiB RSS.
"""

from __future__ import annotations

import asyncio
import json
import socket
from typing import Any, Callable

from sealmail.mockservers.core import create_app
from sealmail.mockservers.core.answers import ANSWER_BUDGET
from sealmail.mockservers.core.state import MOCK_STATE

PADDING = [(b"X-Pad-%d" % i, b"v" * 1000) for i in range(15)]
ENTRIES = 800
"""~13 MB of journal JSON: more than the loopback socket buffers absorb, so an unread answer stays unsent."""


def _full_journal_app(**settings: Any) -> Any:
    app = create_app("netcore-email", {"journal_max_bytes": 1 << 30, **settings})
    state = app[MOCK_STATE]
    for _ in range(ENTRIES):
        entry = state.journal.open(time_ms=0, method="POST", path="/v5.1/mail/send", headers=PADDING, body=b"")
        entry.status, entry.outcome, entry.reason = 400, "rejected", "padding"
        state.commit(entry, state.generation)
    return app


async def _until(predicate: Callable[[], bool]) -> None:
    """Yield to the loop (no timed sleep) until ``predicate()`` holds."""
    while not predicate():
        await asyncio.sleep(0)


async def _unread_request(port: int) -> socket.socket:
    """A connection that asks for the journal and never reads the answer."""
    loop = asyncio.get_running_loop()
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.setblocking(False)
    await loop.sock_connect(sock, ("127.0.0.1", port))
    await loop.sock_sendall(sock, b"GET /__mock__/requests HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    return sock


async def test_unread_answers_are_held_to_the_budget_and_freed_when_their_clients_go(aiohttp_client: Any) -> None:
    app = _full_journal_app(control_answer_bytes=16 * 1024 * 1024)
    client = await aiohttp_client(app)
    budget = app[ANSWER_BUDGET]
    stalled = await _unread_request(client.port)
    await asyncio.wait_for(_until(lambda: budget.pending_answers == 1), 30)
    assert budget.pending_bytes > 8 * 1024 * 1024  # the answer is large: one more does not fit

    refused = await client.get("/__mock__/requests")
    assert refused.status == 503
    assert refused.headers["Retry-After"] == "1"
    error = (await refused.json())["error"]
    assert "control_answer_bytes=16777216" in error and "read (or close)" in error
    assert budget.pending_answers == 1  # the refusal holds nothing

    stalled.close()  # its client goes: its share is freed
    await asyncio.wait_for(_until(lambda: budget.pending_answers == 0), 30)
    answer = await client.get("/__mock__/requests")
    assert answer.status == 200
    assert len((await answer.json())["requests"]) == ENTRIES
    assert budget.pending_bytes == 0


async def test_a_reader_that_stalls_past_the_write_timeout_is_cut_off(aiohttp_client: Any) -> None:
    app = _full_journal_app(control_write_timeout_s=0.2)
    client = await aiohttp_client(app)
    budget = app[ANSWER_BUDGET]
    stalled = await _unread_request(client.port)
    await asyncio.wait_for(_until(lambda: budget.pending_answers == 1), 30)
    await asyncio.wait_for(_until(lambda: budget.pending_answers == 0), 30)  # the deadline freed it

    loop = asyncio.get_running_loop()
    received = 0
    try:
        while chunk := await asyncio.wait_for(loop.sock_recv(stalled, 1 << 16), 30):
            received += len(chunk)
    except ConnectionResetError:
        pass
    finally:
        stalled.close()
    assert 0 < received < 10 * 1024 * 1024  # the connection closed before the answer was whole


async def test_small_answers_and_a_lone_large_one_pass_untouched(aiohttp_client: Any) -> None:
    app = _full_journal_app(control_answer_bytes=1024)  # far below one answer: a lone answer still passes
    client = await aiohttp_client(app)
    answer = await client.get("/__mock__/requests")
    assert answer.status == 200 and answer.headers["Content-Type"].startswith("application/json")
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    body = await answer.read()
    assert int(answer.headers["Content-Length"]) == len(body)
    assert len(json.loads(body)["requests"]) == ENTRIES
    health = await client.get("/__mock__/health")
    assert health.status == 200 and app[ANSWER_BUDGET].pending_answers == 0
