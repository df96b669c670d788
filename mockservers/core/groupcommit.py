"""Group commit for SQLite in an asyncio server: what one loop turn queued, in one transaction.

Used by :mod:`.persistence`. Writes are callables run inside the transaction,
in the order queued; a coroutine that must not answer before its writes are on
disk awaits :meth:`GroupCommit.committed`.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
from typing import Callable

log = logging.getLogger("sealmail")

Operation = Callable[[sqlite3.Connection], None]
"""One queued write: runs inside the batch's transaction."""


class GroupCommit:
    """Commits queued writes in the event loop, all that one loop turn queued in one transaction.

    A write queued in the loop is committed by a callback scheduled for the next
    turn, together with whatever the other requests of this turn queued (group
    commit); :meth:`committed` waits for it. A write from another thread (a
    ``MockHandle`` call in a test) is committed at once, after what is queued.
    No thread of its own: no GIL hand-offs, no wake-ups per request.
    """

    def __init__(self, db: sqlite3.Connection, lock: threading.Lock) -> None:
        self._db = db
        self._lock = lock
        self._pending: list[Operation] = []
        self._waiters: list[asyncio.Future[None]] = []
        self._scheduled: asyncio.AbstractEventLoop | None = None
        self._queue_lock = threading.Lock()

    def submit(self, operation: Operation) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        with self._queue_lock:
            self._pending.append(operation)
            if loop is not None and self._scheduled is None:
                self._scheduled = loop
                loop.call_soon(self._commit_pending)
        if loop is None:
            self.flush()

    async def committed(self) -> None:
        """Return once everything queued before this call is committed (at once if nothing is)."""
        with self._queue_lock:
            if not self._pending:
                return
            future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._waiters.append(future)
        await future

    def flush(self) -> None:
        """Commit what is queued now, from any thread."""
        self._commit_pending()

    def stop(self) -> None:
        self.flush()

    def _commit_pending(self) -> None:
        with self._queue_lock:
            operations, self._pending = self._pending, []
            waiters, self._waiters = self._waiters, []
            self._scheduled = None
        try:
            if operations:
                with self._lock, self._db:
                    for operation in operations:
                        operation(self._db)
        except (sqlite3.Error, TypeError, ValueError):
            log.exception("sealmail --persist: a write failed; the database may miss the last requests")
        finally:
            for waiter in waiters:
                if _other_loop(waiter):
                    call_soon(waiter.get_loop(), lambda waiter=waiter: _settle(waiter))
                else:
                    _settle(waiter)


def call_soon(loop: asyncio.AbstractEventLoop, callback: Callable[[], None]) -> None:
    try:
        loop.call_soon_threadsafe(callback)
    except RuntimeError:  # the loop has closed (shutdown): nothing left to schedule
        pass


def _other_loop(future: asyncio.Future[None]) -> bool:
    try:
        return asyncio.get_running_loop() is not future.get_loop()
    except RuntimeError:
        return True


def _settle(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)
