"""Passive conformance: judge the traffic already in a mock's journal.

A user runs their own app or end-to-end tests, in any language, against ``sealmail serve`` (or a pytest
fixture), then asks which requirements that traffic met. Nothing is sent to the client: every verdict
comes from the journal entries the mock recorded (``GET /__mock__/requests``), in their public JSON shape,
so the same code judges a live server and an in-process handle.

Each provider declares :class:`TrafficRules`:

- ``reasons``: the mock's own journal reasons mapped to the requirement a rejection with that reason breaks
  (the mock already diagnoses every refused request precisely);
- ``judges``: functions over the whole traffic for what no single rejection shows (a reused IV, a JWKS
  fetched before every request, a non-UTF-8 HMAC key...), each yielding verdicts with the request ids that
  decided them;
- requirements in neither are reported "not evaluated", with the ``sealmail conformance run`` command
  whose scripted scenario evaluates them (retries after a 5xx, a refresh after an unknown kid, ...).

A requirement judged from traffic passes when at least one request was relevant and none broke it; it is
"not evaluated" when no relevant request was seen.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..framework import Report, Requirement, RequirementResult, Verdict, get_suite

Entry = Mapping[str, Any]
"""One journal entry in its public JSON shape (``MockHandle.requests()[i].to_json()`` or ``GET /__mock__/requests``)."""



@dataclass(frozen=True)
class Traffic:
    """What a judge sees: every journal entry, the client's API calls among them, and the mock's config."""

    entries: Sequence[Entry]
    api_calls: Sequence[Entry]
    config: Mapping[str, Any]


Judge = Callable[[Traffic], Iterable[Verdict]]
"""``judge(traffic)``: verdicts over the whole traffic."""

MAX_IDS_SHOWN = 8


@dataclass(frozen=True)
class TrafficRules:
    """How one provider's traffic is judged."""

    provider_id: str
    is_api_call: Callable[[Entry], bool]
    """Which journal entries are the client's calls to judge (not JWKS fetches, not stray paths)."""
    reasons: Mapping[str, str]
    """Journal reason -> the requirement a request rejected for it breaks."""
    judges: Sequence[Judge] = ()
    judged_by_traffic: frozenset[str] = field(default_factory=frozenset)
    """Requirements traffic can decide (those named in ``reasons`` are added automatically)."""
    refine: Callable[[Entry], str | None] | None = None
    """The requirement an entry breaks when the mock's after-the-answer diagnosis says more than its reason
    (None: ``reasons`` decides)."""

    def evaluable(self) -> frozenset[str]:
        return self.judged_by_traffic | frozenset(self.reasons.values())


def header(entry: Entry, name: str) -> str | None:
    """Case-insensitive header of a journal entry (``None`` when absent)."""
    wanted = name.lower()
    for key, value in (entry.get("headers") or {}).items():
        if key.lower() == wanted:
            return str(value)
    return None


def request_ids(entries: Iterable[Entry]) -> str:
    """``#3, #7, #9 (+2 more)``: the requests that decided a verdict."""
    ids = [f"#{e.get('id')}" for e in entries]
    shown = ", ".join(ids[:MAX_IDS_SHOWN])
    return shown + (f" (+{len(ids) - MAX_IDS_SHOWN} more)" if len(ids) > MAX_IDS_SHOWN else "")


def repeated(entries: Sequence[Entry], value_of: Callable[[Entry], str | None]) -> dict[str, list[Entry]]:
    """Values that occur in more than one entry, with the entries that carry them."""
    seen: dict[str, list[Entry]] = {}
    for entry in entries:
        value = value_of(entry)
        if value:
            seen.setdefault(value, []).append(entry)
    return {value: group for value, group in seen.items() if len(group) > 1}


def freshness_verdict(requirement_id: str, what: str, entries: Sequence[Entry], value_of: Callable[[Entry], str | None]) -> Verdict | None:
    """Fail when any value (an IV, a key, a nonce) appears in two requests; pass over two or more requests."""
    carrying = [e for e in entries if value_of(e)]
    if len(carrying) < 2:
        return None  # freshness needs at least two requests to judge
    reused = repeated(carrying, value_of)
    if reused:
        groups = "; ".join(f"{request_ids(group)} share one {what}" for group in list(reused.values())[:3])
        return Verdict(requirement_id, False, f"{what} reused: {groups}")
    return Verdict(requirement_id, True, f"{len(carrying)} requests, {len(carrying)} distinct {what}s")


def rules_for(provider_id: str) -> TrafficRules:
    """The traffic rules of ``provider_id`` (``KeyError`` when it has none)."""
    module_name = f"{__name__}.{provider_id.replace('-', '_')}"
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        if error.name != module_name:
            raise
        raise KeyError(f"no traffic rules for {provider_id!r}") from None
    rules: TrafficRules = module.RULES
    return rules


def check_traffic(provider_id: str, entries: Sequence[Entry], config: Mapping[str, Any], *, source: str = "traffic") -> Report:
    """Judge ``entries`` (journal entries, oldest first) against ``provider_id``'s requirements."""
    suite = get_suite(provider_id)
    rules = rules_for(provider_id)
    api_calls = [e for e in entries if rules.is_api_call(e)]
    verdicts: dict[str, list[Verdict]] = {r.id: [] for r in suite.requirements}
    broken: dict[str, list[Entry]] = {}
    for entry in api_calls:
        requirement_id = (rules.refine(entry) if rules.refine else None) or rules.reasons.get(str(entry.get("reason") or ""))
        if requirement_id is not None:
            broken.setdefault(requirement_id, []).append(entry)
    for requirement_id, culprits in broken.items():
        first = culprits[0]
        detail = f": {first.get('detail')}" if first.get("detail") else ""
        verdicts[requirement_id].append(
            Verdict(requirement_id, False, f"{request_ids(culprits)} refused as {first.get('reason')}{detail}"))
    traffic = Traffic(entries, api_calls, config)
    for judge in rules.judges:
        for verdict in judge(traffic):
            verdicts[verdict.requirement_id].append(verdict)
    evaluable = rules.evaluable()
    results = [_result(r, verdicts[r.id], r.id in evaluable, api_calls, provider_id) for r in suite.requirements]
    return Report(provider_id, source, results)


def _result(requirement: Requirement, verdicts: list[Verdict], evaluable: bool, api_calls: Sequence[Entry], provider_id: str) -> RequirementResult:
    if not evaluable:
        return RequirementResult(requirement, None, (
            "needs a scripted scenario, not judged from traffic: "
            f"sealmail conformance run {provider_id} --client MODULE:FACTORY (or --client-cmd 'COMMAND')"))
    for verdict in verdicts:
        if verdict.passed is False:
            return RequirementResult(requirement, False, verdict.evidence)
    decided = [v for v in verdicts if v.passed]
    if decided:
        return RequirementResult(requirement, True, decided[0].evidence)
    if not api_calls:
        return RequirementResult(requirement, None, "no request to judge: the journal holds no API call")
    accepted = [e for e in api_calls if e.get("outcome") == "accepted"]
    if not accepted:
        # The mock stops at a request's first fault, so a refused request says nothing of the later rules.
        return RequirementResult(requirement, None, f"no accepted request showed it ({request_ids(api_calls)} were all refused earlier)")
    return RequirementResult(requirement, True, f"accepted requests {request_ids(accepted)} met it; none was refused for it")
