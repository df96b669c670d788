"""The message store: bounded, and waiters woken by each add (no polling, no sleeping)."""

from __future__ import annotations

import threading

import pytest

from sealmail.mockservers.core import MessageStore, StoredMessage


def _message(n: int) -> StoredMessage:
    return StoredMessage(message_id=f"m{n}", time_ms=n, request_id=n, kind="mail", payload={"n": n})


def test_bounded_store_evicts_the_oldest_and_counts() -> None:
    store = MessageStore(capacity=2)
    for n in range(5):
        store.add(_message(n))
    assert [m.message_id for m in store.messages()] == ["m3", "m4"]
    assert (len(store), store.added, store.evicted) == (2, 5, 3)
    assert store.added == len(store) + store.evicted


def test_clear_resets_messages_and_counters() -> None:
    store = MessageStore(capacity=3)
    for n in range(4):
        store.add(_message(n))
    store.clear()
    assert (store.messages(), store.added, store.evicted) == ([], 0, 0)


def test_capacity_must_be_positive() -> None:
    with pytest.raises(ValueError):
        MessageStore(capacity=0)


def test_wait_for_returns_at_once_when_enough_messages_exist() -> None:
    store = MessageStore(capacity=3)
    store.add(_message(1))
    assert [m.message_id for m in store.wait_for(1, timeout=0)] == ["m1"]


def test_wait_for_is_woken_by_an_add_from_another_thread() -> None:
    store = MessageStore(capacity=3)
    blocked = threading.Event()
    condition = store._changed  # white box: know for sure the waiter is blocked before adding
    original_wait = condition.wait

    def wait(timeout: float | None = None) -> bool:
        blocked.set()
        return original_wait(timeout)

    condition.wait = wait  # type: ignore[method-assign]
    result: list[list[StoredMessage]] = []
    thread = threading.Thread(target=lambda: result.append(store.wait_for(2, timeout=60)), daemon=True)
    thread.start()
    assert blocked.wait(10)
    store.add(_message(1))
    store.add(_message(2))
    thread.join(10)
    assert not thread.is_alive(), "waiter was not woken by add()"
    assert [m.message_id for m in result[0]] == ["m1", "m2"]


def test_wait_for_times_out_with_timeout_error() -> None:
    store = MessageStore(capacity=3)
    store.add(_message(1))
    with pytest.raises(TimeoutError, match="expected 2 message"):
        store.wait_for(2, timeout=0.05)


def test_wait_for_counts_adds_since_the_last_clear_even_if_evicted() -> None:
    store = MessageStore(capacity=1)
    for n in range(3):
        store.add(_message(n))
    assert [m.message_id for m in store.wait_for(3, timeout=0)] == ["m2"]
    store.clear()
    with pytest.raises(TimeoutError):
        store.wait_for(1, timeout=0.01)


def test_to_json_carries_the_payload() -> None:
    message = StoredMessage(message_id="x", time_ms=5, request_id=2, kind="mail", payload={"a": [1]}, meta={"m": 1})
    assert message.to_json() == {
        "message_id": "x", "time_ms": 5, "request_id": 2, "kind": "mail", "payload": {"a": [1]}, "meta": {"m": 1},
    }
