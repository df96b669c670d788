"""Large request bodies are read within a per-mock byte budget, waiting unread beyond it (core/inflight.py).

Before: each body was bounded (``max_body_bytes``) but not how many were read at once: 40 connections
sending 8 MiB bodies but their last byte made one mock hold +344 MiB (512 connections allowed).
"""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import pytest

from sealmail.mockservers.core import create_app
from sealmail.mockservers.core.inflight import BODY_GATE, BodyGate

KIB = 1024


async def _until(predicate: Any) -> None:
    while not predicate():
        await asyncio.sleep(0)


async def _post_all_but_last_byte(port: int, size: int) -> socket.socket:
    loop = asyncio.get_running_loop()
    sock = socket.socket()
    sock.setblocking(False)
    await loop.sock_connect(sock, ("127.0.0.1", port))
    head = f"POST /v6/mail/send HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {size}\r\n\r\n"
    await loop.sock_sendall(sock, head.encode() + b" " * (size - 1))
    return sock


async def _status(sock: socket.socket) -> bytes:
    return (await asyncio.wait_for(asyncio.get_running_loop().sock_recv(sock, 64), 30)).split(b"\r\n")[0]


async def test_a_body_that_does_not_fit_waits_unread_until_the_one_before_is_done(aiohttp_client: Any) -> None:
    app = create_app("netcore-email", {"body_bytes_in_flight": 1024 * KIB})
    client = await aiohttp_client(app)
    gate = app[BODY_GATE]
    first = await _post_all_but_last_byte(client.port, 600 * KIB)
    await asyncio.wait_for(_until(lambda: gate.held == 600 * KIB), 30)
    second = await _post_all_but_last_byte(client.port, 600 * KIB)
    await asyncio.wait_for(_until(lambda: gate.waiting == 1), 30)  # 1200 KiB would not fit: it waits
    small = await client.post("/v6/mail/send", data=b"{}")  # a small body passes by
    assert 400 <= small.status < 500

    loop = asyncio.get_running_loop()
    await loop.sock_sendall(first, b" ")
    assert (await _status(first)).startswith(b"HTTP/1.1 4")  # answered; its share goes to the waiting one
    await asyncio.wait_for(_until(lambda: gate.waiting == 0 and gate.held == 600 * KIB), 30)
    await loop.sock_sendall(second, b" ")
    assert (await _status(second)).startswith(b"HTTP/1.1 4")
    await asyncio.wait_for(_until(lambda: gate.held == 0), 30)
    first.close()
    second.close()


async def test_the_gate_is_first_come_first_served_and_a_lone_body_always_passes() -> None:
    gate = BodyGate(100)
    await gate.acquire(500)  # alone: over the limit, still admitted
    waiting = [asyncio.ensure_future(gate.acquire(size)) for size in (60, 30, 30)]
    await _until(lambda: gate.waiting == 3)
    gate.release(500)
    await asyncio.wait_for(asyncio.gather(waiting[0], waiting[1]), 10)
    assert gate.held == 90 and gate.waiting == 1  # 30 more would be 120
    gate.release(60)
    await asyncio.wait_for(waiting[2], 10)
    assert gate.held == 60


async def test_a_wait_given_up_leaves_the_gate_consistent() -> None:
    gate = BodyGate(100)
    await gate.acquire(90)
    big = asyncio.ensure_future(gate.acquire(50))
    small = asyncio.ensure_future(gate.acquire(10))
    await _until(lambda: gate.waiting == 2)
    big.cancel()  # the body timeout ended its wait
    with pytest.raises(asyncio.CancelledError):
        await big
    await asyncio.wait_for(small, 10)  # no longer held up behind it
    assert gate.held == 100 and gate.waiting == 0
