"""The ``*-RETRY-BOUNDED`` judge: growth of the gaps, not an absolute floor a slow machine's round trip clears."""

from __future__ import annotations

import itertools
import random

import pytest

from sealmail.conformance.retries import MAX_ATTEMPTS, judge_retries


def verdict(gaps_ms: list[int]) -> tuple[bool | None, str]:
    arrivals = list(itertools.accumulate([1_000_000, *gaps_ms]))
    (only,) = judge_retries("X-RETRY-BOUNDED", arrivals)
    return only.passed, only.evidence


def test_no_request_and_no_retry() -> None:
    (none,) = judge_retries("X-RETRY-BOUNDED", [])
    assert none.passed is None and "no request" in none.evidence
    assert verdict([]) == (True, "does not retry 5xx")


@pytest.mark.parametrize("gaps", [[13, 14, 13, 14], [25, 24, 27, 26], [200, 200, 200]])
def test_a_constant_pace_fails_whatever_the_round_trip(gaps: list[int]) -> None:
    """A Java client without backoff on a loaded machine (8-14 ms gaps) passed the old 10 ms floor."""
    passed, evidence = verdict(gaps)
    assert passed is False and "constant pace" in evidence, evidence


def test_immediate_retries_and_too_many_attempts_fail() -> None:
    assert verdict([2, 3, 2])[0] is False
    assert "retries without backoff" in verdict([2, 3, 2])[1]
    too_many = verdict([50, 100, 200, 400, 800])
    assert too_many[0] is False and f"more than {MAX_ATTEMPTS}" in too_many[1]


def test_a_shrinking_delay_fails() -> None:
    passed, evidence = verdict([500, 600, 100])
    assert passed is False and "shrinking" in evidence


@pytest.mark.parametrize("gaps", [[50, 100], [20, 40], [100, 200, 400, 800], [60]])
def test_exponential_backoff_and_a_single_delayed_retry_pass(gaps: list[int]) -> None:
    assert verdict(gaps)[0] is True


def test_full_jitter_exponential_backoff_passes_almost_always() -> None:
    """AWS-style full jitter, base 100 ms: each delay uniform in [0, 100 * 2**n), plus a 5 ms round trip."""
    rng = random.Random(20261130)
    outcomes = [verdict([5 + int(rng.uniform(0, 100 * 2**n)) for n in range(4)])[0] for _ in range(2000)]
    assert outcomes.count(True) / len(outcomes) > 0.97  # 98.5% measured: a drawn shrink past 60 ms or no growth fails


def _measured(*rounds: list[int]) -> tuple[bool | None, str, int]:
    """``judge_measured_retries`` over arrival times given per round; how many rounds it measured."""
    from sealmail.conformance.retries import judge_measured_retries

    given = iter(rounds)
    used: list[list[int]] = []

    def measure() -> list[int]:
        used.append(next(given))
        return used[-1]

    (verdict,) = judge_measured_retries("X-RETRY-BOUNDED", measure)
    return verdict.passed, verdict.evidence, len(used)


def test_a_growing_backoff_is_measured_once() -> None:
    assert _measured([0, 50, 150])[0::2] == (True, 1)


def test_a_first_gap_a_slow_wake_up_stretched_is_measured_again() -> None:
    """Seen under load: a 50 then 100 ms backoff arrived with gaps [704, 64] ms."""
    passed, evidence, rounds = _measured([0, 704, 768], [0, 52, 153])
    assert passed is True and rounds == 2 and "smallest gaps of 2 rounds" in evidence


def test_delays_that_do_not_grow_fail_in_every_round() -> None:
    constant = _measured([0, 20, 40], [0, 21, 41], [0, 20, 41])
    assert constant[0] is False and constant[2] == 3 and "constant pace" in constant[1]
    shrinking = _measured([0, 500, 550], [0, 510, 560], [0, 505, 570])
    assert shrinking[0] is False and shrinking[2] == 3


def test_too_many_attempts_or_no_delay_at_all_are_not_measured_again() -> None:
    assert _measured([0, 50, 150, 350, 750, 1550])[0::2] == (False, 1)
    assert _measured([0, 1, 2, 3])[0::2] == (False, 1)
