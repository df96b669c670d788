"""Large control answers: written in slices against a byte budget, with a write deadline.

``GET /__mock__/requests`` of a full journal is ~60 MB of JSON, ``/messages`` of a full
store more. aiohttp hands a ``web.Response`` body to the transport in one piece: the
transport copies it into its own buffer and keeps both until the client has read it.
A client that asks and never reads (512 connections per mock allowed) made the server
hold every copy: 50 unread ``/__mock__/requests`` of a full journal took +5.6 GiB RSS
(docs/memory.md, "Unsent control answers").

So an answer of at least :data:`LARGE_ANSWER_BYTES` is sent here instead: only while the bytes
of the answers not yet taken by their clients stay within ``control_answer_bytes``
(one answer is always admitted when none is pending, so a full store can still be
read), written one slice at a time with the transport's backpressure (``write``
waits while its buffer is over the high-water mark: nothing is copied whole), and
within ``control_write_timeout_s``, after which the connection is closed and its
share freed. Over the budget: 503 ``{"error"}`` with ``Retry-After``.
"""

from __future__ import annotations

import asyncio
import threading
from typing import TypeGuard

from aiohttp import web

LARGE_ANSWER_BYTES = 64 * 1024
"""Answers at least this big are sent through the budget (smaller ones: at most 512 connections x 64 KiB per mock)."""
SLICE_BYTES = 256 * 1024
"""What is handed to the transport at a time."""
RETRY_AFTER_S = 1

ANSWER_BUDGET: web.AppKey["AnswerBudget"] = web.AppKey("sealmail.answer_budget")


class AnswerBudget:
    """Bytes of large answers handed out but not yet taken by their clients."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.pending_bytes = 0
        self.pending_answers = 0
        self._lock = threading.Lock()

    def reserve(self, size: int) -> bool:
        """Take ``size`` bytes if they fit (or nothing else is pending); False: refuse the answer."""
        with self._lock:
            if self.pending_answers and self.pending_bytes + size > self.max_bytes:
                return False
            self.pending_bytes += size
            self.pending_answers += 1
            return True

    def release(self, size: int) -> None:
        with self._lock:
            self.pending_bytes -= size
            self.pending_answers -= 1


def over_budget_message(budget: AnswerBudget, size: int) -> str:
    """What a refused caller reads: the numbers, the setting, and what to do."""
    return (
        f"answer_budget_exceeded: this answer ({size} bytes) and the {budget.pending_answers} large control answer(s) "
        f"not yet read by their clients ({budget.pending_bytes} bytes) exceed control_answer_bytes={budget.max_bytes}; "
        f"hint: read (or close) the answers already asked for, retry after {RETRY_AFTER_S} s, "
        f"or raise control_answer_bytes (--set ID.control_answer_bytes=N)"
    )


def is_large(response: web.StreamResponse) -> TypeGuard[web.Response]:
    """A prepared-later ``web.Response`` with a bytes body of at least :data:`LARGE_ANSWER_BYTES`."""
    return (isinstance(response, web.Response) and not response.prepared
            and isinstance(response.body, (bytes, bytearray)) and len(response.body) >= LARGE_ANSWER_BYTES)


async def send_in_slices(request: web.Request, response: web.Response, budget: AnswerBudget,
                         timeout_s: float) -> web.StreamResponse | None:
    """Send ``response`` now, within ``budget`` and ``timeout_s``; None: over budget (nothing sent).

    Returns the response actually sent (aiohttp's own finishing step finds it complete).
    A client that has not taken the whole answer within ``timeout_s`` has its connection closed.
    """
    body = response.body
    assert isinstance(body, (bytes, bytearray))
    size = len(body)
    if not budget.reserve(size):
        return None
    stream = web.StreamResponse(status=response.status, reason=response.reason, headers=response.headers)
    stream.content_length = size
    if response.keep_alive is False:
        stream.force_close()
    view = memoryview(body)  # slices share the body: nothing is copied whole
    try:
        async with asyncio.timeout(timeout_s):
            await stream.prepare(request)
            for start in range(0, size, SLICE_BYTES):
                await stream.write(view[start:start + SLICE_BYTES])  # waits while the transport's buffer is full
            await stream.write_eof()
    except TimeoutError:
        transport = request.transport
        if transport is not None:
            transport.abort()  # drops what the transport still buffers
    except ConnectionError:
        pass  # the client went away: nothing left to send
    finally:
        budget.release(size)
    return stream
