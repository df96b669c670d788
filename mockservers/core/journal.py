"""The journal: every request a mock saw, accepted or rejected, with why.

Bounded twice: by ``capacity`` entries and by ``max_bytes`` of retained data
(headers, body excerpt, notes, warnings, reasons; docs/memory.md). Past either
the oldest entries are evicted and counted, so a long-running ``make serve`` or
a soak test keeps flat memory while still accounting for every request
(``recorded == len(entries) + evicted``).

Compact by shape (issue 16): a committed entry is kept as one tuple of str,
bytes, ints and tuples of those (the headers stay the request's own raw byte
pairs, the notes one JSON string), which the garbage collector stops tracking
after its first pass; :class:`JournalEntry` objects, their dicts and lists are
rebuilt when read. So a full journal adds nothing to a full collection (it
used to add a hundred thousand objects).
"""

from __future__ import annotations

import itertools
import threading
from typing import Any, Iterator, Literal, Mapping, Sequence, Union

from .budget import ENTRY_OVERHEAD, ByteBudgetQueue, clip_text, decode, encode_within, from_record, record_getter, size_of
from .events import Listeners

Outcome = Literal["accepted", "rejected"]

HeaderPairs = Sequence[tuple[Union[str, bytes], Union[str, bytes]]]
"""Header name/value pairs as received: aiohttp's ``request.raw_headers`` (bytes) or str pairs."""

DEFAULT_MAX_BYTES = 64 * 1024 * 1024
DEFAULT_HEADER_BYTES = 16 * 1024
DEFAULT_NOTE_BYTES = 16 * 1024
SHORT_TEXT_LIMIT = 1024
"""Characters kept of ``reason`` and ``field`` (internal codes and field names; a hostile field name is clipped)."""
_HEADER_PAIR_OVERHEAD = 120
"""Bytes counted per header pair beside its name and value (a tuple and two bytes objects)."""


def _text(value: str | bytes) -> str:
    # aiohttp decodes header bytes the same way (utf-8, surrogateescape), so names and values round-trip.
    return value.decode("utf-8", "surrogateescape") if isinstance(value, bytes) else value


