"""ncp-mailer business rules without HTTP: body validation, rendering, gateway timestamp and header rules."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from multidict import CIMultiDict, CIMultiDictProxy

from sealmail.mockservers.core import MockClock, Rejection
from sealmail.mockservers.crypto import ncp_signature
from sealmail.mockservers.providers.ncp_mailer import NcpMailerConfig, NcpMailerModel, spec
from sealmail.mockservers.providers.ncp_mailer.gateway import GatewayRules, authenticate
from sealmail.mockservers.providers.ncp_mailer.templates import fill, placeholders
from sealmail.mockservers.providers.ncp_mailer.validation import DraftRules, Template, is_mailer_address, parse_json, validate

NOW = 1_800_000_000_000

SEED_BODY: dict[str, Any] = json.loads(
    '{"senderAddress":"no_reply@company.com","title":"Hello, ${customer_name}. ","body":"Your grade has been changed from '
    '${BEFORE_GRADE} to ${AFTER_GRADE}.","recipients":[{"address":"hongildong@naver_.com","name":"Gildong Hong","type":"R",'
    '"parameters":{"customer_name":"Gildong Hong","BEFORE_GRADE":"SILVER","AFTER_GRADE":"GOLD"}},{"address":"chulsoo@daum_.net",'
    '"name":null,"type":"R","parameters":{"customer_name":"Chulsoo","BEFORE_GRADE":"BRONZE","AFTER_GRADE":"SILVER"}}],'
    '"individual":true,"advertising":false}'
)
"""The seed's createMailRequest example body, verbatim."""


def check(payload: Any, rules: DraftRules = DraftRules(), templates: dict[int, Template] | None = None):
    return validate(payload, templates=templates or {}, now_ms=NOW, rules=rules)


def rejection_of(payload: Any, **kwargs: Any) -> Rejection:
    with pytest.raises(Rejection) as caught:
        check(payload, **kwargs)
    return caught.value


def with_changes(**changes: Any) -> dict[str, Any]:
    body = copy.deepcopy(SEED_BODY)
    for key, value in changes.items():
        if value is _DROP:
            body.pop(key, None)
        else:
            body[key] = value
    return body


_DROP = object()


class TestSeedExample:
    def test_renders_one_mail_per_recipient_with_its_parameters(self) -> None:
        draft = check(SEED_BODY)
        assert [(m.title, m.body, [r.address for r in m.recipients]) for m in draft.mails] == [
            ("Hello, Gildong Hong. ", "Your grade has been changed from SILVER to GOLD.", ["hongildong@naver_.com"]),
            ("Hello, Chulsoo. ", "Your grade has been changed from BRONZE to SILVER.", ["chulsoo@daum_.net"]),
        ]
        assert draft.warnings == []

    def test_strict_addresses_reject_the_seeds_underscore_domains(self) -> None:
        rejection = rejection_of(SEED_BODY, rules=DraftRules(strict_addresses=True))
        assert rejection.reason == "recipient_address_invalid" and rejection.field == "recipients[0].address"
        assert rejection.kind == spec.BAD_REQUEST


@pytest.mark.parametrize(
    ("address", "ok"),
    [("a@b.co", True), ("hongildong@naver_.com", True), ("x.y+z@sub.domain-1.kr", True), ("no-at.example.com", False),
     ("a@nodot", False), ("a b@c.de", False), ("a@-bad.com", False), ("a@b..com", False), ("[email protected]", False),
     ("ünï@example.com", False), (123, False)],
)
def test_mailer_address_rule(address: Any, ok: bool) -> None:
    assert is_mailer_address(address) is ok


