"""Property runs: drive the user's client with generated payloads and check what the mock received.

``sealmail conformance run PROVIDER --client ... --properties N`` (and the pytest route's
``--conformance-properties N``) draws N payloads from :mod:`sealmail.conformance.strategies`, sends each
through the client's adapter method, and checks for every one, from the mock's journal and message
store, never from what the client says:

- the client call returned (did not raise or hang);
- the mock accepted every request the call made (a refusal is reported with the mock's reason);
- the payload the mock decrypted or received equals the payload the caller asked to send (a field-by-field
  diff when it does not);

and over the whole run, with the passive traffic rules (:mod:`sealmail.conformance.traffic`): fresh key,
IV, nonce and CEK every time, valid signatures and timestamps. A failing payload is shrunk by Hypothesis to
the smallest one that still fails. Runs are deterministic: the seed is printed and ``--seed`` changes it.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import datetime as dt
import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from hypothesis import HealthCheck, Phase, given, seed as hypothesis_seed, settings
from hypothesis import strategies as st

from sealmail.mockservers.core import MockHandle, MockPool

from . import strategies
from .clients.http import BlockingRunner
from .evidence import payload_diff
from .framework import STARTUP_TIMEOUT_S, ClientFactory, ClientTimeout, Suite, _close, _invoke, _invoke_within
from .traffic import check_traffic

DEFAULT_SEED = 20261130
"""The seed of a run that names none (printed in every report, so a failure can be replayed)."""

JOURNAL_BODY_LIMIT = 1 << 20
"""The property mocks keep whole bodies, so a payload can be compared byte for byte."""


@dataclass(frozen=True)
class Profile:
    """How one provider's property run sends a payload and reads back what the mock received."""

    strategy: Callable[[Mapping[str, Any]], st.SearchStrategy[Any]]
    """``strategy(mock_config)``: the payloads to draw."""
    send: Callable[[Any, Any], tuple[Callable[..., Any], tuple[Any, ...]]]
    """``send(client, example)`` -> the adapter method and its arguments."""
    sent: Callable[[Any, Mapping[str, Any]], Any]
    """``sent(example, mock_config)``: the JSON the mock should end up with."""
    received: Callable[[MockHandle], Any]
    """``received(mock)``: the JSON the mock did end up with."""


def _only_payload(mock: MockHandle) -> Any:
    payloads = mock.payloads()
    return payloads[0] if len(payloads) == 1 else payloads


def _request_json(mock: MockHandle) -> Any:
    bodies = [json.loads(e.body) for e in mock.requests() if e.method == "POST" and not e.body_truncated]
    return bodies[0] if len(bodies) == 1 else bodies


def _ce_sent(example: tuple[list[Any], int], config: Mapping[str, Any]) -> list[dict[str, Any]]:
    events, _ = example
    return [{"asset_id": config["asset"], "activity_name": e.name, "timestamp": e.occurred_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
             "identity": e.identity, "activity_source": e.source, "activity_params": e.params} for e in events]


def _sp_sent(message: Any, config: Mapping[str, Any]) -> dict[str, Any]:
    return {
        # An absent subject or body is stored as "" by the mock (FIDELITY stayprivate).
        "senderEmail": message.sender_email, "emailSubject": message.subject or "", "emailBody": message.body or "",
        "recipients": {"emailToList": list(message.to), "emailCcList": list(message.cc), "emailBccList": list(message.bcc)},
        "attachments": [{"fileName": a.file_name, "contentType": a.content_type, "size": len(a.data),
                         "sha256": hashlib.sha256(a.data).hexdigest(), "reqESignFlag": "Y" if a.esign else "N"}
                        for a in message.attachments],
    }


def _sp_received(mock: MockHandle) -> Any:
    payloads = mock.payloads()
    if len(payloads) != 1:
        return payloads
    got = payloads[0]
    return {
        "senderEmail": got.get("senderEmail"), "emailSubject": got.get("emailSubject"), "emailBody": got.get("emailBody"),
        "recipients": got.get("recipients"),
        "attachments": [{k: a.get(k) for k in ("fileName", "contentType", "size", "sha256", "reqESignFlag")}
                        for a in got.get("attachments", [])],
    }


PROFILES: dict[str, Profile] = {
    "netcore-email": Profile(lambda c: strategies.netcore_email_payloads(), lambda client, p: (client.send, (p,)),
                             lambda p, c: p, _only_payload),
    "autosend": Profile(lambda c: strategies.autosend_mails(), lambda client, m: (client.send_mail, (m,)),
                        lambda m, c: m, _only_payload),
    "ncp-mailer": Profile(lambda c: strategies.ncp_mailer_mails(), lambda client, m: (client.send, (m,)),
                          lambda m, c: m, _request_json),
    "netcore-ce": Profile(lambda c: st.tuples(strategies.netcore_ce_events(), st.sampled_from([11256, 11257, 11258])),
                          lambda client, ex: (client.upload, ex), _ce_sent, lambda mock: mock.payloads()),
    "stayprivate": Profile(lambda c: strategies.stayprivate_messages(c["sender_email"]), lambda client, m: (client.send_email, (m,)),
                           _sp_sent, _sp_received),
}


