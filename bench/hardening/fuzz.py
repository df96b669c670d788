"""The fuzz harness: Hypothesis-generated requests against one provider mock, judged.

The mock runs in this process on its own loop thread (the core's
:class:`~sealmail.mockservers.core.ServerThread`), reached over loopback with raw
HTTP/1.1 (:mod:`.wire`): as fast as aiohttp's test client, and free to send
what that client would refuse to. Every answer is judged:

- an answer arrives (no hang, no reset), and its status is below 500 unless a
  scripted fault asked for it (journal reason ``fault_injected``), on every route,
  the control API included; after each state-changing control call, a valid
  provider request is sent and judged too (a clock or fault the control API
  accepted must not turn into a later 5xx);
- nothing at ERROR level reaches the log (an unhandled exception, a
  ``mockservers`` "unhandled error", an asyncio task error), except aiohttp's own
  record of a request its HTTP parser refused, which is tallied apart;
- a request that reached the mock is in the journal with the status the caller
  got, and a rejection carries an internal reason;
- every error from the provider's routes (and the router's 404/405/413) is JSON
  in a shape the provider's ``render_error`` produces (:mod:`.shapes`);
- control API errors are ``{"error": ...}``;
- a request that never reached the app was refused by aiohttp's HTTP parser
  (400/413/414/431), the only layer below the mock.

``run_fuzz(provider_id, examples)`` raises :class:`FuzzFailure` (after Hypothesis
shrinks the request) on the first violation and returns a :class:`FuzzReport`.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Sequence
from urllib.parse import unquote_to_bytes

from aiohttp.http_exceptions import HttpProcessingError
from hypothesis import HealthCheck, Phase, given, settings

from sealmail.mockservers.core import MockHandle, ServerThread, create_app, get_provider
from sealmail.mockservers.core.journal import JournalEntry
from sealmail.mockservers.core.middleware import CONTROL_PREFIX

from .endpoints import Endpoint, control_endpoints, provider_endpoints
from .seeds import Seed, all_seeds, seed_summary
from .shapes import ErrorShape, control_shape_problems, error_shape
from .strategies import Context, FuzzRequest, from_seed, fuzz_requests
from .wire import NoReply, WireReply, exchange

FUZZ_SETTINGS: dict[str, Any] = {
    "max_body_bytes": 64 * 1024,
    "journal_capacity": 256,
    "message_capacity": 256,
}
"""Mock settings while fuzzing: a small body limit so "too large" is cheap to reach, small caps."""

PROTOCOL_STATUSES = frozenset({400, 413, 414, 431})
"""What aiohttp's HTTP parser answers, below the mock, to a request it cannot parse (on a mock: the provider's
400, journaled ``unparsable_request``, core/parse_errors.py; judged like any journaled answer)."""


CONTROL_PLAIN_STATUSES: frozenset[int] = frozenset()
"""Control API answers allowed to be something other than ``{"error": ...}`` JSON: none (issue 13:
no control-API output is ever non-JSON, unknown routes and wrong methods included)."""


class FuzzFailure(AssertionError):
    """A fuzzed request the mock answered wrongly."""


class LogWatch(logging.Handler):
    """Collects every WARNING-or-worse log record of the process while fuzzing."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.records: list[logging.LogRecord] = []
        self._lock = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        with self._lock:
            self.records.append(record)

    def mark(self) -> int:
        with self._lock:
            return len(self.records)

    def since(self, mark: int) -> list[logging.LogRecord]:
        with self._lock:
            return self.records[mark:]

    def __enter__(self) -> "LogWatch":
        logging.getLogger().addHandler(self)
        return self

    def __exit__(self, *exc: object) -> None:
        logging.getLogger().removeHandler(self)


def is_protocol_record(record: logging.LogRecord) -> bool:
    """aiohttp's note of a request its parser refused with 400 (handled, logged at ERROR)."""
    error = record.exc_info[1] if record.exc_info else None
    return record.name == "aiohttp.server" and isinstance(error, HttpProcessingError)