@pytest.mark.parametrize(
    ("changes", "reason", "field"),
    [
        ({"senderAddress": _DROP}, "sender_address_missing", "senderAddress"),
        ({"senderAddress": "nobody"}, "sender_address_invalid", "senderAddress"),
        ({"title": _DROP}, "title_missing", "title"),
        ({"body": 42}, "body_type", "body"),
        ({"title": "x" * 501}, "title_too_long", "title"),
        ({"body": "한" * 200_000}, "body_too_long", "body"),
        ({"senderName": "n" * 70}, "sender_name_too_long", "senderName"),
        ({"individual": "true"}, "individual_type", "individual"),
        ({"advertising": 1}, "advertising_type", "advertising"),
        ({"parameters": ["x"]}, "parameters_type", "parameters"),
        ({"parameters": {"a": None}}, "parameter_value_type", "parameters.a"),
        ({"parameters": {"a": True}}, "parameter_value_type", "parameters.a"),
        ({"recipients": []}, "recipients_missing", "recipients"),
        ({"recipients": _DROP}, "recipients_missing", "recipients"),
        ({"recipients": _DROP, "recipientGroupFilter": {"andFilter": True}}, "recipient_group_filter_unsupported", "recipientGroupFilter"),
        ({"recipients": ["a@b.co"]}, "recipient_type", "recipients[0]"),
        ({"recipients": [{"name": "x"}]}, "recipient_address_missing", "recipients[0].address"),
        ({"recipients": [{"address": "a@b.co", "type": "TO"}]}, "recipient_type_invalid", "recipients[0].type"),
        ({"recipients": [{"address": "a@b.co", "name": 5}]}, "recipient_name_type", "recipients[0].name"),
        ({"recipients": [{"address": "a@b.co", "parameters": {"k": {}}}]}, "parameter_value_type", "recipients[0].parameters.k"),
        ({"recipients": [{"address": f"c{i}@b.co", "type": "C"} for i in range(31)]}, "recipients_type_c_too_many", "recipients"),
        ({"recipients": [{"address": f"b{i}@b.co", "type": "B"} for i in range(31)]}, "recipients_type_b_too_many", "recipients"),
        ({"reservationUtc": NOW - 1}, "reservation_in_past", "reservationUtc"),
        ({"reservationUtc": "tomorrow"}, "reservation_utc_type", "reservationUtc"),
        ({"reservationDateTime": "2030/01/01 10:00"}, "reservation_datetime_format", "reservationDateTime"),
        ({"reservationDateTime": "2001-01-01 10:00"}, "reservation_in_past", "reservationDateTime"),
        ({"templateSid": "7"}, "template_sid_type", "templateSid"),
        ({"attachFileIds": "f"}, "attach_file_ids_type", "attachFileIds"),
        ({"referencesHeader": 5}, "references_header_type", "referencesHeader"),
    ],
)
def test_bad_request_bodies(changes: dict[str, Any], reason: str, field: str) -> None:
    rejection = rejection_of(with_changes(**changes))
    assert (rejection.kind, rejection.reason, rejection.field) == (spec.BAD_REQUEST, reason, field)


@pytest.mark.parametrize(
    ("changes", "reason"),
    [({"templateSid": 99}, "template_unknown"), ({"attachFileIds": ["f-1"]}, "attach_file_unknown")],
)
def test_unknown_resources_are_77103(changes: dict[str, Any], reason: str) -> None:
    rejection = rejection_of(with_changes(**changes))
    assert (rejection.kind, rejection.reason) == (spec.RESOURCE_NOT_FOUND, reason)


@pytest.mark.parametrize("payload", [[], "text", 3, None])
def test_body_must_be_an_object(payload: Any) -> None:
    assert rejection_of(payload).reason == "body_not_object"


@pytest.mark.parametrize(("raw", "reason"), [(b"\xff{}", "body_not_utf8"), (b"{", "body_not_json"), (b"[" * 100_000, "body_too_deep")])
def test_parse_json_failures(raw: bytes, reason: str) -> None:
    with pytest.raises(Rejection) as caught:
        parse_json(raw)
    assert caught.value.reason in {reason, "body_not_json"}


def test_general_delivery_is_one_mail_with_request_parameters() -> None:
    draft = check(with_changes(individual=False, parameters={"customer_name": "All", "BEFORE_GRADE": "A", "AFTER_GRADE": "B"}))
    assert len(draft.mails) == 1
    assert [r.address for r in draft.mails[0].recipients] == ["hongildong@naver_.com", "chulsoo@daum_.net"]
    assert draft.mails[0].title == "Hello, All. "
    assert "recipient_parameters_ignored:individual_false" in draft.warnings


def test_recipient_parameters_override_request_parameters() -> None:
    body = with_changes(parameters={"customer_name": "Default", "extra": "E"}, title="${customer_name} ${extra}")
    assert [m.title for m in check(body).mails] == ["Gildong Hong E", "Chulsoo E"]


@pytest.mark.parametrize(("policy", "title"), [("keep", "Hi ${nobody}"), ("empty", "Hi ")])
def test_missing_parameter_policies(policy: str, title: str) -> None:
    draft = check(with_changes(title="Hi ${nobody}"), rules=DraftRules(missing_parameter=policy))  # type: ignore[arg-type]
    assert draft.mails[0].title == title and draft.mails[0].unfilled == ("nobody",)
    assert "unfilled_placeholders:nobody" in draft.warnings


def test_missing_parameter_reject() -> None:
    rejection = rejection_of(with_changes(title="Hi ${nobody}"), rules=DraftRules(missing_parameter="reject"))
    assert rejection.reason == "parameter_missing"


def test_template_fills_title_and_body_and_sender() -> None:
    template = Template(7, "grade", "T ${customer_name}", "B ${AFTER_GRADE}", sender_address="t@x.co")
    draft = check(with_changes(templateSid=7, title=_DROP, body=_DROP, senderAddress=_DROP), templates={7: template})
    assert [(m.title, m.body) for m in draft.mails] == [("T Gildong Hong", "B GOLD"), ("T Chulsoo", "B SILVER")]
    assert draft.sender_address == "t@x.co"


def test_reservations_kst_and_utc() -> None:
    assert check(with_changes(reservationUtc=NOW + 60_000)).reservation_ms == NOW + 60_000
    # 2030-01-01 09:00 KST is 2030-01-01 00:00 UTC.
    assert check(with_changes(reservationDateTime="2030-01-01 09:00")).reservation_ms == 1_893_456_000_000
    both = check(with_changes(reservationUtc=NOW + 1, reservationDateTime="2030-01-01 09:00"))
    assert both.reservation_ms == NOW + 1 and "reservationDateTime_ignored:reservationUtc_given" in both.warnings


