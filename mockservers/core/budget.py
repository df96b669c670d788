"""Byte budgets for what a mock retains: size estimates, compact encoding and clipping.

The journal and the message store keep what they hold in a compact shape (str,
bytes, tuples of those: no per-entry dicts or lists the garbage collector
would walk) and count each entry's retained bytes at commit time with
``sys.getsizeof`` of those compact values, which is O(1) for str and bytes and
exact for them (object headers included). Dicts and lists are rebuilt only
when a reader asks (docs/memory.md).
"""

from __future__ import annotations

import json
import operator
import sys
from collections import deque
from typing import Any, Callable, Generic, TypeVar

ENTRY_OVERHEAD = 512
"""Bytes counted per retained entry beside its strings: the slotted object, its deque slot, small ints."""

CLIP_MARK = "...[clipped]"

_COMPACT = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, default=repr)
"""JSON for retained notes and payloads; ``repr`` for the odd non-JSON value (it stays readable)."""


def encode(value: Any) -> str:
    """Compact JSON text of ``value`` (what is retained)."""
    return _COMPACT.encode(value)


def decode(text: str) -> Any:
    return json.loads(text)


_getsizeof = sys.getsizeof
_EMPTY: tuple[()] = ()


def size_of(*values: object) -> int:
    """Retained bytes of str / bytes values and flat tuples of them (``sys.getsizeof``, exact for str and bytes).

    ``None`` (a field not set) and the empty tuple are shared singletons: they cost nothing per entry.
    """
    total = 0
    for value in values:
        if value is None or value is _EMPTY:
            continue
        total += _getsizeof(value)
        if value.__class__ is tuple:
            for item in value:  # type: ignore[attr-defined]
                total += _getsizeof(item)
    return total


def clip_text(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, with a visible mark when cut."""
    if len(text) <= limit:
        return text
    keep = max(0, limit - len(CLIP_MARK))
    return text[:keep] + CLIP_MARK


def clip_value(value: Any, string_limit: int, item_limit: int) -> Any:
    """A copy of a JSON-like ``value`` with long strings cut and long lists / objects shortened.

    Shortened containers end with a marker (``"...[N more]"`` item or key), so a
    reader sees that something was left out and how much.
    """
    if isinstance(value, str):
        return clip_text(value, string_limit)
    if isinstance(value, dict):
        items = list(value.items())
        clipped = {clip_text(str(k), string_limit): clip_value(v, string_limit, item_limit) for k, v in items[:item_limit]}
        if len(items) > item_limit:
            clipped[f"...[{len(items) - item_limit} more]"] = None
        return clipped
    if isinstance(value, (list, tuple)):
        shown = [clip_value(v, string_limit, item_limit) for v in value[:item_limit]]
        if len(value) > item_limit:
            shown.append(f"...[{len(value) - item_limit} more]")
        return shown
    return value


def encode_within(value: Any, limit: int) -> tuple[str, bool]:
    """Compact JSON of ``value`` in at most ``limit`` characters (clipped when needed) and whether it was clipped.

    Tries the whole value, then ever shorter strings and lists; the last resort
    is a JSON string saying how big the value was.
    """
    text = encode(value)
    if len(text) <= limit:
        return text, False
    string_limit, item_limit = max(16, limit // 8), 64
    while string_limit >= 16:
        text = encode(clip_value(value, string_limit, item_limit))
        if len(text) <= limit:
            return text, True
        string_limit //= 4
        item_limit = max(4, item_limit // 4)
    return encode(clip_text(f"{CLIP_MARK} {len(text)} characters of JSON over the {limit}-character limit", max(limit - 2, 0))), True


T = TypeVar("T")


def record_getter(slots: tuple[str, ...]) -> Callable[[object], tuple[Any, ...]]:
    """A function returning a slotted object's values as one tuple (untracked by the collector when the values are)."""
    return operator.attrgetter(*slots)  # type: ignore[return-value]


def from_record(cls: type[T], slots: tuple[str, ...], record: tuple[Any, ...]) -> T:
    """A fresh ``cls`` object from :func:`to_record`'s tuple (no ``__init__``)."""
    item = cls.__new__(cls)
    for name, value in zip(slots, record):
        object.__setattr__(item, name, value)
    return item


class ByteBudgetQueue(Generic[T]):
    """A FIFO bounded by entry count and by total estimated bytes; evicts the oldest.

    Not locked: its owner (journal, store) holds its own lock around every call.
    The newest entry is always kept, even alone over the budget, and the next
    append evicts it like any other: one oversized entry never starves the queue.
    """

    def __init__(self, capacity: int, max_bytes: int, size: Callable[[T], int]) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        if max_bytes < 1:
            raise ValueError("max_bytes must be at least 1")
        self.capacity = capacity
        self.max_bytes = max_bytes
        self._size = size
        self._items: deque[T] = deque()
        self.bytes = 0

    def append(self, item: T) -> int:
        """Add ``item`` last; returns how many of the oldest were evicted to make room."""
        items = self._items
        items.append(item)
        self.bytes += self._size(item)
        evicted = 0
        while (len(items) > self.capacity or self.bytes > self.max_bytes) and len(items) > 1:
            self.bytes -= self._size(items.popleft())
            evicted += 1
        return evicted

    def replace_newest(self, match: Callable[[T], bool], make: Callable[[T], T]) -> bool:
        """Replace the newest item ``match`` accepts by ``make(item)`` (byte count adjusted); False if none."""
        items = self._items
        for index in range(len(items) - 1, -1, -1):
            if match(items[index]):
                old = items[index]
                new = items[index] = make(old)
                self.bytes += self._size(new) - self._size(old)
                return True
        return False

    def clear(self) -> None:
        self._items.clear()
        self.bytes = 0

    def snapshot(self) -> list[T]:
        return list(self._items)

    def __len__(self) -> int:
        return len(self._items)
