"""Typed per-application state shared by the middleware, control API and handles."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiohttp import web

from .clock import MockClock
from .faults import FaultPlan
from .journal import Journal, JournalEntry
from .provider import MockConfig, Provider
from .store import MessageStore


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

    def reset(self) -> None:
        """Empty journal, messages and faults; restore the clock and default credentials."""
        self.faults.clear()
        self.journal.clear()
        self.store.clear()
        self.clock.restore()
        self.model.reset()


MOCK_STATE: web.AppKey[MockState] = web.AppKey("sealmail.mock_state", MockState)
"""Application key of the :class:`MockState`."""

JOURNAL_ENTRY: web.RequestKey[JournalEntry] = web.RequestKey("sealmail.journal_entry", JournalEntry)
"""Request key of the journal entry being written for this request."""

REQUEST_BODY: web.RequestKey[bytes] = web.RequestKey("sealmail.request_body", bytes)
"""Request key of the whole body, read once (size-limited) by the middleware."""