def test_unknown_fields_and_default_type_are_warnings() -> None:
    draft = check(with_changes(color="red", recipients=[{"address": "a@b.co", "mood": "ok"}]))
    assert draft.mails[0].recipients[0].type == "R"
    assert set(draft.warnings) >= {"unknown_field:color", "unknown_field:recipients[0].mood", "recipient_type_defaulted:recipients[0]"}


def test_fill_is_single_pass() -> None:
    filled = fill("${a} and ${b}", {"a": "${b}", "b": "B"})
    assert filled.text == "${b} and B" and filled.missing == ()
    assert placeholders("${x}${y} ${x} $x {y} ${ z}") == ["x", "y"]


# --- gateway ---------------------------------------------------------------------------------
class Lookup:
    def __init__(self, secret: str = "s3cret", key: str = "AK") -> None:
        self.model = NcpMailerModel(NcpMailerConfig(access_key=key, secret_key=secret), MockClock())

    def credential(self, access_key: str):
        return self.model.credential(access_key)


def headers_for(method: str, uri: str, timestamp: str, *, key: str = "AK", secret: str = "s3cret", **extra: str) -> CIMultiDictProxy[str]:
    values = CIMultiDict({spec.HEADER_TIMESTAMP: timestamp, spec.HEADER_ACCESS_KEY: key,
                          spec.HEADER_SIGNATURE: ncp_signature.sign(secret, method, uri, timestamp, key)})
    for name, value in extra.items():
        values[name.replace("_", "-")] = value
    return CIMultiDictProxy(values)


def auth_reason(headers: CIMultiDictProxy[str], uri: str = "/api/v1/mails", now: int = NOW, rules: GatewayRules = GatewayRules()) -> str | None:
    try:
        authenticate(headers, "POST", uri, now, Lookup(), rules)
    except Rejection as rejection:
        assert rejection.kind == spec.GW_AUTH_FAILED
        return rejection.reason
    return None


@pytest.mark.parametrize(
    ("offset", "reason"),
    [(0, None), (300_000, None), (-300_000, None), (300_001, "timestamp_expired"), (-300_001, "timestamp_future"),
     (3_600_000, "timestamp_expired")],
)
def test_timestamp_window_both_directions(offset: int, reason: str | None) -> None:
    stamp = str(NOW - offset)
    assert auth_reason(headers_for("POST", "/api/v1/mails", stamp)) == reason


@pytest.mark.parametrize(("stamp", "reason"), [(str(NOW // 1000), "timestamp_in_seconds"), ("17e11", "timestamp_malformed"),
                                               ("-1", "timestamp_malformed"), ("１２３", "timestamp_malformed"), ("9" * 30, "timestamp_malformed")])
def test_timestamp_format(stamp: str, reason: str) -> None:
    assert auth_reason(headers_for("POST", "/api/v1/mails", stamp)) == reason


def test_header_rules() -> None:
    good = headers_for("POST", "/api/v1/mails", str(NOW))
    for name in (spec.HEADER_TIMESTAMP, spec.HEADER_ACCESS_KEY, spec.HEADER_SIGNATURE):
        partial = CIMultiDict(good)
        del partial[name]
        assert auth_reason(CIMultiDictProxy(partial)) == "header_missing"
    doubled = CIMultiDict(good)
    doubled.add(spec.HEADER_TIMESTAMP.upper(), str(NOW))
    assert auth_reason(CIMultiDictProxy(doubled)) == "header_repeated"
    v1 = CIMultiDict(good)
    v1[spec.HEADER_SIGNATURE_V1] = v1.pop(spec.HEADER_SIGNATURE)
    assert auth_reason(CIMultiDictProxy(v1)) == "signature_v1_header"
    assert auth_reason(CIMultiDictProxy(v1), rules=GatewayRules(accept_v1_signature_header=True)) is None
    assert auth_reason(headers_for("POST", "/api/v1/mails", str(NOW), key="OTHER")) == "access_key_unknown"
    assert auth_reason(headers_for("POST", "/api/v1/mails", str(NOW), secret="wrong")) == "signature_mismatch"


def test_signed_uri_setting_for_a_lone_question_mark() -> None:
    signed_with = headers_for("POST", "/api/v1/mails?", str(NOW))
    signed_without = headers_for("POST", "/api/v1/mails", str(NOW))
    assert auth_reason(signed_with, uri="/api/v1/mails?") is None
    assert auth_reason(signed_without, uri="/api/v1/mails?") == "signature_mismatch"
    strip = GatewayRules(signed_uri="strip_empty_query")
    assert auth_reason(signed_without, uri="/api/v1/mails?", rules=strip) is None
    assert auth_reason(signed_with, uri="/api/v1/mails?", rules=strip) == "signature_mismatch"
