"""The mock clock: every time check and timestamp in a mock reads this.

Tests move it through ``POST /__mock__/clock`` or ``MockHandle.clock(...)``
instead of sleeping, so "a timestamp 301 s old" is one call away.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

LATEST_DATE_MS = 253_402_300_799_999
"""9999-12-31T23:59:59.999Z: the last instant Python's ``datetime`` (and the providers' date formats) can show."""
CLOCK_MIN_MS = 0
"""1970-01-01T00:00:00Z: the earliest mock time (providers format epoch milliseconds)."""
CLOCK_MAX_MS = 253_370_764_800_000
"""9999-01-01T00:00:00Z: the latest mock time, a year short of :data:`LATEST_DATE_MS` so that
every date a provider computes from the clock (reservations, windows, expiries) stays showable."""


class ClockRangeError(ValueError):
    """A clock setting outside ``[CLOCK_MIN_MS, CLOCK_MAX_MS]``."""

    def __init__(self, what: str, value: int) -> None:
        shown = str(value) if len(str(value)) <= 30 else f"a {len(str(value))}-digit number"
        super().__init__(f"{what} {shown} puts the mock clock outside {CLOCK_MIN_MS}..{CLOCK_MAX_MS} "
                         "(epoch ms, 1970-01-01 to 9999-01-01 UTC)")
        self.allowed = (CLOCK_MIN_MS, CLOCK_MAX_MS)


def _in_range(what: str, value: int, now_ms: int) -> int:
    if not CLOCK_MIN_MS <= now_ms <= CLOCK_MAX_MS:
        raise ClockRangeError(what, value)
    return now_ms


@dataclass(frozen=True)
class ClockState:
    """What ``GET``/``POST /__mock__/clock`` reports."""

    now_ms: int
    offset_ms: int
    frozen: bool

    def to_json(self) -> dict[str, object]:
        return {"now_ms": self.now_ms, "offset_ms": self.offset_ms, "frozen": self.frozen}


class MockClock:
    """Wall-clock time plus a settable offset, optionally frozen.

    ``offset(ms)`` shifts the clock relative to real time and keeps it ticking;
    ``set_now(ms)`` jumps to an absolute epoch-millisecond value (ticking on from
    there unless ``frozen``); ``restore()`` returns to real time.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._offset_ms = 0
        self._frozen_at_ms: int | None = None

    @staticmethod
    def _real_ms() -> int:
        return time.time_ns() // 1_000_000

    def now_ms(self) -> int:
        """Current mock time in epoch milliseconds.

        Read without the lock (every request reads the clock, issue 16): the setters replace whole
        ints under the lock, so a reader sees the time before or after a change, never a mix that matters.
        """
        frozen = self._frozen_at_ms
        if frozen is not None:
            return frozen
        return time.time_ns() // 1_000_000 + self._offset_ms

    def now_s(self) -> float:
        """Current mock time in epoch seconds (float)."""
        return self.now_ms() / 1000.0

    def offset(self, offset_ms: int, *, frozen: bool = False) -> ClockState:
        """Run the clock ``offset_ms`` ahead of (or, if negative, behind) real time.

        :class:`ClockRangeError` when that time lies outside ``CLOCK_MIN_MS..CLOCK_MAX_MS``."""
        _in_range("offset_ms", offset_ms, self._real_ms() + int(offset_ms))
        with self._lock:
            self._offset_ms = int(offset_ms)
            self._frozen_at_ms = self._real_ms() + self._offset_ms if frozen else None
        return self.state()

    def set_now(self, now_ms: int, *, frozen: bool = False) -> ClockState:
        """Jump to the absolute time ``now_ms`` (epoch milliseconds); :class:`ClockRangeError` outside the range."""
        _in_range("now_ms", now_ms, int(now_ms))
        with self._lock:
            self._offset_ms = int(now_ms) - self._real_ms()
            self._frozen_at_ms = int(now_ms) if frozen else None
        return self.state()

    def restore(self) -> ClockState:
        """Back to real time, ticking."""
        with self._lock:
            self._offset_ms = 0
            self._frozen_at_ms = None
        return self.state()

    def state(self) -> ClockState:
        with self._lock:
            frozen = self._frozen_at_ms is not None
            offset = self._offset_ms
        return ClockState(now_ms=self.now_ms(), offset_ms=offset, frozen=frozen)
