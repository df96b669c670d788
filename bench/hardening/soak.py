"""The soak: concurrent clients against every provider mock at once, with faults, for a bounded time.

    python -m bench.hardening.soak --seconds 60 [--json bench/soak-results.json]

Every registered provider with a profile (:mod:`bench.profiles`) is served on
one loop thread in this process (as the pytest fixtures do). Client workers on
this thread's event loop send the profile's valid requests, one in ten cut in
half (always invalid), each tagged with a unique ``X-Sealmail-Soak`` id. A fault
task scripts errors (503, 429 + Retry-After), delays and dropped connections
through each mock's control API (``POST /__mock__/faults``). Every journal commit
and every message-store addition of this run's mocks is observed as it happens
(the real methods run, then the entry is queued), and a checker drains the queues
every ``sample_interval_s`` (also reading journals and stores as the control API
does, concurrently with the writers) and checks, request by request, while the
caps evict old entries:

- the journal accounts for every request: each soak id appears exactly once,
  with the status the client saw (a dropped connection as ``fault_drop``), and
  ``recorded == attempts``, ``kept + evicted == recorded``;
- nothing accepted is lost: every message id of every accepted journal entry
  was added to the message store (its ``added`` count moved for it), and
  ``kept + evicted == added``;
- no invalid request was accepted; every scripted fault was used or is still pending;
- memory is flat after warm-up (once every journal and store is full);
- every mock still answers ``GET /__mock__/health`` at the end, and nothing was
  logged at ERROR.

Client bookkeeping is verified and dropped as the checker goes, so it does not
grow with the run and the memory figure is the mocks'.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import dataclasses
import json
import logging
import random
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import aiohttp

from sealmail.mockservers.core import MockHandle, ServerThread, create_app, get_provider
from sealmail.mockservers.core.journal import JournalEntry
from sealmail.mockservers.core.store import StoredMessage

from ..profiles import PreparedRequest, available_profiles, missing_profiles
from .fuzz import LogWatch, describe_record, is_protocol_record

SOAK_HEADER = "X-Sealmail-Soak"
DROPPED = -1
"""Client-side outcome of a request whose connection closed without an answer."""

FAULTS: tuple[dict[str, Any], ...] = (
    {"status": 503, "times": 2},
    {"status": 429, "times": 1, "retry_after": 1},
    {"status": 500, "times": 1},
    {"delay_ms": 50, "times": 3},
    {"drop": True, "times": 1},
)
"""What the fault task scripts, in turn, through the control API."""


@dataclass(frozen=True)
class SoakSettings:
    seconds: float = 60.0
    clients_per_provider: int = 4
    journal_capacity: int = 2000
    message_capacity: int = 2000
    distinct_requests: int = 1000
    invalid_every: int = 10
    fault_interval_s: float = 0.25
    sample_interval_s: float = 0.1
    warmup_fraction: float = 0.25
    memory_growth_limit_kib: int = 16 * 1024
    """Allowed RSS growth after warm-up (allocator noise; a leak of 1 KiB/request would be ~50 MiB/min)."""
    min_attempts: int = 0
    """Each provider's clients keep going past ``seconds`` until they made this many requests (at most
    ``overtime_s`` longer): a short run on a loaded machine still fills its caps."""
    overtime_s: float = 60.0

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class EntryView:
    """What the soak needs of a journal entry, kept after the journal evicts it."""

    id: int
    status: int | None
    reason: str | None
    accepted: bool
    message_ids: tuple[str, ...]


@dataclass
class ProviderSoak:
    """One provider's run: counters, pending client outcomes, problems."""

    provider_id: str
    handle: MockHandle
    valid: list[PreparedRequest]
    invalid: list[PreparedRequest]
    attempts: int = 0
    client_statuses: dict[int, int] = field(default_factory=dict)
    pending: dict[int, tuple[int, bool]] = field(default_factory=dict)
    """soak id -> (client status or DROPPED, request was invalid), until the sampler sees its entry."""
    early: dict[int, "EntryView"] = field(default_factory=dict)
    """soak id -> journal entry seen before its client finished (bounded by in-flight requests)."""
    seen: bytearray = field(default_factory=lambda: bytearray(1 << 21))
    journal_seen: int = 0
    accepted_seen: int = 0
    messages_seen: int = 0
    awaiting_messages: dict[int, list[str]] = field(default_factory=dict)
    """journal entry id -> message ids not yet seen in the store."""
    stored: set[tuple[int, str]] = field(default_factory=set)
    """(journal entry id, message id) seen in the store before their journal entry (bounded by in-flight work)."""
    committed: collections.deque[JournalEntry] = field(default_factory=collections.deque)
    """Entries as the journal commits them (appended on the server thread, drained by the checker)."""
    added: collections.deque[StoredMessage] = field(default_factory=collections.deque)
    """Messages the store really added (its ``added`` count moved), appended on the server thread."""
    not_stored: int = 0
    """``store.add`` calls after which the store's ``added`` count did not move (a lost message)."""
    faults_injected: int = 0
    faults_used: int = 0
    problems: list[str] = field(default_factory=list)

    def problem(self, text: str) -> None:
        if len(self.problems) < 50:
            self.problems.append(text)


