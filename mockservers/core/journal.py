"""The journal: every request a mock saw, accepted or rejected, with why.

Bounded: once ``capacity`` entries are held the oldest is evicted and counted,
so a long-running ``make serve`` or a soak test keeps flat memory while still
accounting for every request (``recorded == len(entries) + evicted``).
"""

from __future__ import annotations

import itertools
import threading
from collections import deque
from dataclasses import dataclass, field as dataclass_field
from typing import Any, Iterator, Literal

from .events import Listeners

Outcome = Literal["accepted", "rejected"]


@dataclass
class JournalEntry:
    """One request as the mock saw it and judged it."""

    id: int
    time_ms: int
    method: str
    path: str
    headers: dict[str, str]
    body: str
    body_size: int
    body_truncated: bool
    status: int | None = None
    outcome: Outcome | None = None
    error_code: str | int | None = None
    reason: str | None = None
    field: str | None = None
    detail: str | None = None
    message_ids: list[str] = dataclass_field(default_factory=list)
    warnings: list[str] = dataclass_field(default_factory=list)
    details: dict[str, Any] = dataclass_field(default_factory=dict)

    @property
    def accepted(self) -> bool:
        return self.outcome == "accepted"

    def header(self, name: str) -> str | None:
        """Case-insensitive header lookup."""
        lname = name.lower()
        for key, value in self.headers.items():
            if key.lower() == lname:
                return value
        return None

    def summary(self) -> str:
        """One line for assertion messages: ``#3 POST /v6/mail/send -> 400 rejected gcm_tag_mismatch``."""
        answer = f"{self.status} {self.outcome}" if self.status is not None else "no response"
        text = f"#{self.id} {self.method} {self.path} -> {answer}"
        if self.reason:
            text += f" {self.reason}"
        if self.field:
            text += f" (field {self.field})"
        if self.detail:
            text += f": {self.detail}"
        return text

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "time_ms": self.time_ms,
            "method": self.method,
            "path": self.path,
            "headers": dict(self.headers),
            "body": self.body,
            "body_size": self.body_size,
            "body_truncated": self.body_truncated,
            "status": self.status,
            "outcome": self.outcome,
            "error_code": self.error_code,
            "reason": self.reason,
            "field": self.field,
            "detail": self.detail,
            "message_ids": list(self.message_ids),
            "warnings": list(self.warnings),
            "details": dict(self.details),
        }


class Journal:
    """Thread-safe bounded log of :class:`JournalEntry`, oldest first."""

    def __init__(self, capacity: int, body_limit: int) -> None:
        if capacity < 1:
            raise ValueError("journal capacity must be at least 1")
        self._entries: deque[JournalEntry] = deque(maxlen=capacity)
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._evicted = 0
        self._recorded = 0
        self.body_limit = body_limit
        self.listeners = Listeners()
        """Told ``("committed", entry)`` after each commit and ``("cleared", None)`` after each clear."""

    def open(self, *, time_ms: int, method: str, path: str, headers: dict[str, str], body: bytes) -> JournalEntry:
        """Start an entry for an incoming request; the middleware completes it."""
        shown = body[: self.body_limit]
        entry = JournalEntry(
            id=next(self._ids),
            time_ms=time_ms,
            method=method,
            path=path,
            headers=headers,
            body=shown.decode("utf-8", errors="replace"),
            body_size=len(body),
            body_truncated=len(body) > self.body_limit,
        )
        return entry

    def commit(self, entry: JournalEntry) -> None:
        """Append a finished entry, evicting the oldest when full."""
        with self._lock:
            if len(self._entries) == self._entries.maxlen:
                self._evicted += 1
            self._entries.append(entry)
            self._recorded += 1
        if self.listeners:
            self.listeners.emit("committed", entry)

    def entries(self) -> list[JournalEntry]:
        with self._lock:
            return list(self._entries)

    def __iter__(self) -> Iterator[JournalEntry]:
        return iter(self.entries())

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    @property
    def evicted(self) -> int:
        with self._lock:
            return self._evicted

    @property
    def recorded(self) -> int:
        """Requests recorded since the last clear, evicted ones included."""
        with self._lock:
            return self._recorded

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._ids = itertools.count(1)  # a test after a reset numbers its requests from #1
            self._evicted = 0
            self._recorded = 0
        if self.listeners:
            self.listeners.emit("cleared", None)
