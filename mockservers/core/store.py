"""The message store: every message a mock accepted, decrypted, for inspection."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from .events import Listeners


@dataclass
class StoredMessage:
    """An accepted message: the provider's id for it and the decrypted payload."""

    message_id: str
    time_ms: int
    request_id: int
    kind: str
    payload: Any
    meta: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "message_id": self.message_id,
            "time_ms": self.time_ms,
            "request_id": self.request_id,
            "kind": self.kind,
            "payload": self.payload,
            "meta": dict(self.meta),
        }


class MessageStore:
    """Thread-safe bounded store of accepted messages, oldest first.

    Waiters (``wait_for``) are woken on every add, so tests never poll or sleep.
    """

    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError("message store capacity must be at least 1")
        self._messages: deque[StoredMessage] = deque(maxlen=capacity)
        self._changed = threading.Condition()
        self._evicted = 0
        self._added = 0
        self.listeners = Listeners()
        """Told ``("added", message)`` after each add and ``("cleared", None)`` after each clear."""

    def add(self, message: StoredMessage) -> None:
        with self._changed:
            if len(self._messages) == self._messages.maxlen:
                self._evicted += 1
            self._messages.append(message)
            self._added += 1
            self._changed.notify_all()
        if self.listeners:
            self.listeners.emit("added", message)

    def messages(self) -> list[StoredMessage]:
        with self._changed:
            return list(self._messages)

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

    def wait_for(self, count: int, timeout: float) -> list[StoredMessage]:
        """Block until at least ``count`` messages were added since the last clear.

        Raises ``TimeoutError`` after ``timeout`` seconds.
        """
        with self._changed:
            if not self._changed.wait_for(lambda: self._added >= count, timeout=timeout):
                raise TimeoutError(f"expected {count} message(s) within {timeout}s, have {self._added}")
            return list(self._messages)

    def clear(self) -> None:
        with self._changed:
            self._messages.clear()
            self._evicted = 0
            self._added = 0
            self._changed.notify_all()
        if self.listeners:
            self.listeners.emit("cleared", None)