def describe_record(record: logging.LogRecord) -> str:
    error = record.exc_info[1] if record.exc_info else None
    cause = f" [{type(error).__name__}: {error}]" if error else ""
    return f"{record.levelname} {record.name}: {record.getMessage()}{cause}"


@dataclass
class Outcome:
    request: FuzzRequest
    reply: WireReply | None
    error: NoReply | None
    entry: JournalEntry | None
    records: list[logging.LogRecord]
    control: bool
    """Answered by the app without a journal entry: the ``/__mock__/`` control API."""
    reached_app: bool
    elapsed_s: float = 0.0

    @property
    def status(self) -> int | None:
        return self.reply.status if self.reply else None


@dataclass
class FuzzReport:
    """Counts of one provider's fuzz run (for ``make fuzz`` and the issue report)."""

    provider_id: str
    examples: int = 0
    control_examples: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    classes: Counter[str] = field(default_factory=Counter)
    reasons: Counter[str] = field(default_factory=Counter)
    answers: dict[str, Counter[str]] = field(default_factory=dict)
    """``"<status> <provider code>"`` -> the internal reasons seen behind that answer."""
    protocol: Counter[str] = field(default_factory=Counter)
    mutations: Counter[str] = field(default_factory=Counter)
    seeds: dict[str, Any] = field(default_factory=dict)
    endpoints: list[str] = field(default_factory=list)
    error_families: list[str] = field(default_factory=list)
    follow_ups: int = 0
    """Valid provider requests sent right after a state-changing control call (judged the same way)."""
    seconds: float = 0.0
    send_seconds: float = 0.0
    failure: str | None = None
    slowest: list[tuple[float, str]] = field(default_factory=list)

    def record(self, outcome: Outcome) -> None:
        if outcome.control:
            self.control_examples += 1
        else:
            self.examples += 1
        if outcome.reply is not None:
            self.statuses[outcome.reply.status] += 1
        self.send_seconds += outcome.elapsed_s
        if len(self.slowest) < 5 or outcome.elapsed_s > self.slowest[-1][0]:
            label = f"{outcome.status} {outcome.request.method} {outcome.request.target[:60]!r} {','.join(outcome.request.mutations)}"
            self.slowest = sorted(self.slowest + [(round(outcome.elapsed_s, 4), label)], reverse=True)[:5]
        for name in outcome.request.mutations:
            self.mutations[name.split(":", 1)[0]] += 1
        if outcome.entry is not None:
            self.classes["accepted" if outcome.entry.accepted else "rejected_by_mock"] += 1
            if outcome.entry.reason:
                self.reasons[outcome.entry.reason] += 1
            if not outcome.entry.accepted:
                answer = f"{outcome.entry.status} {outcome.entry.error_code}"
                self.answers.setdefault(answer, Counter())[outcome.entry.reason or "?"] += 1
        elif outcome.control:
            self.classes["control_api"] += 1
        elif outcome.reached_app:
            self.classes["refused_by_aiohttp_router"] += 1
            self.protocol[f"{outcome.reply.status if outcome.reply else None} before middleware (Expect)"] += 1
        elif outcome.reply is not None:
            self.classes["refused_by_http_parser"] += 1
            self.protocol[outcome.reply.body.decode("utf-8", "replace").splitlines()[0][:60] if outcome.reply.body else str(outcome.reply.status)] += 1

    def to_json(self) -> dict[str, Any]:
        return {
            "provider": self.provider_id,
            "examples": self.examples,
            "control_examples": self.control_examples,
            "follow_ups_after_control": self.follow_ups,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "classes": dict(self.classes),
            "reasons": dict(self.reasons.most_common()),
            "answers": {k: dict(v.most_common()) for k, v in sorted(self.answers.items())},
            "refused_by_http_parser": dict(self.protocol.most_common(20)),
            "mutations": dict(self.mutations.most_common()),
            "seeds": self.seeds,
            "endpoints": self.endpoints,
            "error_families": self.error_families,
            "seconds": round(self.seconds, 2),
            "send_seconds": round(self.send_seconds, 2),
            "slowest_requests": self.slowest,
            "failure": self.failure,
        }

    def summary(self) -> str:
        fives = sum(v for k, v in self.statuses.items() if k >= 500)
        return (
            f"{self.provider_id}: {self.examples} provider + {self.control_examples} control examples, "
            f"{fives} 5xx, accepted {self.classes['accepted']}, rejected by mock {self.classes['rejected_by_mock']}, "
            f"refused by HTTP parser {self.classes['refused_by_http_parser']}, {len(self.reasons)} distinct reasons"
        )


