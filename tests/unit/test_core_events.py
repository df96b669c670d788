"""Journal and message-store change notifications (core/events.py)."""

from __future__ import annotations

import logging

import pytest

from sealmail.mockservers.core.journal import Journal
from sealmail.mockservers.core.store import MessageStore, StoredMessage


def test_journal_tells_listeners_after_commit_and_clear() -> None:
    journal = Journal(capacity=2, body_limit=10)
    seen: list[tuple[str, object]] = []
    remove = journal.listeners.add(lambda event, item: seen.append((event, item)))
    entry = journal.open(time_ms=1, method="GET", path="/", headers={}, body=b"")
    assert seen == []  # an open entry is not news yet
    journal.commit(entry)
    assert seen == [("committed", entry)]
    assert journal.entries() == [entry]  # visible to readers when the listener runs
    journal.clear()
    assert seen[-1] == ("cleared", None)
    remove()
    journal.commit(journal.open(time_ms=2, method="GET", path="/", headers={}, body=b""))
    assert len(seen) == 2


def test_store_tells_listeners_after_add() -> None:
    store = MessageStore(capacity=1)
    seen: list[str] = []
    store.listeners.add(lambda event, item: seen.append(f"{event}:{getattr(item, 'message_id', None)}"))
    store.add(StoredMessage(message_id="m1", time_ms=0, request_id=1, kind="mail", payload={}))
    store.clear()
    assert seen == ["added:m1", "cleared:None"]


def test_a_failing_listener_is_logged_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    journal = Journal(capacity=1, body_limit=10)
    journal.listeners.add(lambda event, item: 1 / 0)
    with caplog.at_level(logging.ERROR, logger="sealmail"):
        journal.commit(journal.open(time_ms=1, method="GET", path="/", headers={}, body=b""))
    assert len(journal) == 1
    assert "listener" in caplog.text
