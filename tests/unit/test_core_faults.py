"""Fault rules: parsing the control API's JSON, matching, and using up ``times``."""

from __future__ import annotations

from typing import Any

import pytest

from sealmail.mockservers.core import FaultRule
from sealmail.mockservers.core.faults import FaultPlan, FaultSpecError


def test_from_json_reads_every_field() -> None:
    rule = FaultRule.from_json(
        {"times": 2, "status": 503, "method": "post", "path": "/v6/*", "delay_ms": 5, "retry_after": 7}
    )
    assert rule.to_json() == {
        "times": 2, "status": 503, "method": "POST", "path": "/v6/*", "delay_ms": 5, "drop": False, "retry_after": 7,
    }


def test_from_json_defaults_to_one_plain_fault() -> None:
    assert FaultRule.from_json({}).to_json() == FaultRule().to_json()


@pytest.mark.parametrize(
    "spec",
    [
        pytest.param([], id="not-object"),
        pytest.param(None, id="null"),
        pytest.param({"stauts": 500}, id="unknown-field"),
        pytest.param({"times": 0}, id="times-zero"),
        pytest.param({"times": "1"}, id="times-string"),
        pytest.param({"times": True}, id="times-bool"),
        pytest.param({"status": 200}, id="status-success"),
        pytest.param({"status": 600}, id="status-too-high"),
        pytest.param({"status": 503.0}, id="status-float"),
        pytest.param({"delay_ms": -1}, id="delay-negative"),
        pytest.param({"delay_ms": 60_001}, id="delay-too-long"),
        pytest.param({"drop": True, "status": 500}, id="drop-and-status"),
        pytest.param({"drop": "yes"}, id="drop-not-bool"),
        pytest.param({"method": ""}, id="method-empty"),
        pytest.param({"path": 5}, id="path-not-string"),
    ],
)
def test_from_json_rejects_bad_specs(spec: Any) -> None:
    with pytest.raises(FaultSpecError):
        FaultRule.from_json(spec)


@pytest.mark.parametrize(
    "rule, method, path, expected",
    [
        (FaultRule(), "GET", "/anything", True),
        (FaultRule(method="POST"), "post", "/v6/mail/send", True),
        (FaultRule(method="post"), "POST", "/v6/mail/send", True),
        (FaultRule(method="POST"), "GET", "/v6/mail/send", False),
        (FaultRule(path="/v6/mail/send"), "POST", "/v6/mail/send", True),
        (FaultRule(path="/v6/mail/send"), "POST", "/v6/mail/sendx", False),
        (FaultRule(path="/v6/*"), "POST", "/v6/mail/send", True),
        (FaultRule(path="/v6/*"), "POST", "/v5/mail/send", False),
        (FaultRule(path="/v6/mail/sen?"), "POST", "/v6/mail/send", True),
        (FaultRule(path="/V6/*"), "POST", "/v6/mail/send", False),
    ],
)
def test_matching_by_method_and_path_glob(rule: FaultRule, method: str, path: str, expected: bool) -> None:
    rule.validate()  # normalises the method as the plan does
    assert rule.matches(method, path) is expected


def test_plan_uses_up_times_then_forgets_the_rule() -> None:
    plan = FaultPlan()
    plan.add(FaultRule(times=2, status=503))
    assert plan.take("POST", "/x") is not None
    assert plan.pending()[0].times == 1
    assert plan.take("POST", "/x") is not None
    assert plan.take("POST", "/x") is None
    assert plan.pending() == []


def test_plan_first_matching_rule_wins_and_others_wait() -> None:
    plan = FaultPlan()
    plan.add(FaultRule(status=500, path="/other"))
    plan.add(FaultRule(status=503, method="POST"))
    plan.add(FaultRule(status=429))
    first = plan.take("POST", "/v6/mail/send")
    assert first is not None and first.status == 503
    second = plan.take("POST", "/v6/mail/send")
    assert second is not None and second.status == 429
    assert [r.status for r in plan.pending()] == [500]


def test_pending_returns_copies() -> None:
    plan = FaultPlan()
    plan.add(FaultRule(times=3))
    plan.pending()[0].times = 99
    assert plan.pending()[0].times == 3


def test_plan_add_validates_and_clear_empties() -> None:
    plan = FaultPlan()
    with pytest.raises(FaultSpecError):
        plan.add(FaultRule(times=0))
    plan.add(FaultRule())
    plan.clear()
    assert plan.take("GET", "/") is None