class FuzzTarget:
    """One provider mock on a private loop thread, plus everything needed to judge answers."""

    def __init__(self, provider_id: str, settings_: dict[str, Any] | None = None) -> None:
        self.provider = get_provider(provider_id)
        self.thread = ServerThread(name=f"fuzz-{provider_id}")
        app = create_app(self.provider, {**FUZZ_SETTINGS, **(settings_ or {})})
        self.app = app
        self.answered_by_app = 0
        app.on_response_prepare.append(self._count_app_answer)
        self.handle = MockHandle(self.thread.start(app))
        self.shape: ErrorShape = error_shape(self.provider)
        self.endpoints: list[Endpoint] = provider_endpoints(app)
        self.control: list[Endpoint] = control_endpoints(app)
        self.seeds: list[Seed] = all_seeds(self.handle)
        self.host = self.handle.url.split("//", 1)[1]
        """``127.0.0.1:<port>``: the Host header and the address to connect to."""
        self.logs = LogWatch()

    async def _count_app_answer(self, request: Any, response: Any) -> None:
        """Observe (never change) every answer the app itself gives; parser refusals never get here."""
        self.answered_by_app += 1

    def close(self) -> None:
        self.thread.stop()

    def __enter__(self) -> "FuzzTarget":
        self.logs.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.logs.__exit__()
        self.close()

    def context(self, control: bool = False) -> Context:
        if control:
            return Context(seeds=control_seeds(), endpoints=self.control, max_body_bytes=FUZZ_SETTINGS["max_body_bytes"])
        return Context(seeds=self.seeds, endpoints=self.endpoints, max_body_bytes=self.handle.state.config.max_body_bytes,
                       singleton_headers=tuple(self.provider.singleton_headers))

    def send(self, request: FuzzRequest, *, keep_state: bool = False) -> Outcome:
        """Send ``request`` on a fresh connection; ``keep_state``: leave the mock clock as it is."""
        state = self.handle.state
        if request.clock_ms is not None:
            state.clock.set_now(request.clock_ms, frozen=True)
        elif request.clock_offset_ms is not None:
            state.clock.offset(request.clock_offset_ms)
        elif not keep_state:
            state.clock.restore()
        before = state.journal.recorded
        answered_before = self.answered_by_app
        mark = self.logs.mark()
        host, _, port = self.host.rpartition(":")
        reply: WireReply | None = None
        error: NoReply | None = None
        started = time.perf_counter()
        try:
            reply = exchange(host, int(port), request.wire(self.host), request.method)
        except NoReply as failure:
            error = failure
        elapsed = time.perf_counter() - started
        entry = state.journal.entries()[-1] if state.journal.recorded > before else None
        reached_app = self.answered_by_app > answered_before
        control = entry is None and reached_app and _decoded_path(request).startswith(CONTROL_PREFIX.encode("ascii"))
        return Outcome(request, reply, error, entry, self.logs.since(mark), control, reached_app, elapsed)

    def judge(self, outcome: Outcome) -> list[str]:
        """Everything wrong with this answer (empty: fine)."""
        problems = [f"log: {describe_record(r)}" for r in outcome.records if r.levelno >= logging.ERROR and not is_protocol_record(r)]
        reply = outcome.reply
        if reply is None:
            assert outcome.error is not None
            return problems + [f"no answer ({outcome.error})"]
        head = outcome.request.method.upper() == "HEAD"
        if reply.status >= 500 and not scripted(outcome):
            problems.append(f"unscripted status {reply.status}: {reply.body[:300]!r}")
        if outcome.entry is not None:
            entry = outcome.entry
            if entry.status != reply.status:
                problems.append(f"journal says {entry.status}, caller got {reply.status}")
            if reply.status >= 400:
                if not entry.reason:
                    problems.append("rejection without an internal reason in the journal")
                if not head:
                    problems.extend(self._shape_problems(reply, control=False))
            elif not entry.accepted:
                problems.append(f"status {reply.status} but journal outcome {entry.outcome}")
        elif outcome.control:
            if reply.status >= 400 and not head and reply.content_type == "application/json":
                problems.extend(self._shape_problems(reply, control=True))
            elif reply.status >= 400 and reply.status not in CONTROL_PLAIN_STATUSES and not head:
                problems.append(f"control API answered {reply.status} {reply.content_type}")
        elif outcome.reached_app and reply.status == 417 and outcome.request.header("Expect") is not None:
            pass  # aiohttp's router refuses an Expect other than 100-continue before any middleware runs
        elif outcome.reached_app:
            problems.append(f"answered {reply.status} by the app without a journal entry, outside the control API")
        elif reply.status not in PROTOCOL_STATUSES:
            problems.append(f"answered {reply.status} below the app, not by aiohttp's HTTP parser")
        return problems

    def _shape_problems(self, reply: WireReply, *, control: bool) -> list[str]:
        if reply.content_type != "application/json":
            return [f"error Content-Type {reply.content_type!r}, not application/json"]
        try:
            body = json.loads(reply.body)
        except (ValueError, UnicodeDecodeError) as error:
            return [f"error body is not JSON ({error}): {reply.body[:200]!r}"]
        if control:
            return control_shape_problems(reply.status, body)
        return [f"error shape: {p}" for p in self.shape.problems(reply.status, body)]

    def follow_up_safe(self, outcome: Outcome) -> bool:
        """A control call that changed something, and left no fault that would only stall the next request."""
        if outcome.request.method.upper() in ("GET", "HEAD") or outcome.status is None or outcome.status >= 400:
            return False
        return all(rule.delay_ms <= 50 and not rule.drop for rule in self.handle.state.faults.pending())

    def after_control(self, outcome: Outcome) -> None:
        """Undo what a control request may have changed (faults, clock, provider state)."""
        state = self.handle.state
        state.faults.clear()
        state.clock.restore()
        if outcome.request.method.upper() not in ("GET", "HEAD") and outcome.status is not None and outcome.status < 400:
            state.reset()


