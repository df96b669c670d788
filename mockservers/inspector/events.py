"""One server-sent event stream over every mock's journal and message store.

Listeners (core/events.py) run in whichever thread committed the change; they
serialize the item there and hop to the inspector's loop with
``call_soon_threadsafe``. Each subscriber has a bounded queue: a subscriber
that falls behind gets a ``resync`` event (reload the snapshot) instead of an
unbounded backlog.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any, Callable, Mapping

from aiohttp import web

from ..core.state import MockState

QUEUE_LIMIT = 1000
"""Events buffered per subscriber before it is told to resync."""
QUEUE_MAX_BYTES = 16 * 1024 * 1024
"""Bytes of events buffered per subscriber before it is told to resync: 1000 events of stored 1 MiB
messages kept +905 MiB for pages that had stopped reading (docs/memory.md)."""
WRITE_TIMEOUT_S = 30.0
"""A stream whose page has not taken an event within this time is ended (its buffered bytes freed)."""
HEARTBEAT_S = 15.0
MAX_SUBSCRIBERS = 32
"""Open streams; a new one past this ends the oldest (an EventSource reconnects by itself). Each stream
holds a connection for good: 512 of them (the connection cap) locked every other request out."""
"""A comment line this often keeps proxies and browsers from closing an idle stream."""

_CLOSED = object()
_RESYNC = json.dumps({"type": "resync"})


class EventHub:
    """Relays journal commits, message adds and clears of several mocks to SSE subscribers."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._queues: dict[asyncio.Queue[object], int] = {}
        """Open streams' queues, oldest first, with the bytes each holds."""
        self._detach: list[Callable[[], None]] = []

    def attach(self, loop: asyncio.AbstractEventLoop, states: Mapping[str, MockState]) -> None:
        """Listen to every mock in ``states`` (provider id -> state) until :meth:`close`; publish on ``loop``."""
        self._loop = loop
        for provider_id, state in states.items():
            self._detach.append(state.journal.listeners.add(self._listener(provider_id, "journal")))
            self._detach.append(state.store.listeners.add(self._listener(provider_id, "store")))

    def _listener(self, provider_id: str, source: str) -> Callable[[str, object], None]:
        def listen(event: str, item: object) -> None:
            if not self._queues or self._loop is None:
                return
            data: dict[str, Any] = {"provider": provider_id}
            if event == "committed":
                data.update(type="request", entry=item.to_json())  # type: ignore[attr-defined]
            elif event == "added":
                data.update(type="message", message=item.to_json())  # type: ignore[attr-defined]
            else:
                data.update(type="cleared", what=source)
            text = json.dumps(data, ensure_ascii=True)
            try:
                self._loop.call_soon_threadsafe(self._publish, text)
            except RuntimeError:  # the inspector's loop is closed: nobody is listening any more
                pass

        return listen

    def _publish(self, text: str) -> None:
        for queue, held in list(self._queues.items()):
            if queue.full() or held + len(text) > QUEUE_MAX_BYTES:
                _drain(queue)
                text_queued = _RESYNC
            else:
                text_queued = text
            queue.put_nowait(text_queued)
            self._queues[queue] = (0 if text_queued is _RESYNC else held) + len(text_queued)

    def close(self) -> None:
        """Stop listening and end every open stream."""
        for detach in self._detach:
            detach()
        self._detach.clear()
        for queue in list(self._queues):
            _drain(queue)
            queue.put_nowait(_CLOSED)

    async def stream(self, request: web.Request) -> web.StreamResponse:
        """``GET /events``: ``text/event-stream``, one ``data:`` JSON line per change."""
        queue: asyncio.Queue[object] = asyncio.Queue(QUEUE_LIMIT)
        response = web.StreamResponse(
            headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
        )
        while len(self._queues) >= MAX_SUBSCRIBERS:
            oldest = next(iter(self._queues))
            del self._queues[oldest]
            _drain(oldest)
            oldest.put_nowait(_CLOSED)
        self._queues[queue] = 0
        try:
            await response.prepare(request)
            await response.write(b'retry: 1000\ndata: {"type": "hello"}\n\n')
            while True:
                try:
                    item = await asyncio.wait_for(queue.get(), HEARTBEAT_S)
                except asyncio.TimeoutError:
                    item = None
                if item is _CLOSED:
                    break
                if isinstance(item, str) and queue in self._queues:
                    self._queues[queue] -= len(item)
                async with asyncio.timeout(WRITE_TIMEOUT_S):  # a page that stopped reading is let go
                    await response.write(b": keep-alive\n\n" if item is None else f"data: {item}\n\n".encode("ascii"))
        except ConnectionError:  # the page went away (a reset, or "Connection lost" from a blocked write)
            pass
        except TimeoutError:
            if request.transport is not None:
                request.transport.abort()  # drops what the transport still buffers
        finally:
            self._queues.pop(queue, None)
        return response


def _drain(queue: asyncio.Queue[object]) -> None:
    while not queue.empty():
        queue.get_nowait()
