"""Expensive requests run off the event loop that every mock of a process shares.

``sealmail serve`` hosts all five mocks on one asyncio loop. A request with a
big body (an 8 MiB AES-GCM mail, a 10 MiB upload, 100,000 personalised
recipients) keeps its handler busy for a long time; run on the loop, it
stalls every other client of every mock, health checks included (issue 13,
"Bounded work"). Handlers of bodies of at least ``offload_body_bytes`` run in
a worker thread instead: the loop keeps serving, since the interpreter hands
the GIL back to it at least every switch interval (5 ms) while the worker
runs Python code. Small requests stay on the loop (no thread hop, no added
latency). Models guard their state with locks already (tests touch them from
other threads), so a handler may run on either side.
"""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Awaitable, Callable, TypeVar

from aiohttp import web

T = TypeVar("T")

WORKERS = 4
"""Expensive requests handled at once, all mocks together (more wait for a free worker)."""

_executor = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="sealmail-offload")
_thread_loops = threading.local()


def run_handler(
    handler: Callable[[web.Request], Awaitable[web.StreamResponse]], request: web.Request, body_size: int, threshold: int
) -> Awaitable[web.StreamResponse]:
    """What to await for ``handler(request)``: run in a worker thread when ``body_size >= threshold > 0``.

    A plain function: the usual small request gets the handler's own coroutine back, with no wrapper
    coroutine around it (this runs on every request, issue 16).
    """
    if threshold <= 0 or body_size < threshold:
        return handler(request)
    coroutine = handler(request)
    return asyncio.get_running_loop().run_in_executor(_executor, _drive, coroutine)


def _drive(coroutine: Awaitable[T]) -> T:
    """Run ``coroutine`` to completion on this worker thread's own event loop (kept for the thread's life)."""
    loop = getattr(_thread_loops, "loop", None)
    if loop is None:
        loop = _thread_loops.loop = asyncio.new_event_loop()
    return loop.run_until_complete(coroutine)