def scripted(outcome: Outcome) -> bool:
    """A 5xx a fault asked for (journaled ``fault_injected``); any other 5xx is a bug, on every route."""
    return outcome.entry is not None and outcome.entry.reason == "fault_injected"


def control_seeds() -> list[Seed]:
    """Well-formed control API calls to start the control fuzz from."""
    json_headers = (("Content-Type", "application/json"),)
    return [
        Seed("control:faults", "POST", "/__mock__/faults", json_headers, b'{"status": 503, "times": 1, "path": "/nowhere"}'),
        Seed("control:faults-list", "POST", "/__mock__/faults", json_headers, b'{"faults": [{"delay_ms": 1, "path": "/nowhere"}]}'),
        Seed("control:clock", "POST", "/__mock__/clock", json_headers, b'{"offset_ms": 1000}'),
        # Values that were once accepted and broke later requests (issue 13): must now be refused.
        Seed("control:clock-far", "POST", "/__mock__/clock", json_headers, b'{"now_ms": 1000000000000000000, "frozen": true}'),
        Seed("control:clock-end", "POST", "/__mock__/clock", json_headers, b'{"now_ms": 253370764800000, "frozen": true}'),
        Seed("control:fault-retry", "POST", "/__mock__/faults", json_headers, b'{"status": 503, "retry_after": -5, "path": "/nowhere"}'),
        Seed("control:requests", "GET", "/__mock__/requests?outcome=rejected", (), b""),
        Seed("control:config", "GET", "/__mock__/config", (), b""),
    ]


