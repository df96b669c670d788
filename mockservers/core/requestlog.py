"""The live request log of ``sealmail serve``: one line per request, text or JSON.

Written from the journal's ``committed`` notification (:mod:`.events`), the
place that finishes a journal entry, so the log and the journal never
disagree. Each line is flushed at once: a rejection shows in the terminal as
soon as the mock has answered it.

Text (coloured when the output is a terminal and ``NO_COLOR`` is unset, see
https://no-color.org)::

    14:02:11.532 netcore-email  POST /v6/mail/send 400 rejected gcm_tag_mismatch: tag does not verify

JSON (``--log-format json``), one object per line: ``time`` (UTC, ISO 8601),
``provider``, ``id`` (journal id), ``method``, ``path``, ``status``,
``outcome``, ``reason``, ``field``, ``detail``.
"""

from __future__ import annotations

import json
import os
import threading
from datetime import datetime, timezone
from typing import Any, Callable, Literal, TextIO

from .journal import JournalEntry
from .state import MockState

LogFormat = Literal["text", "json"]
LOG_FORMATS: tuple[LogFormat, ...] = ("text", "json")
DETAIL_CHARS = 160
"""A rejection's detail is cut to this many characters in a text line (the journal keeps it whole)."""

_RESET = "\033[0m"
_STYLES = {"accepted": "\033[32m", "rejected": "\033[31m", "dim": "\033[2m", "provider": "\033[36m", "reason": "\033[1m"}


def wants_colour(out: TextIO) -> bool:
    """Colour only for a terminal, and never when ``NO_COLOR`` is set to anything non-empty."""
    if os.environ.get("NO_COLOR"):
        return False
    isatty = getattr(out, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # a closed stream
        return False


class RequestLog:
    """Writes one line per finished request of every mock it is attached to (thread-safe)."""

    def __init__(self, out: TextIO, fmt: LogFormat = "text", *, colour: bool | None = None) -> None:
        if fmt not in LOG_FORMATS:
            raise ValueError(f"log format must be one of {', '.join(LOG_FORMATS)}")
        self.out = out
        self.format = fmt
        self.colour = wants_colour(out) if colour is None else colour
        self._lock = threading.Lock()
        self._width = 0

    def attach(self, state: MockState) -> Callable[[], None]:
        """Log every request ``state``'s journal commits; returns a function that stops it."""
        provider = state.provider.id
        self._width = max(self._width, len(provider))

        def on_change(event: str, item: object) -> None:
            if event == "committed" and isinstance(item, JournalEntry):
                self.write(provider, item)

        return state.journal.listeners.add(on_change)

    def write(self, provider: str, entry: JournalEntry, *, now: datetime | None = None) -> None:
        """Write (and flush) the line for ``entry``."""
        stamp = now or datetime.now(timezone.utc)
        line = self.json_line(provider, entry, stamp) if self.format == "json" else self.text_line(provider, entry, stamp)
        with self._lock:
            self.out.write(line + "\n")
            self.out.flush()

    @staticmethod
    def json_line(provider: str, entry: JournalEntry, stamp: datetime) -> str:
        record: dict[str, Any] = {
            "time": stamp.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "provider": provider,
            "id": entry.id,
            "method": entry.method,
            "path": entry.path,
            "status": entry.status,
            "outcome": entry.outcome,
            "reason": entry.reason,
            "field": entry.field,
            "detail": entry.detail,
        }
        return json.dumps(record, ensure_ascii=False)

    def text_line(self, provider: str, entry: JournalEntry, stamp: datetime) -> str:
        outcome = entry.outcome or "unfinished"
        parts = [
            self._paint("dim", stamp.astimezone().strftime("%H:%M:%S.") + f"{stamp.microsecond // 1000:03d}"),
            self._paint("provider", provider.ljust(self._width)),
            f"{entry.method} {entry.path}",
            self._paint(outcome, f"{entry.status} {outcome}"),
        ]
        if entry.outcome == "rejected" and entry.reason:
            why = self._paint("reason", entry.reason)
            if entry.field:
                why += f" (field {entry.field})"
            if entry.detail:
                detail = " ".join(entry.detail.split())
                why += ": " + (detail if len(detail) <= DETAIL_CHARS else detail[: DETAIL_CHARS - 3] + "...")
            parts.append(why)
        return " ".join(parts)

    def _paint(self, style: str, text: str) -> str:
        code = _STYLES.get(style)
        return f"{code}{text}{_RESET}" if self.colour and code else text