class JournalEntry:
    """One request as the mock saw it and judged it.

    While the request runs, ``details`` is a dict and ``warnings`` / ``message_ids``
    are lists the handlers add to. After :meth:`Journal.commit` they are stored
    compactly and each read returns a fresh copy.
    """

    __slots__ = (
        "id", "time_ms", "method", "path", "_headers", "_body", "body_size", "body_truncated",
        "status", "outcome", "error_code", "reason", "field", "detail",
        "_message_ids", "_warnings", "_details", "clipped", "size",
    )

    def __init__(
        self,
        id: int,
        time_ms: int,
        method: str,
        path: str,
        headers: Mapping[str, str] | HeaderPairs,
        body: str | bytes,
        body_size: int,
        body_truncated: bool,
        status: int | None = None,
        outcome: Outcome | None = None,
        error_code: str | int | None = None,
        reason: str | None = None,
        field: str | None = None,
        detail: str | None = None,
        message_ids: list[str] | None = None,
        warnings: list[str] | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        self.id = id
        self.time_ms = time_ms
        self.method = method
        self.path = path
        self._headers: tuple[tuple[str | bytes, str | bytes], ...] = (
            headers if type(headers) is tuple else tuple(headers.items()) if isinstance(headers, Mapping) else tuple(headers)
        )
        self._body = body
        self.body_size = body_size
        self.body_truncated = body_truncated
        self.status = status
        self.outcome = outcome
        self.error_code = error_code
        self.reason = reason
        self.field = field
        self.detail = detail
        self._message_ids: list[str] | tuple[str, ...] = message_ids if message_ids is not None else []
        self._warnings: list[str] | tuple[str, ...] = warnings if warnings is not None else []
        self._details: dict[str, Any] | str | None = details if details is not None else {}
        self.clipped: tuple[str, ...] = ()
        """What was cut to fit the journal's per-entry caps: ``headers``, ``details``, ``warnings``, ``detail``, ``entry``."""
        self.size = 0
        """Retained bytes counted against ``journal_max_bytes`` (set at commit)."""

    # --- read views ------------------------------------------------------------
    @property
    def headers(self) -> dict[str, str]:
        """The request headers as a dict (the first value of a repeated name)."""
        shown: dict[str, str] = {}
        for name, value in self._headers:
            shown.setdefault(_text(name), _text(value))
        return shown

    @property
    def header_pairs(self) -> list[tuple[str, str]]:
        """Every header line kept, in order, repeats included."""
        return [(_text(name), _text(value)) for name, value in self._headers]

    @property
    def body(self) -> str:
        """The first ``journal_body_limit`` bytes of the body, UTF-8 with replacement."""
        body = self._body
        return body.decode("utf-8", errors="replace") if isinstance(body, bytes) else body

    @property
    def message_ids(self) -> list[str]:
        ids = self._message_ids
        return ids if isinstance(ids, list) else list(ids)

    @property
    def warnings(self) -> list[str]:
        warnings = self._warnings
        return warnings if isinstance(warnings, list) else list(warnings)

    @property
    def details(self) -> dict[str, Any]:
        details = self._details
        if isinstance(details, dict):
            return details
        return {} if details is None else decode(details)

    @property
    def accepted(self) -> bool:
        return self.outcome == "accepted"

    def header(self, name: str) -> str | None:
        """Case-insensitive header lookup (the first value of a repeated name)."""
        lname = name.lower()
        for key, value in self._headers:
            if _text(key).lower() == lname:
                return _text(value)
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
            "headers": self.headers,
            "body": self.body,
            "body_size": self.body_size,
            "body_truncated": self.body_truncated,
            "status": self.status,
            "outcome": self.outcome,
            "error_code": self.error_code,
            "reason": self.reason,
            "field": self.field,
            "detail": self.detail,
            "message_ids": self.message_ids,
            "warnings": self.warnings,
            "details": self.details,
            "clipped": list(self.clipped),
        }

    def __eq__(self, other: object) -> bool:
        return isinstance(other, JournalEntry) and self.to_json() == other.to_json()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<JournalEntry {self.summary()}>"

    # --- commit ------------------------------------------------------------------
    def _freeze(self, note_bytes: int, max_bytes: int) -> None:
        """Store notes compactly, clip what is over the per-entry caps, count the retained bytes.

        Runs once per request: the usual entry (no warnings, short or no texts) takes no clipping branch.
        """
        clipped = self.clipped
        details = self._details
        if isinstance(details, dict):
            if details:
                self._details, cut = encode_within(details, note_bytes)
                if cut:
                    clipped += ("details",)
            else:
                self._details = None
        if self._warnings:
            self._warnings, cut = _clip_lines(self._warnings, note_bytes)
            if cut:
                clipped += ("warnings",)
        else:
            self._warnings = ()
        self._message_ids = tuple(self._message_ids)
        if self.detail is not None and len(self.detail) > note_bytes:
            self.detail = clip_text(self.detail, note_bytes)
            clipped += ("detail",)
        if self.reason is not None and len(self.reason) > SHORT_TEXT_LIMIT:
            self.reason = clip_text(self.reason, SHORT_TEXT_LIMIT)
            clipped += ("reason",)
        if self.field is not None and len(self.field) > SHORT_TEXT_LIMIT:
            self.field = clip_text(self.field, SHORT_TEXT_LIMIT)
            clipped += ("field",)
        self.size = self._measure(self.size)
        if self.size > max_bytes:
            # Alone over the whole budget: keep the skeleton (method, path, outcome, reason), flagged.
            self._headers, self._body, self._details, self._warnings = (), b"", None, ()
            self.detail = clip_text(self.detail, SHORT_TEXT_LIMIT) if self.detail else self.detail
            clipped += ("entry",)
            self.size = self._measure(0)
        self.clipped = clipped

    def _record(self) -> tuple[Any, ...]:
        """The committed value as one tuple the collector stops tracking (see the module docstring)."""
        return _RECORD(self)

    @classmethod
    def _from_record(cls, record: tuple[Any, ...]) -> "JournalEntry":
        return from_record(cls, _SLOTS, record)

    def _measure(self, headers: int) -> int:
        """Retained bytes; ``headers``: the header pairs' share when known (0: count them again)."""
        if not headers and self._headers:
            headers = _headers_size(self._headers)
        texts = size_of(self.path, self._body, self.reason, self.field, self.detail, self._details,
                        self._warnings, self._message_ids, self.error_code if isinstance(self.error_code, str) else None)
        return ENTRY_OVERHEAD + headers + texts


_SLOTS = JournalEntry.__slots__
_SIZE = _SLOTS.index("size")
_ID = _SLOTS.index("id")
_RECORD = record_getter(_SLOTS)


def _clip_lines(lines: list[str] | tuple[str, ...], limit: int) -> tuple[tuple[str, ...], bool]:
    """Warnings as a tuple, at most ``limit`` characters in all (later ones dropped, long ones cut)."""
    kept: list[str] = []
    room = limit
    for line in lines:
        if room <= 0:
            return tuple(kept) + (f"...[{len(lines) - len(kept)} more warnings]",), True
        kept.append(clip_text(line, min(room, SHORT_TEXT_LIMIT)))
        room -= len(kept[-1])
    return tuple(kept), any(a is not b for a, b in zip(kept, lines))


def _header_chars(headers: HeaderPairs) -> int:
    """Name and value characters of the header pairs, counted in C (this runs on every request)."""
    return sum(map(len, itertools.chain.from_iterable(headers)))


def _headers_size(headers: HeaderPairs) -> int:
    return _header_chars(headers) + _HEADER_PAIR_OVERHEAD * len(headers)


