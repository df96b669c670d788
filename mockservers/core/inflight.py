"""Request bodies being read: their bytes in flight are bounded per mock, by waiting (not refusing).

Every request body is read whole before its handler runs (core/middleware.py), each within
``max_body_bytes``; but nothing bounded how many were read at once: 40 connections sending
8 MiB bodies (all but the last byte) made one mock hold +322 MiB, and 512 connections per mock
are allowed. So a body of at least :data:`GATED_BODY_BYTES` (its ``Content-Length``; an
undeclared, chunked one counts as ``max_body_bytes``) is read only once it fits in
``body_bytes_in_flight`` together with the other bodies of that mock being read or handled; one
always fits when none is. Until then its bytes stay in the client's socket (aiohttp reads no
further), so waiting costs nothing; a wait that outlasts ``body_timeout_s`` is that timeout's 408.
"""

from __future__ import annotations

import asyncio
from collections import deque

from aiohttp import web

GATED_BODY_BYTES = 64 * 1024
"""Bodies smaller than this pass freely (512 connections x 64 KiB at most per mock)."""

BODY_GATE: web.AppKey["BodyGate"] = web.AppKey("sealmail.body_gate")
BODY_RESERVED: web.RequestKey[int] = web.RequestKey("sealmail.body_reserved", int)


class BodyGate:
    """A first-come-first-served byte semaphore for request bodies (used on the server's loop only)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.held = 0
        self._waiting: deque[tuple[int, asyncio.Future[None]]] = deque()

    @property
    def waiting(self) -> int:
        return sum(1 for _, granted in self._waiting if not granted.done())

    async def acquire(self, size: int) -> None:
        if not self._waiting and self._fits(size):
            self.held += size
            return
        granted: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((size, granted))
        try:
            await granted
        except asyncio.CancelledError:
            if granted.done() and not granted.cancelled():
                self.release(size)  # granted just as the wait was given up
            else:
                self._grant()  # skips it; it may have been holding up smaller ones behind it
            raise

    def release(self, size: int) -> None:
        self.held -= size
        self._grant()

    def _fits(self, size: int) -> bool:
        return self.held == 0 or self.held + size <= self.limit

    def _grant(self) -> None:
        while self._waiting:
            size, granted = self._waiting[0]
            if granted.done():  # given up (cancelled): never granted
                self._waiting.popleft()
                continue
            if not self._fits(size):
                return
            self._waiting.popleft()
            self.held += size
            granted.set_result(None)


def reservation(declared: int | None, max_body_bytes: int) -> int:
    """Bytes a body holds the gate for: its declared length, ``max_body_bytes`` when undeclared, 0 when small."""
    if declared is None:
        return max_body_bytes
    return declared if declared >= GATED_BODY_BYTES else 0


def release_body(request: web.Request) -> None:
    """Give back what :func:`~.middleware._read_whole_body` reserved for this request, if anything."""
    size = request.get(BODY_RESERVED, 0)
    if size:
        request[BODY_RESERVED] = 0
        request.app[BODY_GATE].release(size)
