"""The journal as text for people: grouped summaries and near misses.

Used by :class:`~sealmail.mockservers.core.handle.MockHandle` (``explain()``,
``assert_request``) and so by the plugin's failure report. pytest-httpserver's
``assert_request_made`` is the model: a failed expectation shows the requests
that came closest and, for each, which criterion it missed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from .control_schemas import OUTCOMES
from .journal import JournalEntry

NEAR_MISSES_SHOWN = 5
"""How many of the closest requests a failed ``assert_request`` lists."""


def filtered(entries: list[JournalEntry], *, outcome: str | None = None, path: str | None = None) -> list[JournalEntry]:
    """The entries with that outcome and that path (query string ignored), as ``requests(outcome=, path=)`` filter.

    ``ValueError`` for an outcome no entry can have: a typo would otherwise filter everything away,
    and an assertion that nothing was rejected would pass without looking.
    """
    check_outcome(outcome)
    return [e for e in entries if (outcome is None or e.outcome == outcome) and (path is None or e.path.split("?", 1)[0] == path)]


def check_outcome(outcome: str | None) -> None:
    """``ValueError`` unless ``outcome`` is None or one of :data:`OUTCOMES`."""
    if outcome is not None and outcome not in OUTCOMES:
        raise ValueError(f"outcome must be one of {', '.join(OUTCOMES)}, not {outcome[:40]!r}")


def explanation(subject: str, entries: list[JournalEntry], tail: str = "") -> str:
    """``<subject> journal (N request(s))<tail>:`` then one summarized line each; says so when empty."""
    if not entries:
        return f"{subject} journal is empty{tail}"
    return "\n".join([f"{subject} journal ({len(entries)} request(s)){tail}:", *("  " + line for line in summarize(entries))])


def summarize(entries: Iterable[JournalEntry]) -> list[str]:
    """One line per request, identical rejections folded into ``N x ...`` at their first place."""
    groups: dict[tuple[object, ...], list[JournalEntry]] = {}
    order: list[tuple[object, ...] | JournalEntry] = []
    for entry in entries:
        if entry.outcome != "rejected":
            order.append(entry)
            continue
        key = (entry.method, entry.path, entry.status, entry.reason, entry.field, entry.detail)
        if key not in groups:
            groups[key] = []
            order.append(key)
        groups[key].append(entry)
    lines = []
    for item in order:
        if isinstance(item, JournalEntry):
            lines.append(item.summary())
            continue
        same = groups[item]
        if len(same) == 1:
            lines.append(same[0].summary())
        else:
            first = same[0].summary().split(" ", 1)[1]  # without its "#id"
            lines.append(f"{len(same)} x {first} (#{same[0].id}..#{same[-1].id})")
    return lines


@dataclass(frozen=True)
class RequestCriteria:
    """What ``assert_request`` looks for; ``None`` matches anything."""

    method: str | None = None
    path: str | None = None
    outcome: str | None = "accepted"

    def mismatches(self, entry: JournalEntry) -> list[str]:
        """Why ``entry`` is not a match, one phrase per criterion it misses (empty: a match)."""
        missed = []
        if self.method is not None and entry.method != self.method.upper():
            missed.append(f"method {entry.method}, not {self.method.upper()}")
        if self.path is not None:
            sent = entry.path.split("?", 1)[0]
            if sent != self.path:
                missed.append(f"path {sent}, not {self.path}")
        if self.outcome is not None and entry.outcome != self.outcome:
            why = f" ({entry.reason}: {entry.detail})" if entry.reason and entry.detail else f" ({entry.reason})" if entry.reason else ""
            missed.append(f"{entry.outcome or 'unfinished'}{why}, not {self.outcome}")
        return missed

    def __str__(self) -> str:
        target = " ".join(x for x in (self.method.upper() if self.method else None, self.path) if x) or "any request"
        return f"{self.outcome} request for {target}" if self.outcome else f"request for {target}"


def near_misses(wanted: RequestCriteria, entries: list[JournalEntry], limit: int = NEAR_MISSES_SHOWN) -> str:
    """The requests closest to ``wanted`` (fewest missed criteria, newest first), each with why it missed."""
    if not entries:
        return "The journal is empty: the mock saw no request since the last reset."
    ranked = sorted(reversed(entries), key=lambda entry: len(wanted.mismatches(entry)))
    lines = [f"Closest of {len(entries)} request(s):"]
    for entry in ranked[:limit]:
        lines.append(f"  #{entry.id} {entry.method} {entry.path}: " + "; ".join(wanted.mismatches(entry)))
    if len(entries) > limit:
        lines.append(f"  ... and {len(entries) - limit} more (explain() lists them all)")
    return "\n".join(lines)