def _decoded_path(request: FuzzRequest) -> bytes:
    target = request.target
    if target.startswith(b"http://") or target.startswith(b"https://"):
        target = b"/" + target.split(b"/", 3)[-1]
    return unquote_to_bytes(target.split(b"?", 1)[0])


def _settings(examples: int, derandomize: bool) -> settings:
    return settings(
        max_examples=examples,
        derandomize=derandomize,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=(Phase.explicit, Phase.generate, Phase.shrink),
        report_multiple_bugs=False,
    )


def run_fuzz(provider_id: str, examples: int, *, control_examples: int | None = None, derandomize: bool = False) -> FuzzReport:
    """Fuzz one provider: ``examples`` requests at its routes, then its control API.

    ``derandomize`` makes the run repeat exactly (what ``make test`` wants); ``make
    fuzz`` explores anew each time. Raises :class:`FuzzFailure` with the shrunk
    request and every problem found.
    """
    report = FuzzReport(provider_id)
    started = time.perf_counter()
    with FuzzTarget(provider_id) as target:
        report.seeds = seed_summary(target.seeds)
        report.endpoints = [f"{e.method} {e.template}" for e in target.endpoints]
        report.error_families = target.shape.describe()

        valid = [s for s in target.seeds if s.valid and s.clock_ms is None]

        def fail(problems: list[str], request: FuzzRequest, outcome: Outcome, note: str = "") -> None:
            entry = f"\n  journal: {outcome.entry.summary()}" if outcome.entry else ""
            failure = FuzzFailure(f"{provider_id}: {note}{'; '.join(problems)}\n  request: {request.describe()}{entry}")
            failure.report = report  # type: ignore[attr-defined]
            raise failure

        def check(request: FuzzRequest, control: bool) -> None:
            outcome = target.send(request, keep_state=control)
            report.record(outcome)
            problems = target.judge(outcome)
            if problems:
                fail(problems, request, outcome)
            if control and valid and target.follow_up_safe(outcome):
                # What a control call leaves behind (a clock, a fault, a key) must not make the
                # provider's own routes answer an unscripted 5xx: send a valid request after it.
                follow = from_seed(valid[report.control_examples % len(valid)])
                after = target.send(follow, keep_state=True)
                report.follow_ups += 1
                problems = target.judge(after)
                if problems:
                    fail(problems, follow, after, note=f"after control call {request.describe(200)}: ")
            if control:
                target.after_control(outcome)

        @_settings(examples, derandomize)
        @given(fuzz_requests(target.context()))
        def provider_routes(request: FuzzRequest) -> None:
            check(request, control=False)

        provider_routes()
        target.handle.state.reset()
        count = control_examples if control_examples is not None else max(10, examples // 10)
        if count and target.control:

            @_settings(count, derandomize)
            @given(fuzz_requests(target.context(control=True)))
            def control_routes(request: FuzzRequest) -> None:
                check(request, control=True)

            control_routes()
        late = [describe_record(r) for r in target.logs.records if r.levelno >= logging.ERROR and not is_protocol_record(r)]
        if late:
            raise FuzzFailure(f"{provider_id}: errors logged outside any single request: {late[:5]}")
    report.seconds = time.perf_counter() - started
    return report


def run_all(provider_ids: Sequence[str], examples: int) -> list[FuzzReport]:
    return [run_fuzz(p, examples) for p in provider_ids]
