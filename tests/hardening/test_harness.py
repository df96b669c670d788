"""The hardening harness itself must catch what it claims to catch."""

from __future__ import annotations

import json

import pytest

from sealmail.mockservers.core.journal import JournalEntry

from bench.hardening.endpoints import provider_endpoints
from bench.hardening.fuzz import FuzzTarget, Outcome
from bench.hardening.seeds import profile_seeds
from bench.hardening.shapes import error_shape
from bench.hardening.strategies import FuzzRequest, from_seed
from bench.hardening.wire import WireReply
from bench.profiles import PROFILES, available_profiles, main_path
from sealmail.mockservers.core import Rejection, clock, providers


@pytest.mark.parametrize("provider_id", list(providers()))
def test_error_shape_fits_what_the_provider_renders_and_nothing_else(provider_id: str) -> None:
    provider = providers()[provider_id]
    shape = error_shape(provider)
    assert shape.kinds, "no error catalogue found"
    for kind in shape.kinds:
        rendered = provider.render_error(Rejection(kind, "x", field="f", detail="d"))
        assert shape.problems(rendered.status, rendered.body) == []
    sample = provider.render_error(provider.reject_status(400, "x")).body
    assert shape.problems(400, {**sample, "unexpected": 1})
    assert shape.problems(400, {"detail": "Bad Request"})
    assert shape.problems(400, [sample])
    first = next(iter(sample))
    assert shape.problems(400, {k: v for k, v in sample.items() if k != first})


@pytest.mark.parametrize("provider_id", list(available_profiles()))
def test_profile_requests_are_accepted_and_routed(provider_id: str) -> None:
    """Every profile's main-endpoint requests are valid for the mock (benchmarks and soak rely on it)."""
    with FuzzTarget(provider_id) as target:
        seeds = profile_seeds(target.handle, 3)
        assert seeds
        templates = {e.template for e in provider_endpoints(target.app)}
        assert main_path(PROFILES[provider_id].build(target.handle.config, 1)) in templates
        for seed in seeds:
            outcome = target.send(from_seed(seed))
            assert outcome.status is not None and 200 <= outcome.status < 300, target.handle.explain()
            assert target.judge(outcome) == []


def test_judge_flags_a_server_error_and_a_foreign_error_shape() -> None:
    with FuzzTarget("netcore-email") as target:
        seed = profile_seeds(target.handle, 1)[0]
        target.handle.fault(500)
        outcome = target.send(from_seed(seed))
        assert outcome.status == 500
        assert target.judge(outcome) == []  # scripted: the fault asked for it
        assert outcome.entry is not None
        relabelled = JournalEntry._from_record(outcome.entry._record())  # a copy (entries are rebuilt on read)
        relabelled.reason = "internal_error"
        unscripted = Outcome(outcome.request, outcome.reply, None, relabelled, [], False, True)
        assert any("unscripted status 500" in p for p in target.judge(unscripted))

        target.handle.fault(400)
        outcome = target.send(from_seed(seed))
        assert target.judge(outcome) == []
        assert outcome.reply is not None
        foreign = WireReply(400, {"content-type": "application/json"}, json.dumps({"success": False, "error": {}}).encode())
        wrong = Outcome(outcome.request, foreign, None, outcome.entry, [], False, True)
        assert any(p.startswith("error shape") for p in target.judge(wrong))


def test_judge_flags_a_control_api_5xx() -> None:
    with FuzzTarget("netcore-email") as target:
        request = FuzzRequest("GET", b"/__mock__/requests", (), b"")
        outcome = target.send(request)
        assert outcome.control and target.judge(outcome) == []
        broken = WireReply(500, {"content-type": "application/json"}, b'{"error": "boom"}')
        assert any("unscripted status 500" in p for p in target.judge(Outcome(request, broken, None, None, [], True, True)))


def test_a_control_call_that_breaks_later_requests_is_caught_by_the_follow_up(monkeypatch: pytest.MonkeyPatch) -> None:
    """Before issue 13, POST /__mock__/clock took now_ms=1e18, after which dates computed from it overflowed
    (autosend's contact timestamps, ncp-mailer's request ids): every later request answered 500."""
    monkeypatch.setattr(clock, "CLOCK_MAX_MS", 10**19)  # re-open the hole the range check closed
    with FuzzTarget("autosend") as target:
        valid = [s for s in target.seeds if s.valid and s.clock_ms is None]
        control = FuzzRequest("POST", b"/__mock__/clock", ((b"Content-Type", b"application/json"),),
                              b'{"now_ms": 1000000000000000000, "frozen": true}')
        outcome = target.send(control, keep_state=True)
        assert outcome.status == 200 and target.follow_up_safe(outcome)
        after = target.send(from_seed(valid[0]), keep_state=True)
        assert after.status == 500
        assert any("unscripted status 500" in p for p in target.judge(after))
        target.after_control(outcome)
        monkeypatch.undo()
        refused = target.send(control, keep_state=True)
        assert refused.status == 400 and not target.follow_up_safe(refused)


def test_judge_flags_a_request_the_journal_missed() -> None:
    with FuzzTarget("netcore-email") as target:
        seed = profile_seeds(target.handle, 1)[0]
        outcome = target.send(from_seed(seed))
        assert outcome.entry is not None
        unjournaled = Outcome(outcome.request, outcome.reply, None, None, [], False, True)
        assert any("without a journal entry" in p for p in target.judge(unjournaled))


def test_parser_refusals_are_told_apart_from_mock_answers() -> None:
    with FuzzTarget("netcore-email") as target:
        outcome = target.send(FuzzRequest("GET", b"/v6/mail/send", ((b"X-Bad", b"a\x00b"),), b""))
        assert outcome.status == 400 and not outcome.reached_app  # the parser's refusal, journaled (core/parse_errors.py)
        assert outcome.entry is not None and outcome.entry.reason == "unparsable_request"
        assert target.judge(outcome) == []
        routed = target.send(FuzzRequest("GET", b"/v6/mail/send", (), b""))
        assert routed.status == 405 and routed.entry is not None and routed.entry.reason == "method_not_allowed"
        assert target.judge(routed) == []
