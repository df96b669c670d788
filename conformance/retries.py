"""How a ``*-RETRY-BOUNDED`` requirement is judged from the arrival times of a client's attempts.

The suites script six 503s and look at when the attempts reached the mock. A gap between two
arrivals is the client's own round trip plus whatever delay it chose, and the round trip depends on
the machine: a Java client without any backoff showed gaps of 8-14 ms on a loaded machine, which an
absolute floor alone (was 10 ms) passed half of the time. So "growing delays" is judged by the gaps
against each other: a later gap must exceed the first by :data:`MIN_GROWTH_MS`, which no constant
round trip does, while exponential backoff (with or without jitter) clears it by far.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from .framework import Verdict, failed, not_evaluated, passed

MAX_ATTEMPTS = 5
"""More attempts than this after a 5xx is not a bounded retry."""
MIN_BACKOFF_MS = 10
"""Gaps all shorter than this are retries with no delay at all, whatever the machine (one short gap
is fine: full-jitter backoff draws delays near zero now and then)."""
MIN_GROWTH_MS = 10
"""With three or more attempts, the longest later gap exceeds the first by this much (delays that grow)."""
JITTER_MS = 60
"""Arrival gaps jitter by tens of ms on a loaded machine: only a clearly shrinking backoff counts as shrinking."""
ROUNDS = 3
"""Measurements of a retry sequence whose gaps read as not growing, before :func:`judge_measured_retries` says so."""


def judge_retries(requirement_id: str, arrivals_ms: Sequence[int]) -> Iterator[Verdict]:
    """The verdict on attempts that arrived at ``arrivals_ms`` (mock clock, oldest first) after scripted 503s."""
    if not arrivals_ms:
        yield not_evaluated(requirement_id, "the client sent no request, so there was nothing to retry")
        return
    if len(arrivals_ms) == 1:
        yield passed(requirement_id, "does not retry 5xx")
        return
    gaps = [later - earlier for earlier, later in zip(arrivals_ms, arrivals_ms[1:])]
    if len(arrivals_ms) > MAX_ATTEMPTS:
        yield failed(requirement_id, f"{len(arrivals_ms)} attempts after 503s (more than {MAX_ATTEMPTS})")
    elif max(gaps) < MIN_BACKOFF_MS:
        yield failed(requirement_id, f"retries without backoff: gaps {gaps} ms (every retry within {MIN_BACKOFF_MS} ms)")
    elif len(gaps) > 1 and max(gaps[1:]) < gaps[0] + MIN_GROWTH_MS:
        yield failed(requirement_id, f"retries at a constant pace: gaps {gaps} ms never grow by {MIN_GROWTH_MS} ms "
                                     "past the first (no backoff, or a fixed delay; the delay should grow, e.g. double)")
    elif gaps[-1] + JITTER_MS < gaps[0]:
        yield failed(requirement_id, f"retries with a shrinking delay: gaps {gaps} ms")
    else:
        yield passed(requirement_id, f"{len(arrivals_ms)} attempts, gaps {gaps} ms")


def judge_measured_retries(requirement_id: str, measure: Callable[[], Sequence[int]]) -> Iterator[Verdict]:
    """Like :func:`judge_retries`; ``measure()`` scripts the 503s, lets the client send once and returns that round's arrivals.

    Noise only lengthens a gap (the answer leaves after the attempt is journaled, the client sleeps after
    reading it), and on a loaded machine one slow wake-up stretched a 50 ms backoff's first gap to 704 ms
    ([704, 64] ms for 50 then 100 ms). A sequence that reads as constant or shrinking is therefore measured
    again, up to :data:`ROUNDS` times, and judged on each position's smallest gap: a client whose delays do
    not grow shows it in every round, a stretched gap does not come back.
    """
    rounds = [list(measure())]
    arrivals = rounds[0]
    while _not_growing(arrivals) and len(rounds) < ROUNDS:
        again = list(measure())
        if len(again) != len(rounds[0]):  # another number of attempts: judge what was measured so far
            break
        rounds.append(again)
        arrivals = _least_gaps(rounds)
    for verdict in judge_retries(requirement_id, arrivals):
        if len(rounds) > 1:
            verdict = Verdict(verdict.requirement_id, verdict.passed,
                              f"{verdict.evidence} (smallest gaps of {len(rounds)} rounds, arrivals {rounds} ms)")
        yield verdict


def _not_growing(arrivals: Sequence[int]) -> bool:
    """A verdict that a stretched gap can cause: constant pace or shrinking (not the count, not the floor)."""
    gaps = [later - earlier for earlier, later in zip(arrivals, arrivals[1:])]
    if not MAX_ATTEMPTS >= len(arrivals) > 2 or max(gaps) < MIN_BACKOFF_MS:
        return False
    return max(gaps[1:]) < gaps[0] + MIN_GROWTH_MS or gaps[-1] + JITTER_MS < gaps[0]


def _least_gaps(rounds: list[list[int]]) -> list[int]:
    """Arrivals rebuilt from each position's smallest gap over the rounds."""
    gaps = [min(later - earlier for earlier, later in pair) for pair in zip(*(zip(r, r[1:]) for r in rounds))]
    arrivals = [0]
    for gap in gaps:
        arrivals.append(arrivals[-1] + gap)
    return arrivals
