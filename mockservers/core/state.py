"""Typed per-application state shared by the middleware, control API and handles."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from .clock import MockClock
from .diagnosis import PendingDiagnoses
from .faults import FaultPlan
from .journal import Journal, JournalEntry
from .provider import MockConfig, Provider
from .store import MessageStore, StoredMessage

SETTLE_TIMEOUT_S = 5.0
"""Longest :meth:`MockState.settle` waits for cancelled requests to finish unwinding."""


@dataclass
class MockState:
    """Everything one provider mock knows. One instance per application."""

    provider: Provider[Any, Any]
    config: MockConfig
    clock: MockClock
    journal: Journal
    store: MessageStore
    faults: FaultPlan
    model: Any
    generation: int = 0
    """Bumped by every :meth:`reset`. A request remembers the generation it arrived in;
    its journal entry and messages are kept only if no reset happened meanwhile."""
    discarded_after_reset: int = 0
    """Requests that were still in flight at a reset and so never reached the journal."""
    diagnoses: PendingDiagnoses = field(default_factory=PendingDiagnoses, repr=False)
    """Journal-only diagnoses still running after their answer was sent (core/diagnosis.py)."""
    _in_flight: dict["asyncio.Task[Any]", int] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def build(cls, provider: Provider[Any, Any], config: MockConfig, clock: MockClock, model: Any) -> "MockState":
        """A fresh state: empty journal and store sized by ``config``, no faults (an app's, or a tenant's)."""
        return cls(
            provider=provider,
            config=config,
            clock=clock,
            journal=Journal(config.journal_capacity, config.journal_body_limit, max_bytes=config.journal_max_bytes,
                            header_bytes=config.journal_header_bytes, note_bytes=config.journal_note_bytes),
            store=MessageStore(config.message_capacity, max_bytes=config.message_max_bytes),
            faults=FaultPlan(),
            model=model,
        )

    def reset(self) -> None:
        """Empty journal, messages and faults; restore the clock and default credentials.

        Requests still in flight belong to the state before the reset: they are
        cancelled (their client has usually given up: a test ended) and, should
        one finish anyway, its journal entry and messages are discarded.
        """
        with self._lock:
            self.generation += 1
            self.discarded_after_reset = 0
            stale = list(self._in_flight)
        for task in stale:
            task.get_loop().call_soon_threadsafe(task.cancel)
        self.faults.clear()
        self.journal.clear()
        self.store.clear()
        self.clock.restore()
        self.model.reset()

    # --- requests in flight (the middleware's bookkeeping) ------------------
    def request_started(self, task: "asyncio.Task[Any] | None") -> int:
        """Remember the running request's task; returns the generation it belongs to."""
        with self._lock:
            if task is not None:
                self._in_flight[task] = self.generation
            return self.generation

    def answer_sent(self, task: "asyncio.Task[Any] | None") -> None:
        """The request's answer is out: a reset from now on leaves its task alone (no longer in flight)."""
        with self._lock:
            self._in_flight.pop(task, None)  # type: ignore[arg-type]

    def request_finished(self, task: "asyncio.Task[Any] | None", generation: int, *, committed: bool) -> None:
        """Forget the request's task; one that never reached the journal because of a reset is counted."""
        with self._lock:
            self._in_flight.pop(task, None)  # type: ignore[arg-type]
            if not committed and generation != self.generation:
                self.discarded_after_reset += 1

    def is_current(self, generation: int) -> bool:
        """True while no reset happened since a request of ``generation`` arrived."""
        return generation == self.generation

    def commit(self, entry: JournalEntry, generation: int) -> bool:
        """Journal ``entry`` unless a reset happened since its request arrived; True when kept."""
        with self._lock:  # held across the commit: a reset cannot slip in between check and append
            if generation != self.generation:
                return False
            self.journal.commit(entry)
            return True

    def amend(self, generation: int, entry_id: int, detail: str | None, details: dict[str, object]) -> bool:
        """Amend a journal entry (an after-the-answer diagnosis) unless a reset happened since its request arrived:
        journal ids restart at #1, so the id could name another test's entry by then."""
        with self._lock:
            if generation != self.generation:
                return False
            return self.journal.amend(entry_id, detail=detail, details=details)

    def add_message(self, message: StoredMessage, generation: int) -> bool:
        """Store ``message`` unless a reset happened since its request arrived; True when kept."""
        with self._lock:
            if generation != self.generation:
                return False
            self.store.add(message)
            return True

    def in_flight(self) -> int:
        """Requests being handled right now."""
        with self._lock:
            return len(self._in_flight)

    async def settle(self, timeout: float = SETTLE_TIMEOUT_S) -> None:
        """Wait (on the server's loop) until requests from before the last reset are gone."""
        with self._lock:
            stale = [task for task, generation in self._in_flight.items() if generation != self.generation]
        for task in stale:
            task.cancel()
        if stale:
            await asyncio.wait(stale, timeout=timeout)


MOCK_STATE: web.AppKey[MockState] = web.AppKey("sealmail.mock_state", MockState)
"""Application key of the :class:`MockState`."""

JOURNAL_ENTRY: web.RequestKey[JournalEntry] = web.RequestKey("sealmail.journal_entry", JournalEntry)
"""Request key of the journal entry being written for this request."""

REQUEST_BODY: web.RequestKey[bytes] = web.RequestKey("sealmail.request_body", bytes)
"""Request key of the whole body, read once (size-limited) by the middleware."""

REQUEST_GENERATION: web.RequestKey[int] = web.RequestKey("sealmail.request_generation", int)
"""Request key of the :attr:`MockState.generation` the request arrived in."""