@dataclass
class PropertyReport:
    """What a property run found: the counts, the seed, and the smallest failing payload if any."""

    provider_id: str
    client: str
    seed: int
    examples: int = 0
    failure: str | None = None
    minimal_example: Any = None
    traffic_failures: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.failure is None and not self.traffic_failures

    def text(self) -> str:
        lines = [f"{self.provider_id} property run of {self.client}: {self.examples} payload(s), seed {self.seed}"]
        if self.failure is not None:
            lines += ["FAIL: " + self.failure, "smallest failing payload (shrunk by Hypothesis):",
                      "  " + _show(self.minimal_example)]
        lines += [f"FAIL over the run: {failure}" for failure in self.traffic_failures]
        if self.passed:
            lines.append("every payload arrived unchanged and accepted; keys, IVs and signatures fresh and valid")
        lines.append(f"replay with --seed {self.seed}")
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        return {"provider": self.provider_id, "client": self.client, "seed": self.seed, "examples": self.examples,
                "passed": self.passed, "failure": self.failure, "minimal_example": _jsonable(self.minimal_example),
                "traffic_failures": list(self.traffic_failures)}


class PropertyFailure(AssertionError):
    """One payload broke a property (raised inside the Hypothesis test so that it shrinks)."""


def run_properties(suite: Suite, factory: ClientFactory | None, examples: int, *, seed: int | None = None,
                   pool: MockPool | None = None, client_name: str | None = None) -> PropertyReport:
    """Drive ``factory``'s client with ``examples`` generated payloads; see the module docstring."""
    profile = PROFILES[suite.provider_id]
    factory = factory or suite.reference_factory
    report = PropertyReport(suite.provider_id, client_name or getattr(factory, "__qualname__", repr(factory)),
                            DEFAULT_SEED if seed is None else seed)
    own_pool = pool is None
    pool = pool or MockPool()
    runner = BlockingRunner()
    executor = concurrent.futures.ThreadPoolExecutor(max_workers=2, thread_name_prefix="sealmail-properties")
    mock = pool.acquire(suite.provider_id, journal_body_limit=JOURNAL_BODY_LIMIT)
    traffic: list[dict[str, Any]] = []
    last_failure: list[tuple[str, Any]] = []

    # One client for the whole run, as an application keeps one: caches (a JWKS) live across payloads.
    client = _invoke_within(STARTUP_TIMEOUT_S, runner, executor, factory, mock.url, mock.config)

    def one(example: Any) -> None:
        report.examples += 1
        mock.reset()
        method, args = profile.send(client, example)
        try:
            _invoke(runner, executor, method, *args)
            error = None
        except ClientTimeout as timeout:
            error = str(timeout)
        except Exception as raised:  # the client's own failure is the finding
            error = f"{type(raised).__name__}: {raised}"[:300]
        entries = mock.requests()
        traffic.extend(e.to_json() for e in entries)
        refused = [e for e in entries if not e.accepted]
        problem = None
        if refused:
            problem = "the mock refused it: " + "; ".join(e.summary() for e in refused[:3])
        elif error is not None:
            problem = f"the client raised {error}"
        else:
            expected, received = profile.sent(example, mock.config), profile.received(mock)
            if _canonical(expected) != _canonical(received):
                problem = "the mock received a different payload: " + json_diff(expected, received)
        if problem is not None:
            last_failure[:] = [(problem, example)]
            raise PropertyFailure(problem)

    test = settings(max_examples=examples, deadline=None, database=None, derandomize=False, print_blob=False,
                    phases=(Phase.generate, Phase.shrink),
                    suppress_health_check=list(HealthCheck))(given(profile.strategy(mock.config))(one))
    test = hypothesis_seed(report.seed)(test)
    try:
        test()
    except PropertyFailure:
        report.failure, report.minimal_example = last_failure[0]
    finally:
        _close(client, runner, executor)
        executor.shutdown(wait=False, cancel_futures=True)
        runner.close()
        if own_pool:
            pool.close()
    if report.failure is None:
        judged = check_traffic(suite.provider_id, traffic, mock.config, source="property run")
        report.traffic_failures = [f"{r.requirement.id}: {r.evidence}" for r in judged.failures()]
    return report


def json_diff(expected: Any, received: Any) -> str:
    """Where what the mock received differs from what was sent: ``subject: "Gr??e", expected "Grüße"``."""
    return "; ".join(payload_diff(_canonical(expected), _canonical(received))) or "(equal)"


def _canonical(value: Any) -> Any:
    return json.loads(json.dumps(_jsonable(value), sort_keys=True))


def _jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, bytes):
        return {"bytes": len(value), "sha256": hashlib.sha256(value).hexdigest()[:16]}
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return value


def _show(value: Any, limit: int = 300) -> str:
    """JSON for a report: readable Unicode, but invisible characters (U+0080, controls) escaped."""
    text = "".join(c if c.isprintable() or c == " " else json.dumps(c)[1:-1]
                   for c in json.dumps(_jsonable(value), ensure_ascii=False))
    return text if len(text) <= limit else text[:limit] + f"... ({len(text)} characters)"
