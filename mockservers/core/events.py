"""Change notifications from the journal and the message store.

One mechanism for everything that follows a mock's state as it changes: the
live request log, the inspector's event stream, persistence. A listener is a
plain callable; it runs synchronously, in the thread that made the change,
after the change is visible to readers, so it must be quick and must not raise
(an exception is logged and swallowed: a broken listener never fails a request).
"""

from __future__ import annotations

import logging
import threading
from typing import Callable, Literal

Event = Literal["committed", "added", "cleared"]
"""``committed``: a journal entry finished; ``added``: a message stored; ``cleared``: emptied by a reset."""

Listener = Callable[[Event, object], None]

log = logging.getLogger("sealmail")


class Listeners:
    """A small thread-safe set of listeners (journal and message store each own one)."""

    def __init__(self) -> None:
        self._listeners: tuple[Listener, ...] = ()
        self._lock = threading.Lock()

    def add(self, listener: Listener) -> Callable[[], None]:
        """Register ``listener``; returns a function that removes it again."""
        with self._lock:
            self._listeners = (*self._listeners, listener)

        def remove() -> None:
            with self._lock:
                self._listeners = tuple(item for item in self._listeners if item is not listener)

        return remove

    def emit(self, event: Event, item: object) -> None:
        """Call every listener with ``(event, item)``; a listener's exception is logged, never raised."""
        for listener in self._listeners:  # a tuple: safe to iterate while another thread adds
            try:
                listener(event, item)
            except Exception:
                log.exception("journal/store listener %r failed", listener)

    def __bool__(self) -> bool:
        return bool(self._listeners)
