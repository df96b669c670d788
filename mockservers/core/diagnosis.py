"""Journal-only diagnoses that run after the answer is sent (no timing oracle).

Some hints cost real work: telling "the encrypted key was wrapped with Java's
default RSA-OAEP (MGF1-SHA-1)" from "wrong key" takes extra RSA operations, and
only for the failing requests. Run before the answer, that extra time would
tell a caller which step failed. So a handler *schedules* such a diagnosis
(:func:`diagnose_after_answer`) and raises its uniform rejection; the middleware
journals the entry, sends the answer (every byte handed to the transport), and
only then runs the diagnosis in a worker thread and appends its hint to the
entry's ``detail`` (and ``details["diagnosis"]``, with its cost in
``details["diagnosis_ms"]``).

:class:`PendingDiagnoses` counts diagnoses scheduled and not yet finished, so
``MockHandle.explain()`` and ``assert_request`` wait for them (they are counted
before the answer leaves, so a test that has its answer never misses one).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from typing import Callable

from aiohttp import web

from .journal import JournalEntry

Diagnosis = Callable[[], "str | None"]
"""Returns a hint for the journal, or None when it has nothing to say."""

log = logging.getLogger("sealmail")

WAIT_S = 2.0
"""Longest a reader of the journal (``MockHandle.requests()``, ``GET /__mock__/requests``) waits for
diagnoses still running; they take milliseconds, the bound only guards against a stuck one."""

_DEFERRED: web.RequestKey[list[Diagnosis]] = web.RequestKey("sealmail.deferred_diagnoses", list)


class PendingDiagnoses:
    """How many scheduled diagnoses have not finished; waitable from any thread."""

    def __init__(self) -> None:
        self._count = 0
        self._changed = threading.Condition()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._waiters: list[asyncio.Future[None]] = []

    def add(self, count: int = 1) -> None:
        """Called on the server's loop, by the handler that schedules the diagnosis."""
        with self._changed:
            self._count += count
            self._loop = asyncio.get_running_loop()

    def done(self, count: int = 1) -> None:
        with self._changed:
            self._count -= count
            self._changed.notify_all()
            waiters, self._waiters = (self._waiters, []) if self._count == 0 else ([], self._waiters)
        for waiter in waiters:
            waiter.get_loop().call_soon_threadsafe(_resolve, waiter)

    async def wait_idle_async(self, timeout: float) -> bool:
        """:meth:`wait_idle` for code on the server's loop (the control API): awaits instead of blocking."""
        with self._changed:
            if self._count == 0:
                return True
            waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
        try:
            await asyncio.wait_for(waiter, timeout)
        except asyncio.TimeoutError:
            return False
        return True

    def wait_idle(self, timeout: float) -> bool:
        """Block until none is pending (True), or ``timeout`` seconds passed (False).

        Called on the server's own loop (an in-loop test) it returns at once:
        blocking there would stall the very diagnoses it waits for.
        """
        with self._changed:
            if self._count and self._loop is _running_loop():
                return False
            return self._changed.wait_for(lambda: self._count == 0, timeout=timeout)


def diagnose_after_answer(request: web.Request, diagnosis: Diagnosis, pending: PendingDiagnoses) -> None:
    """Run ``diagnosis`` for this request's journal entry once its answer is sent."""
    pending.add()
    request.setdefault(_DEFERRED, []).append(diagnosis)  # type: ignore[arg-type]


Amend = Callable[[int, "str | None", "dict[str, object]"], bool]
"""Changes a committed journal entry (id, detail, details to add); False when it is gone (a reset since)."""


async def run_deferred_diagnoses(
    request: web.Request, response: web.StreamResponse, entry: JournalEntry, pending: PendingDiagnoses, amend: Amend,
    answered: Callable[[], None],
) -> None:
    """Send ``response`` now, call ``answered``, then start the request's scheduled diagnoses, which ``amend`` ``entry``.

    ``answered`` takes the request out of the requests in flight: a reset from then on must not cancel it (that
    would cut the client's keep-alive connection after its answer); ``amend`` drops a hint that comes after a reset.
    The diagnoses run in a task of their own: awaited here, they held the connection, so the next request on it
    (keep-alive, pipelined) was answered later by exactly their cost, which told which step failed (autosend:
    ~2 ms more after an RSA-OAEP unwrap failure than after a tag mismatch).
    """
    scheduled = request.get(_DEFERRED)
    if not scheduled:
        return
    try:
        await response.prepare(request)
        await response.write_eof()
    except (ConnectionError, RuntimeError):
        pass  # the client is gone: the journal still deserves the hint
    except BaseException:
        pending.done(len(scheduled))
        raise
    answered()
    task = asyncio.get_running_loop().create_task(_diagnose(scheduled, entry, pending, amend))
    _RUNNING.add(task)  # a strong reference until it ends (asyncio keeps only weak ones)
    task.add_done_callback(_RUNNING.discard)


_RUNNING: set["asyncio.Task[None]"] = set()


async def _diagnose(scheduled: list[Diagnosis], entry: JournalEntry, pending: PendingDiagnoses, amend: Amend) -> None:
    try:
        started = time.perf_counter()
        hints = await asyncio.to_thread(_run_all, scheduled)
        added: dict[str, object] = {"diagnosis_ms": round((time.perf_counter() - started) * 1000, 3)}
        detail = entry.detail
        if hints:
            hint = "; ".join(hints)
            added["diagnosis"] = hint
            detail = f"{detail}; {hint}" if detail else hint
        amend(entry.id, detail, added)
    finally:
        pending.done(len(scheduled))


def _run_all(scheduled: list[Diagnosis]) -> list[str]:
    hints = []
    for diagnosis in scheduled:
        try:
            hint = diagnosis()
        except Exception:  # a diagnosis is a guess: its failure never fails the request
            log.exception("journal diagnosis %r failed", diagnosis)
            continue
        if hint:
            hints.append(hint)
    return hints


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def _resolve(waiter: "asyncio.Future[None]") -> None:
    if not waiter.done():
        waiter.set_result(None)
