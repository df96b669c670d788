"""The message store: every message a mock accepted, decrypted, for inspection.

Bounded by ``capacity`` messages and by ``max_bytes`` of retained payload and
metadata (docs/memory.md); the oldest are evicted and counted. A stored
message is one tuple holding its payload and metadata as compact JSON text:
nothing the garbage collector keeps tracking (issue 16); messages, payload
dicts and lists are rebuilt on each read.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from .budget import ENTRY_OVERHEAD, ByteBudgetQueue, decode, encode, encode_within, from_record, record_getter, size_of
from .events import Listeners

DEFAULT_MAX_BYTES = 256 * 1024 * 1024
META_LIMIT = 64 * 1024
"""Characters of JSON kept of a message's ``meta`` (recipient lists of a huge message are clipped)."""


class StoredMessage:
    """An accepted message: the provider's id for it and the decrypted payload.

    ``payload_json``: the exact JSON text ``payload`` was parsed from, when the
    caller has it (saves encoding it again).
    """

    __slots__ = ("message_id", "time_ms", "request_id", "kind", "_payload", "_meta", "_frozen", "clipped", "size")

    def __init__(
        self,
        message_id: str,
        time_ms: int,
        request_id: int,
        kind: str,
        payload: Any,
        meta: dict[str, Any] | None = None,
        *,
        payload_json: str | bytes | None = None,
    ) -> None:
        self.message_id = message_id
        self.time_ms = time_ms
        self.request_id = request_id
        self.kind = kind
        self._payload: Any = payload if payload_json is None else payload_json
        self._meta: Any = meta if meta is not None else {}
        self._frozen = payload_json is not None
        """Whether ``_payload`` holds JSON text (``_meta`` follows at :meth:`_freeze`)."""
        self.clipped = False
        """Whether the payload or meta was clipped to fit ``message_max_bytes``."""
        self.size = 0
        """Retained bytes counted against ``message_max_bytes`` (set when stored)."""

    @property
    def payload(self) -> Any:
        """The decrypted payload (a fresh copy on each read once stored)."""
        return decode(self._payload) if self._frozen else self._payload

    @property
    def meta(self) -> dict[str, Any]:
        meta = self._meta
        return decode(meta) if isinstance(meta, str) else meta

    def to_json(self) -> dict[str, Any]:
        data = {
            "message_id": self.message_id,
            "time_ms": self.time_ms,
            "request_id": self.request_id,
            "kind": self.kind,
            "payload": self.payload,
            "meta": dict(self.meta),
        }
        if self.clipped:
            data["clipped"] = True
        return data

    def __eq__(self, other: object) -> bool:
        return isinstance(other, StoredMessage) and self.to_json() == other.to_json()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<StoredMessage {self.message_id} {self.kind} #{self.request_id}>"

    def _freeze(self, max_bytes: int) -> None:
        """Keep payload and meta as JSON text, clipped if alone over the budget; count the retained bytes."""
        if not self._frozen:
            self._payload = encode(self._payload)
            self._frozen = True
        if not isinstance(self._meta, str):
            self._meta, cut = encode_within(self._meta, META_LIMIT)
            self.clipped = self.clipped or cut
        self.size = self._measure()
        if self.size > max_bytes:
            # Alone over the whole budget: keep a clipped payload (long strings and lists shortened), flagged.
            self._payload, _ = encode_within(decode(self._payload), max(1024, (max_bytes - ENTRY_OVERHEAD) // 8))
            self.clipped = True
            self.size = self._measure()

    def _measure(self) -> int:
        return ENTRY_OVERHEAD + size_of(self.message_id, self.kind, self._payload, self._meta)

    def _record(self) -> tuple[Any, ...]:
        """The committed value as one tuple the collector stops tracking (see the module docstring)."""
        return _RECORD(self)

    @classmethod
    def _from_record(cls, record: tuple[Any, ...]) -> "StoredMessage":
        return from_record(cls, _SLOTS, record)


_SLOTS = StoredMessage.__slots__
_SIZE = _SLOTS.index("size")
_RECORD = record_getter(_SLOTS)


class MessageStore:
    """Thread-safe bounded store of accepted messages, oldest first.

    Waiters (``wait_for``) are woken on every add, so tests never poll or sleep.
    """

    def __init__(self, capacity: int, *, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        if capacity < 1:
            raise ValueError("message store capacity must be at least 1")
        if max_bytes < 1:
            raise ValueError("message store max_bytes must be at least 1")
        self._messages: ByteBudgetQueue[tuple[Any, ...]] = ByteBudgetQueue(capacity, max_bytes, _message_size)
        self._changed = threading.Condition()
        self._waiting = 0
        """Threads in :meth:`wait_for` (an add wakes them only when there are some: adds happen per request)."""
        self._async_waiters: list[tuple[int, asyncio.Future[None]]] = []
        """(count, future) of each :meth:`wait_for_async` caller, resolved on its own loop."""
        self._evicted = 0
        self._added = 0
        self.listeners = Listeners()
        """Told ``("added", message)`` after each add and ``("cleared", None)`` after each clear."""

    @property
    def max_bytes(self) -> int:
        return self._messages.max_bytes

    def add(self, message: StoredMessage) -> None:
        message._freeze(self._messages.max_bytes)
        with self._changed:
            self._evicted += self._messages.append(message._record())
            self._added += 1
            if self._waiting:
                self._changed.notify_all()
            self._wake_async_waiters()
        if self.listeners:
            self.listeners.emit("added", message)

    def messages(self) -> list[StoredMessage]:
        """The kept messages, oldest first (each read builds fresh objects)."""
        with self._changed:
            records = self._messages.snapshot()
        return [StoredMessage._from_record(record) for record in records]

    def __len__(self) -> int:
        with self._changed:
            return len(self._messages)

    @property
    def evicted(self) -> int:
        with self._changed:
            return self._evicted

    @property
    def added(self) -> int:
        with self._changed:
            return self._added

    @property
    def retained_bytes(self) -> int:
        """Bytes the kept messages count against ``max_bytes``."""
        with self._changed:
            return self._messages.bytes

    def wait_for(self, count: int, timeout: float) -> list[StoredMessage]:
        """Block until at least ``count`` messages were added since the last clear.

        Raises ``TimeoutError`` after ``timeout`` seconds.
        """
        with self._changed:
            self._waiting += 1
            try:
                arrived = self._changed.wait_for(lambda: self._added >= count, timeout=timeout)
            finally:
                self._waiting -= 1
            if not arrived:
                raise TimeoutError(f"expected {count} message(s) within {timeout}s, have {self._added}")
            records = self._messages.snapshot()
        return [StoredMessage._from_record(record) for record in records]

    async def wait_for_async(self, count: int, timeout: float) -> list[StoredMessage]:
        """:meth:`wait_for` on the caller's event loop: awaits a future, holds no worker thread.

        A thread per waiter would take one of the default executor's few workers for up to
        ``timeout`` seconds; a handful of ``GET /__mock__/messages?wait_for=N`` calls then starved
        every other user of that executor (journal diagnoses, other waiters past their own timeout).
        """
        with self._changed:
            arrived = self._added >= count
            if not arrived:
                waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
                self._async_waiters.append((count, waiter))
        if not arrived:
            try:
                await asyncio.wait_for(waiter, timeout)
            except asyncio.TimeoutError:
                raise TimeoutError(f"expected {count} message(s) within {timeout}s, have {self.added}") from None
            finally:
                with self._changed:
                    self._async_waiters = [item for item in self._async_waiters if item[1] is not waiter]
        return self.messages()

    def _wake_async_waiters(self) -> None:
        """Resolve (on their own loops) the async waiters whose count is reached; called holding the lock."""
        if not self._async_waiters:
            return
        ready = [waiter for count, waiter in self._async_waiters if self._added >= count]
        if ready:
            self._async_waiters = [item for item in self._async_waiters if self._added < item[0]]
        for waiter in ready:
            try:
                waiter.get_loop().call_soon_threadsafe(_resolve, waiter)
            except RuntimeError:  # that loop is closed: nobody waits any more
                pass

    def clear(self) -> None:
        with self._changed:
            self._messages.clear()
            self._evicted = 0
            self._added = 0
            self._changed.notify_all()
        if self.listeners:
            self.listeners.emit("cleared", None)


def _message_size(record: tuple[Any, ...]) -> int:
    return record[_SIZE]  # type: ignore[no-any-return]


def _resolve(waiter: "asyncio.Future[None]") -> None:
    if not waiter.done():
        waiter.set_result(None)