class Soak:
    def __init__(self, settings: SoakSettings, provider_ids: Sequence[str] | None = None) -> None:
        self.settings = settings
        self.thread = ServerThread(name="soak-mocks")
        self.providers: list[ProviderSoak] = []
        for provider_id, profile in available_profiles(provider_ids).items():
            caps = capacity_settings(get_provider(provider_id).config_type, settings)
            app = create_app(provider_id, {**profile.settings, **caps})
            handle = MockHandle(self.thread.start(app))
            valid = profile.build(handle.config, settings.distinct_requests)
            handle.reset()  # building may have asked the mock (a JWKS fetch): start the count at zero
            invalid = [PreparedRequest(r.method, r.path, r.headers, r.body[: len(r.body) // 2]) for r in valid[:50]]
            soak = ProviderSoak(provider_id, handle, valid, invalid)
            observe(soak)
            self.providers.append(soak)
        self.rss: list[tuple[float, int]] = []
        self.warm_at: float | None = None
        self.started = 0.0
        self.clients_left = 0
        self.logs = LogWatch()
        self.health: dict[str, int | str] = {}

    # --- clients ---------------------------------------------------------------------------
    async def worker(self, soak: ProviderSoak, session: aiohttp.ClientSession, slot: int, deadline: float) -> None:
        try:
            await self._requests(soak, session, slot, deadline)
        finally:
            self.clients_left -= 1

    def _running(self, deadline: float) -> bool:
        """Until the deadline, and on while clients make up ``min_attempts`` (faults and samples go on with them)."""
        return time.monotonic() < deadline or self.clients_left > 0

    async def _requests(self, soak: ProviderSoak, session: aiohttp.ClientSession, slot: int, deadline: float) -> None:
        rng = random.Random(slot)
        overtime = deadline + self.settings.overtime_s
        while (now := time.monotonic()) < deadline or (soak.attempts < self.settings.min_attempts and now < overtime):
            soak.attempts += 1
            soak_id = soak.attempts
            invalid = soak_id % self.settings.invalid_every == 0
            request = rng.choice(soak.invalid if invalid else soak.valid)
            headers = {**request.headers, SOAK_HEADER: str(soak_id)}
            try:
                async with session.request(request.method, soak.handle.url + request.path, data=request.body, headers=headers) as response:
                    await response.read()
                    status = response.status
            except (aiohttp.ClientError, asyncio.TimeoutError):
                status = DROPPED
            soak.client_statuses[status] = soak.client_statuses.get(status, 0) + 1
            soak.pending[soak_id] = (status, invalid)

    async def faults(self, session: aiohttp.ClientSession, deadline: float) -> None:
        turn = 0
        while self._running(deadline):
            soak = self.providers[turn % len(self.providers)]
            rule = FAULTS[(turn // len(self.providers)) % len(FAULTS)]
            async with session.post(soak.handle.url + "/__mock__/faults", json=rule) as response:
                if response.status != 200:
                    soak.problem(f"control API refused fault {rule}: {response.status} {await response.text()}")
                else:
                    soak.faults_injected += rule["times"]
            turn += 1
            await asyncio.sleep(self.settings.fault_interval_s)

    async def sampler(self, deadline: float) -> None:
        while self._running(deadline):
            self.sample()
            await asyncio.sleep(self.settings.sample_interval_s)

    # --- checking ----------------------------------------------------------------------------
    def sample(self) -> None:
        """Check what the mocks committed and stored since the last call; read the journals and
        stores as the control API would (concurrent readers); record RSS and the warm-up point."""
        now = time.monotonic() - self.started
        for soak in self.providers:
            self._take_messages(soak)
            self._take_journal(soak)
            soak.handle.state.journal.entries()
            soak.handle.state.store.messages()
        self.settle()
        self.rss.append((round(now, 3), _rss_kib()))
        if self.warm_at is None and now >= self.settings.seconds * self.settings.warmup_fraction and all(
            p.handle.state.journal.evicted and p.handle.state.store.evicted for p in self.providers
        ):
            self.warm_at = now

    def _take_messages(self, soak: ProviderSoak) -> None:
        while soak.added:
            message = soak.added.popleft()
            soak.messages_seen += 1
            waiting = soak.awaiting_messages.get(message.request_id)
            if waiting is not None and message.message_id in waiting:
                waiting.remove(message.message_id)
                if not waiting:
                    del soak.awaiting_messages[message.request_id]
            else:
                soak.stored.add((message.request_id, message.message_id))

    def _take_journal(self, soak: ProviderSoak) -> None:
        while soak.committed:
            self._check_entry(soak, soak.committed.popleft())

    def _check_entry(self, soak: ProviderSoak, entry: JournalEntry) -> None:
        soak.journal_seen += 1
        raw = entry.headers.get(SOAK_HEADER)
        if raw is None or not raw.isdigit():
            soak.problem(f"journal entry #{entry.id} carries no soak id: {entry.summary()}")
            return
        soak_id = int(raw)
        if soak.seen[soak_id]:
            soak.problem(f"soak id {soak_id} journaled twice (#{entry.id})")
            return
        soak.seen[soak_id] = 1
        if "fault" in entry.details:
            soak.faults_used += 1
        view = EntryView(entry.id, entry.status, entry.reason, entry.accepted, tuple(entry.message_ids))
        client = soak.pending.pop(soak_id, None)
        if client is None:
            # Journaled before its client finished reading the answer: matched at a later sample.
            soak.early[soak_id] = view
        else:
            self._match(soak, soak_id, view, client)

    def _match(self, soak: ProviderSoak, soak_id: int, view: "EntryView", client: tuple[int, bool]) -> None:
        client_status, invalid = client
        if client_status == DROPPED:
            if view.reason != "fault_drop":
                soak.problem(f"request {soak_id}: connection dropped but journal says {view.status} {view.reason}")
        elif view.status != client_status:
            soak.problem(f"request {soak_id}: client got {client_status}, journal says {view.status} ({view.reason})")
        if invalid and view.accepted:
            soak.problem(f"request {soak_id}: a truncated (invalid) body was accepted")
        if view.accepted:
            soak.accepted_seen += 1
            if not view.message_ids:
                soak.problem(f"accepted request {soak_id} (#{view.id}) stored no message")
            missing = [m for m in view.message_ids if (view.id, m) not in soak.stored]
            for message_id in view.message_ids:
                soak.stored.discard((view.id, message_id))
            if missing:
                soak.awaiting_messages[view.id] = missing

    def settle(self) -> None:
        """Match entries journaled before their client had finished with that client's outcome."""
        for soak in self.providers:
            for soak_id in [i for i in soak.early if i in soak.pending]:
                self._match(soak, soak_id, soak.early.pop(soak_id), soak.pending.pop(soak_id))

    # --- the run -------------------------------------------------------------------------------
    async def run_async(self) -> None:
        self.started = time.monotonic()
        deadline = self.started + self.settings.seconds
        timeout = aiohttp.ClientTimeout(total=15)
        async with aiohttp.ClientSession(timeout=timeout) as control:
            sessions = [aiohttp.ClientSession(timeout=timeout, connector=aiohttp.TCPConnector(limit=self.settings.clients_per_provider))
                        for _ in self.providers]
            try:
                tasks = [
                    self.worker(soak, session, slot, deadline)
                    for soak, session in zip(self.providers, sessions)
                    for slot in range(self.settings.clients_per_provider)
                ]
                self.clients_left = len(tasks)
                await asyncio.gather(self.sampler(deadline), self.faults(control, deadline), *tasks)
            finally:
                for session in sessions:
                    await session.close()
            self.sample()
            for soak in self.providers:
                try:
                    async with control.get(soak.handle.url + "/__mock__/health") as response:
                        self.health[soak.provider_id] = response.status
                except aiohttp.ClientError as error:
                    self.health[soak.provider_id] = f"{type(error).__name__}: {error}"

    def run(self) -> "SoakReport":
        with self.logs:
            try:
                asyncio.run(self.run_async())
            finally:
                self.thread.stop()
        return self.report()

    def report(self) -> "SoakReport":
        report = SoakReport(self.settings, missing_profiles=missing_profiles())
        for soak in self.providers:
            state = soak.handle.state
            journal, store = state.journal, state.store
            pending_faults = sum(rule.times for rule in state.faults.pending())
            problems = list(soak.problems)
            if journal.recorded != soak.attempts:
                problems.append(f"journal recorded {journal.recorded} requests, clients made {soak.attempts}")
            if len(journal) + journal.evicted != journal.recorded:
                problems.append(f"journal kept {len(journal)} + evicted {journal.evicted} != recorded {journal.recorded}")
            if soak.journal_seen != journal.recorded:
                problems.append(f"the journal committed {soak.journal_seen} entries but counts {journal.recorded}")
            if soak.not_stored:
                problems.append(f"{soak.not_stored} message(s) handed to the store were not added (lost)")
            if soak.pending:
                problems.append(f"{len(soak.pending)} request(s) never found in the journal, e.g. soak ids {sorted(soak.pending)[:5]}")
            if soak.early:
                problems.append(f"{len(soak.early)} journal entries whose client never finished, e.g. soak ids {sorted(soak.early)[:5]}")
            if soak.awaiting_messages:
                lost = sum(len(v) for v in soak.awaiting_messages.values())
                problems.append(f"{lost} accepted message(s) never seen in the store (lost), e.g. entries {list(soak.awaiting_messages)[:5]}")
            if soak.stored:
                problems.append(f"{len(soak.stored)} stored message(s) with no accepted journal entry")
            if len(store) + store.evicted != store.added:
                problems.append(f"store kept {len(store)} + evicted {store.evicted} != added {store.added}")
            if soak.faults_used + pending_faults != soak.faults_injected:
                problems.append(f"faults: injected {soak.faults_injected}, used {soak.faults_used}, pending {pending_faults}")
            accepted_clients = sum(n for s, n in soak.client_statuses.items() if 200 <= s < 300)
            if accepted_clients != soak.accepted_seen:
                problems.append(f"clients saw {accepted_clients} accepted answers, journal {soak.accepted_seen}")
            if self.health.get(soak.provider_id) != 200:
                problems.append(f"health at the end: {self.health.get(soak.provider_id)}")
            report.providers.append({
                "provider": soak.provider_id,
                "attempts": soak.attempts,
                "client_statuses": {("dropped" if s == DROPPED else str(s)): n for s, n in sorted(soak.client_statuses.items())},
                "accepted": soak.accepted_seen,
                "journal": {"recorded": journal.recorded, "kept": len(journal), "evicted": journal.evicted},
                "store": {"added": store.added, "kept": len(store), "evicted": store.evicted, "observed": soak.messages_seen},
                "faults": {"injected": soak.faults_injected, "used": soak.faults_used, "pending": pending_faults},
                "health": self.health.get(soak.provider_id),
                "problems": problems,
            })
        report.rss_kib = self.rss
        report.warm_at_s = self.warm_at
        report.logged_errors = [describe_record(r) for r in self.logs.records if r.levelno >= logging.ERROR and not is_protocol_record(r)][:20]
        return report


@dataclass
class SoakReport:
    settings: SoakSettings
    providers: list[dict[str, Any]] = field(default_factory=list)
    rss_kib: list[tuple[float, int]] = field(default_factory=list)
    warm_at_s: float | None = None
    logged_errors: list[str] = field(default_factory=list)
    missing_profiles: list[str] = field(default_factory=list)

    @property
    def memory(self) -> dict[str, Any]:
        if self.warm_at_s is None or not self.rss_kib:
            return {"warm_at_s": None, "note": "caps never filled: no warm-up point"}
        after = [rss for t, rss in self.rss_kib if t >= self.warm_at_s]
        base = after[0]
        return {
            "warm_at_s": self.warm_at_s,
            "rss_at_warm_kib": base,
            "rss_max_after_kib": max(after),
            "rss_end_kib": after[-1],
            "growth_kib": max(after) - base,
            "limit_kib": self.settings.memory_growth_limit_kib,
            "samples": len(after),
        }

    @property
    def problems(self) -> list[str]:
        found = [f"{p['provider']}: {text}" for p in self.providers for text in p["problems"]]
        memory = self.memory
        if memory.get("warm_at_s") is None:
            found.append("memory: the caps never filled, so flatness after warm-up was not measured")
        elif memory["growth_kib"] > self.settings.memory_growth_limit_kib:
            found.append(f"memory grew {memory['growth_kib']} KiB after warm-up (limit {self.settings.memory_growth_limit_kib})")
        found.extend(f"log: {text}" for text in self.logged_errors)
        if not self.providers:
            found.append("no provider with a profile to soak")
        return found

    def to_json(self) -> dict[str, Any]:
        return {
            "settings": self.settings.to_json(),
            "providers": self.providers,
            "memory": self.memory,
            "rss_kib": self.rss_kib,
            "logged_errors": self.logged_errors,
            "missing_profiles": self.missing_profiles,
            "problems": self.problems,
        }

    def table(self) -> str:
        lines = [f"{'provider':14} {'requests':>9} {'accepted':>9} {'dropped':>8} {'journal rec/evict':>18} {'store add/evict':>16} {'faults inj/used':>16} health"]
        for p in self.providers:
            lines.append(
                f"{p['provider']:14} {p['attempts']:>9} {p['accepted']:>9} {p['client_statuses'].get('dropped', 0):>8} "
                f"{p['journal']['recorded']:>9}/{p['journal']['evicted']:<8} {p['store']['added']:>8}/{p['store']['evicted']:<7} "
                f"{p['faults']['injected']:>8}/{p['faults']['used']:<7} {p['health']}"
            )
        memory = self.memory
        if memory.get("warm_at_s") is not None:
            lines.append(f"memory: warm at {memory['warm_at_s']}s, RSS {memory['rss_at_warm_kib']} KiB, max after {memory['rss_max_after_kib']} KiB "
                         f"(growth {memory['growth_kib']} KiB, limit {memory['limit_kib']})")
        if self.missing_profiles:
            lines.append(f"not soaked (no profile): {', '.join(self.missing_profiles)}")
        lines.append("problems: " + ("none" if not self.problems else "\n  " + "\n  ".join(self.problems)))
        return "\n".join(lines)


def capacity_settings(config_type: type, settings: SoakSettings) -> dict[str, int]:
    """Every ``*_capacity`` setting of the provider (journal, messages, and its own stores such as
    stayprivate's ``email_capacity``) at the soak's size, so that warm-up ends when all are full."""
    caps = {"journal_capacity": settings.journal_capacity, "message_capacity": settings.message_capacity}
    for item in dataclasses.fields(config_type):
        if item.name.endswith("_capacity") and item.name not in caps:
            caps[item.name] = settings.message_capacity
    return caps


def observe(soak: ProviderSoak) -> None:
    """Watch one mock's journal commits and store additions as they happen (on the server thread).

    Instrumentation of this run's instances only: each call goes through to the real method, then
    the entry or message is queued for the checker. Nothing is missed however fast the caps evict.
    """
    journal, store = soak.handle.state.journal, soak.handle.state.store
    commit, add = journal.commit, store.add

    def observed_commit(entry: JournalEntry) -> None:
        commit(entry)
        soak.committed.append(entry)

    def observed_add(message: StoredMessage) -> None:
        before = store.added
        add(message)
        if store.added == before + 1:
            soak.added.append(message)
        else:
            soak.not_stored += 1

    journal.commit = observed_commit  # type: ignore[method-assign]
    store.add = observed_add  # type: ignore[method-assign]


def _rss_kib() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def run_soak(settings: SoakSettings, provider_ids: Sequence[str] | None = None) -> SoakReport:
    return Soak(settings, provider_ids).run()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.hardening.soak")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--clients", type=int, default=4, help="concurrent clients per provider")
    parser.add_argument("--provider", action="append", help="only these providers (default: every one with a profile)")
    parser.add_argument("--json", type=Path, help="write the report here")
    args = parser.parse_args(argv)
    report = run_soak(SoakSettings(seconds=args.seconds, clients_per_provider=args.clients), args.provider)
    print(report.table())
    if args.json:
        args.json.write_text(json.dumps(report.to_json(), indent=2) + "\n", encoding="utf-8")
    return 1 if report.problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