def _clip_headers(headers: HeaderPairs, limit: int) -> tuple[tuple[tuple[str | bytes, str | bytes], ...], bool, int]:
    """The header pairs, at most ``limit`` name + value characters in all (later ones dropped, the last cut),
    whether any were cut, and the retained bytes counted for them."""
    chars = _header_chars(headers)
    if chars <= limit:
        return headers if type(headers) is tuple else tuple(headers), False, chars + _HEADER_PAIR_OVERHEAD * len(headers)
    kept: list[tuple[str | bytes, str | bytes]] = []
    room = limit
    for name, value in headers:
        if room <= len(name):
            break
        if len(name) + len(value) > room:
            value = value[: room - len(name)]
        kept.append((name, value))
        room -= len(name) + len(value)
    return tuple(kept), True, _headers_size(kept)


class Journal:
    """Thread-safe bounded log of :class:`JournalEntry`, oldest first."""

    def __init__(
        self,
        capacity: int,
        body_limit: int,
        *,
        max_bytes: int = DEFAULT_MAX_BYTES,
        header_bytes: int = DEFAULT_HEADER_BYTES,
        note_bytes: int = DEFAULT_NOTE_BYTES,
    ) -> None:
        if capacity < 1:
            raise ValueError("journal capacity must be at least 1")
        if min(body_limit, max_bytes, header_bytes, note_bytes) < 0 or max_bytes < 1:
            raise ValueError("journal byte limits must be positive")
        self._entries: ByteBudgetQueue[tuple[Any, ...]] = ByteBudgetQueue(capacity, max_bytes, _entry_size)
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._evicted = 0
        self._recorded = 0
        self.body_limit = body_limit
        self.header_bytes = header_bytes
        self.note_bytes = note_bytes
        self.listeners = Listeners()
        """Told ``("committed", entry)`` after each commit and ``("cleared", None)`` after each clear."""

    @property
    def max_bytes(self) -> int:
        return self._entries.max_bytes

    def open(self, *, time_ms: int, method: str, path: str, headers: Mapping[str, str] | HeaderPairs, body: bytes) -> JournalEntry:
        """Start an entry for an incoming request; the middleware completes it.

        ``headers``: a mapping, or the raw pairs (``request.raw_headers``, kept as they are: no copy).
        """
        if type(headers) is not tuple:  # aiohttp's raw_headers are a tuple already (checked first: this runs per request)
            headers = tuple(headers.items()) if isinstance(headers, Mapping) else tuple(headers)
        pairs, headers_cut, headers_size = _clip_headers(headers, self.header_bytes)
        entry = JournalEntry(
            id=next(self._ids),
            time_ms=time_ms,
            method=method,
            path=path,
            headers=pairs,
            body=body[: self.body_limit],
            body_size=len(body),
            body_truncated=len(body) > self.body_limit,
        )
        if headers_cut:
            entry.clipped = ("headers",)
        entry.size = headers_size  # the rest is counted at commit
        return entry

    def commit(self, entry: JournalEntry) -> None:
        """Append a finished entry, evicting the oldest past the entry or byte budget."""
        entry._freeze(self.note_bytes, self._entries.max_bytes)
        with self._lock:
            self._evicted += self._entries.append(entry._record())
            self._recorded += 1
        if self.listeners:
            self.listeners.emit("committed", entry)

    def entries(self) -> list[JournalEntry]:
        """The kept entries, oldest first (each read builds fresh objects)."""
        with self._lock:
            records = self._entries.snapshot()
        return [JournalEntry._from_record(record) for record in records]

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

    @property
    def retained_bytes(self) -> int:
        """Bytes the kept entries count against ``max_bytes``."""
        with self._lock:
            return self._entries.bytes

    def amend(self, entry_id: int, *, detail: str | None, details: Mapping[str, Any]) -> bool:
        """Change a committed entry's ``detail`` and add ``details`` (a diagnosis that ran after the answer).

        Committed entries are stored frozen, so the live object a handler held no longer reaches the
        journal; this rebuilds the stored record. False when the entry was evicted or cleared meanwhile.
        """

        def amended(record: tuple[Any, ...]) -> tuple[Any, ...]:
            entry = JournalEntry._from_record(record)
            entry.detail = detail
            entry._details = {**entry.details, **details}
            entry.size = 0  # counted again, headers included
            entry._freeze(self.note_bytes, self._entries.max_bytes)
            return entry._record()

        with self._lock:
            return self._entries.replace_newest(lambda record: record[_ID] == entry_id, amended)

    def resume_ids(self, last_id: int) -> None:
        """Number the next entry ``last_id + 1`` (a journal restored from disk continues its ids)."""
        with self._lock:
            self._ids = itertools.count(last_id + 1)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._ids = itertools.count(1)  # a test after a reset numbers its requests from #1
            self._evicted = 0
            self._recorded = 0
        if self.listeners:
            self.listeners.emit("cleared", None)


def _entry_size(record: tuple[Any, ...]) -> int:
    return record[_SIZE]  # type: ignore[no-any-return]
