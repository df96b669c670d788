"""The mock clock: offsets, absolute jumps, freezing, restore."""

from __future__ import annotations

import time

from sealmail.mockservers.core import MockClock


def _real_ms() -> int:
    return time.time_ns() // 1_000_000


def test_default_clock_is_real_time() -> None:
    clock = MockClock()
    before = _real_ms()
    now = clock.now_ms()
    after = _real_ms()
    assert before <= now <= after
    assert clock.state().offset_ms == 0 and not clock.state().frozen


def test_offset_moves_the_clock_and_keeps_it_ticking() -> None:
    clock = MockClock()
    state = clock.offset(-301_000)
    before = _real_ms()
    now = clock.now_ms()
    after = _real_ms()
    assert before - 301_000 <= now <= after - 301_000
    assert (state.offset_ms, state.frozen) == (-301_000, False)


def test_set_now_frozen_stays_put() -> None:
    clock = MockClock()
    state = clock.set_now(1_700_000_000_000, frozen=True)
    assert state.to_json() == {"now_ms": 1_700_000_000_000, "offset_ms": state.offset_ms, "frozen": True}
    first = clock.now_ms()
    time.sleep(0.002)  # real time must pass for "frozen" to mean anything
    assert clock.now_ms() == first == 1_700_000_000_000
    assert clock.now_s() == 1_700_000_000.0


def test_set_now_unfrozen_ticks_on_from_there() -> None:
    clock = MockClock()
    before = _real_ms()
    clock.set_now(1_000_000_000_000)
    now = clock.now_ms()
    elapsed = _real_ms() - before
    assert 1_000_000_000_000 <= now <= 1_000_000_000_000 + elapsed + 1


def test_offset_frozen_freezes_at_the_offset_time() -> None:
    clock = MockClock()
    before = _real_ms()
    clock.offset(10_000, frozen=True)
    after = _real_ms()
    frozen_at = clock.now_ms()
    assert before + 10_000 <= frozen_at <= after + 10_000
    time.sleep(0.002)
    assert clock.now_ms() == frozen_at


def test_restore_returns_to_real_time() -> None:
    clock = MockClock()
    clock.set_now(5, frozen=True)
    state = clock.restore()
    assert (state.offset_ms, state.frozen) == (0, False)
    before = _real_ms()
    now = clock.now_ms()
    assert before <= now <= _real_ms()
