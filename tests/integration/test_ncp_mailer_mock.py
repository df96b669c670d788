"""The ncp-mailer mock over HTTP: gateway checks, the mailer API, errors, languages, control API.

Requests go out through ``http.client`` so the request line is exactly what
each test signs.
"""

from __future__ import annotations

import copy
import http.client
import json
from typing import Any
from urllib.parse import urlsplit

import pytest

from sealmail.mockservers.core import MockHandle
from sealmail.mockservers.crypto import ncp_signature
from sealmail.mockservers.providers.ncp_mailer import spec

from ..unit.test_ncp_mailer_rules import SEED_BODY


class Reply:
    def __init__(self, status: int, raw: bytes) -> None:
        self.status = status
        self.raw = raw
        try:
            self.json: Any = json.loads(raw)
        except ValueError:
            self.json = None

    @property
    def code(self) -> str | None:
        return self.json["error"]["errorCode"] if isinstance(self.json, dict) and "error" in self.json else None

    def __repr__(self) -> str:
        return f"<Reply {self.status} {self.raw[:200]!r}>"


def call(mock: MockHandle, method: str, target: str, *, body: Any = None, sign: bool = True, timestamp: str | None = None,
         access_key: str | None = None, secret: str | None = None, signed_target: str | None = None,
         headers: dict[str, str] | None = None, content_type: str | None = "application/json") -> Reply:
    """Send ``method target`` with gateway headers signed over ``signed_target`` (default: ``target``)."""
    parts = urlsplit(mock.url)
    sent: dict[str, str] = {}
    if body is not None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        if content_type:
            sent["Content-Type"] = content_type
    else:
        data = None
    if sign:
        stamp = timestamp or str(mock.now_ms())
        key = access_key or mock.config["access_key"]
        sent.update({
            spec.HEADER_TIMESTAMP: stamp,
            spec.HEADER_ACCESS_KEY: key,
            spec.HEADER_SIGNATURE: ncp_signature.sign(secret or mock.config["secret_key"], method, signed_target or target, stamp, key),
        })
    sent.update(headers or {})
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        connection.request(method, target, body=data, headers=sent)
        response = connection.getresponse()
        return Reply(response.status, response.read())
    finally:
        connection.close()


def last(mock: MockHandle):
    return mock.requests()[-1]


# --- the gateway ------------------------------------------------------------------------------
def test_seed_example_is_accepted_and_rendered(ncp_mailer_mock: MockHandle) -> None:
    reply = call(ncp_mailer_mock, "POST", "/api/v1/mails", body=SEED_BODY)
    assert reply.status == 201 and reply.json["count"] == 2 and len(reply.json["requestId"]) == 20
    payloads = ncp_mailer_mock.payloads()
    assert [p["title"] for p in payloads] == ["Hello, Gildong Hong. ", "Hello, Chulsoo. "]
    assert [p["recipients"][0]["address"] for p in payloads] == ["hongildong@naver_.com", "chulsoo@daum_.net"]
    entry = last(ncp_mailer_mock)
    assert entry.details["signature_check"] == "ok" and entry.message_ids == [p["mailId"] for p in payloads]


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [
        ({"sign": False}, "header_missing"),
        ({"secret": "not-the-secret"}, "signature_mismatch"),
        ({"access_key": "UNKNOWNKEY"}, "access_key_unknown"),
        ({"timestamp": "1000"}, "timestamp_expired"),
        ({"timestamp": "abc"}, "timestamp_malformed"),
        ({"signed_target": "/api/v1/mails?"}, "signature_mismatch"),
    ],
)
def test_gateway_failures_look_the_same_to_the_caller(ncp_mailer_mock: MockHandle, kwargs: dict[str, Any], reason: str) -> None:
    reply = call(ncp_mailer_mock, "POST", "/api/v1/mails", body=SEED_BODY, **kwargs)
    assert reply.status == 401
    assert reply.json == {"error": {"errorCode": "200", "message": "Authentication Failed", "details": spec.GATEWAY_DETAILS}}
    assert last(ncp_mailer_mock).reason == reason
    assert ncp_mailer_mock.messages() == []


def test_signature_diagnosis_goes_to_the_journal_only(ncp_mailer_mock: MockHandle) -> None:
    stamp = str(ncp_mailer_mock.now_ms())
    key, secret = ncp_mailer_mock.config["access_key"], ncp_mailer_mock.config["secret_key"]
    raw = ncp_signature.raw_signature(secret, "GET", "/api/v1/mails/1", stamp, key)
    reply = call(ncp_mailer_mock, "GET", "/api/v1/mails/1", sign=False,
                 headers={spec.HEADER_TIMESTAMP: stamp, spec.HEADER_ACCESS_KEY: key, spec.HEADER_SIGNATURE: raw.hex()})
    assert reply.status == 401 and b"hex" not in reply.raw
    assert "hex HMAC" in (last(ncp_mailer_mock).detail or "")


def test_timestamp_window_follows_the_mock_clock(ncp_mailer_mock: MockHandle) -> None:
    stamp = 1_700_000_000_000
    for offset, status in ((300_000, 201), (-300_000, 201), (300_001, 401), (-300_001, 401)):
        ncp_mailer_mock.clock(now_ms=stamp + offset, frozen=True)
        assert call(ncp_mailer_mock, "POST", "/api/v1/mails", body=SEED_BODY, timestamp=str(stamp)).status == status, offset
    reasons = [e.reason for e in ncp_mailer_mock.requests()]
    assert reasons == [None, None, "timestamp_expired", "timestamp_future"]


def test_seconds_instead_of_milliseconds_has_its_own_journal_reason(ncp_mailer_mock: MockHandle) -> None:
    reply = call(ncp_mailer_mock, "POST", "/api/v1/mails", body=SEED_BODY, timestamp=str(ncp_mailer_mock.now_ms() // 1000))
    assert reply.status == 401 and last(ncp_mailer_mock).reason == "timestamp_in_seconds"


def test_mixed_case_headers_and_whole_second_timestamps_pass(ncp_mailer_mock: MockHandle) -> None:
    """fact sheet [code]: quirks the real gateway accepts."""
    stamp = str(ncp_mailer_mock.now_ms() // 1000 * 1000)
    key, secret = ncp_mailer_mock.config["access_key"], ncp_mailer_mock.config["secret_key"]
    headers = {"X-NCP-APIGW-TIMESTAMP": stamp, "X-Ncp-Iam-Access-Key": key,
               "X-NCP-APIGW-SIGNATURE-V2": ncp_signature.sign(secret, "POST", "/api/v1/mails", stamp, key)}
    assert call(ncp_mailer_mock, "POST", "/api/v1/mails", body=SEED_BODY, sign=False, headers=headers).status == 201


def test_query_is_signed_exactly_as_sent(ncp_mailer_mock: MockHandle) -> None:
    created = call(ncp_mailer_mock, "POST", "/api/v1/mails", body=SEED_BODY).json["requestId"]
    target = f"/api/v1/mails/requests/{created}/mails?title=%ED%99%8D&size=5&sendStatus=S&sendStatus=F"
    assert call(ncp_mailer_mock, "GET", target).status == 200
    path_only = target.split("?")[0]
    assert call(ncp_mailer_mock, "GET", target, signed_target=path_only).status == 401
    assert "without its query" in (last(ncp_mailer_mock).detail or "")
    reencoded = target.replace("%ED%99%8D", "%ed%99%8d")
    assert call(ncp_mailer_mock, "GET", target, signed_target=reencoded).status == 401


def test_a_lone_question_mark_on_the_wire_is_signed_as_received(mock_server: Any) -> None:
    raw = mock_server("ncp-mailer")
    assert call(raw, "GET", "/api/v1/mails/1?").code == "77103"
    assert call(raw, "GET", "/api/v1/mails/1?", signed_target="/api/v1/mails/1").status == 401
    stripping = mock_server("ncp-mailer", signed_uri="strip_empty_query")
    assert call(stripping, "GET", "/api/v1/mails/1?", signed_target="/api/v1/mails/1").code == "77103"


def test_v1_header_name_is_rejected_unless_configured(mock_server: Any) -> None:
    for accept, status in ((False, 401), (True, 201)):
        mock = mock_server("ncp-mailer", accept_v1_signature_header=accept)
        stamp, key = str(mock.now_ms()), mock.config["access_key"]
        value = ncp_signature.sign(mock.config["secret_key"], "POST", "/api/v1/mails", stamp, key)
        headers = {spec.HEADER_TIMESTAMP: stamp, spec.HEADER_ACCESS_KEY: key, spec.HEADER_SIGNATURE_V1: value}
        assert call(mock, "POST", "/api/v1/mails", body=SEED_BODY, sign=False, headers=headers).status == status
    assert last(mock).warnings == ["signature_from:x-ncp-apigw-signature-v1"]


def test_signature_check_can_be_switched_off(mock_server: Any) -> None:
    mock = mock_server("ncp-mailer", verify_signature=False)
    assert call(mock, "POST", "/api/v1/mails", body=SEED_BODY, sign=False).status == 201
    assert last(mock).details["signature_check"] == "off" and mock.config["signature_check"] is False


def test_unknown_paths_and_methods(ncp_mailer_mock: MockHandle) -> None:
    outside = call(ncp_mailer_mock, "GET", "/favicon.ico", sign=False)
    assert (outside.status, outside.code) == (404, "300")
    assert call(ncp_mailer_mock, "GET", "/api/v1/nothing-here", sign=False).status == 401  # signed API space first
    under = call(ncp_mailer_mock, "GET", "/api/v1/nothing-here")
    assert (under.status, under.code) == (400, "77103")
    wrong_method = call(ncp_mailer_mock, "DELETE", "/api/v1/mails")
    assert (wrong_method.status, wrong_method.code) == (405, "77001")
    assert call(ncp_mailer_mock, "GET", "/api/v1//mails/1").code == "77103"


@pytest.mark.parametrize(("content_type", "body"), [("text/plain", json.dumps(SEED_BODY).encode()), (None, b"{}"),
                                                    ("application/x-www-form-urlencoded", b"a=b")])
def test_content_type_must_be_json(ncp_mailer_mock: MockHandle, content_type: str | None, body: bytes) -> None:
    reply = call(ncp_mailer_mock, "POST", "/api/v1/mails", body=body, content_type=content_type)
    assert (reply.status, reply.code) == (415, "77002")


def test_json_with_charset_is_fine(ncp_mailer_mock: MockHandle) -> None:
    reply = call(ncp_mailer_mock, "POST", "/api/v1/mails", body=SEED_BODY, content_type="application/json; charset=UTF-8")
    assert reply.status == 201


@pytest.mark.parametrize(
    ("lang", "message"),
    [(None, "BAD_REQUEST"), ("ko-KR", "BAD_REQUEST"), ("en-US", "BAD_REQUEST"), ("xx-YY", "BAD_REQUEST")],
)
def test_bad_body_is_77102_with_details(ncp_mailer_mock: MockHandle, lang: str | None, message: str) -> None:
    headers = {spec.HEADER_LANG: lang} if lang else None
    reply = call(ncp_mailer_mock, "POST", "/api/v1/mails", body={"title": "t"}, headers=headers)
    assert reply.status == 400
    assert reply.json == {"error": {"errorCode": "77102", "message": message, "details": "senderAddress is required unless templateSid is given"}}


@pytest.mark.parametrize(("lang", "message"), [("ko-KR", "요청한 리소스가 존재하지 않음"), ("zh-cn", "请求的资源不存在"),
                                               (None, "Resource not found")])
def test_x_ncp_lang_chooses_the_message_language(ncp_mailer_mock: MockHandle, lang: str | None, message: str) -> None:
    reply = call(ncp_mailer_mock, "GET", "/api/v1/mails/123", headers={spec.HEADER_LANG: lang} if lang else None)
    assert (reply.status, reply.json["error"]["errorCode"], reply.json["error"]["message"]) == (400, "77103", message)


@pytest.mark.parametrize(
    ("state", "status", "code"),
    [("login_error", 400, "77101"), ("unauthorized", 403, "77201"), ("unsubscribed", 403, "77202"),
     ("no_default_project", 500, "77301"), ("permission_denied", 401, "210"), ("forbidden", 403, "230")],
)
def test_account_states_give_their_errors(ncp_mailer_mock: MockHandle, state: str, status: int, code: str) -> None:
    credential = ncp_mailer_mock.model.add_credential(state=state)
    reply = call(ncp_mailer_mock, "POST", "/api/v1/mails", body=SEED_BODY, access_key=credential.access_key, secret=credential.secret_key)
    assert (reply.status, reply.code) == (status, code)
    assert last(ncp_mailer_mock).reason == f"account_{state}"


@pytest.mark.parametrize(("fault", "status", "code"), [(500, 500, "77303"), (502, 500, "77302"), (503, 503, "500"), (504, 504, "510"),
                                                       (429, 429, "420"), (400, 400, "77102"), (401, 401, "200"), (418, 418, "900")])
def test_scripted_faults_use_the_catalogue(ncp_mailer_mock: MockHandle, fault: int, status: int, code: str) -> None:
    ncp_mailer_mock.fault(fault, path="/api/v1/mails")
    reply = call(ncp_mailer_mock, "POST", "/api/v1/mails", body=SEED_BODY)
    assert (reply.status, reply.code) == (status, code)


def test_body_too_large_is_the_gateways_413(mock_server: Any) -> None:
    mock = mock_server("ncp-mailer", max_body_bytes=1024)
    reply = call(mock, "POST", "/api/v1/mails", body=b"x" * 2048)
    assert (reply.status, reply.code) == (413, "430")


@pytest.mark.parametrize("garbage", [b"\x00\xff", b"null", b'{"recipients": [{"address": {"$gt": ""}}], "senderAddress": 1}',
                                     b'{"senderAddress": "a@b.co", "title": "t", "body": "b", "recipients": [{"address": "a@b.co", "parameters": []}]}'])
def test_garbage_never_gives_a_5xx(ncp_mailer_mock: MockHandle, garbage: bytes) -> None:
    reply = call(ncp_mailer_mock, "POST", "/api/v1/mails", body=garbage)
    assert reply.status == 400 and reply.code == "77102"


# --- regions, results, history ------------------------------------------------------------------
def test_three_regions_keep_separate_data(ncp_mailer_mock: MockHandle) -> None:
    ids = {}
    for region, prefix in spec.REGION_PREFIXES.items():
        ids[region] = call(ncp_mailer_mock, "POST", prefix + "/mails", body=SEED_BODY).json["requestId"]
    assert len(set(ids.values())) == 3
    assert call(ncp_mailer_mock, "GET", f"/api/v1-sgn/mails/requests/{ids['SGN']}/status").status == 200
    assert call(ncp_mailer_mock, "GET", f"/api/v1-jpn/mails/requests/{ids['SGN']}/status").code == "77103"
    assert {m.meta["region"] for m in ncp_mailer_mock.messages()} == {"KR", "SGN", "JPN"}


def test_regions_can_share_data(mock_server: Any) -> None:
    mock = mock_server("ncp-mailer", regions_share_data=True)
    request_id = call(mock, "POST", "/api/v1-sgn/mails", body=SEED_BODY).json["requestId"]
    assert call(mock, "GET", f"/api/v1/mails/requests/{request_id}/status").status == 200


def test_status_list_and_mail_detail(ncp_mailer_mock: MockHandle) -> None:
    request_id = call(ncp_mailer_mock, "POST", "/api/v1/mails", body=SEED_BODY).json["requestId"]
    status = call(ncp_mailer_mock, "GET", f"/api/v1/mails/requests/{request_id}/status").json
    assert status | {"countsByStatus": None} == {
        "requestId": request_id, "readyCompleted": True, "allSentSuccess": True, "requestCount": 2, "sentCount": 2,
        "finishCount": 2, "readyCount": 2, "reservationDate": None, "countsByStatus": None}
    assert status["countsByStatus"] == [{"status": {"label": "Sent successfully", "code": "S"}, "count": 2}]

    listed = call(ncp_mailer_mock, "GET", f"/api/v1/mails/requests/{request_id}/mails?size=1&page=1").json
    assert (listed["totalElements"], listed["totalPages"], listed["numberOfElements"], listed["first"], listed["last"]) == (2, 2, 1, False, True)
    assert listed["content"][0]["representativeRecipient"] == "chulsoo@daum_.net"

    filtered = call(ncp_mailer_mock, "GET", f"/api/v1/mails/requests/{request_id}/mails?recipientAddress=HONGILDONG%40naver_.com").json
    assert [c["title"] for c in filtered["content"]] == ["Hello, Gildong Hong. "]
    titled = call(ncp_mailer_mock, "GET", f"/api/v1/mails/requests/{request_id}/mails?title=chulsoo&sort=id,desc").json
    assert [c["title"] for c in titled["content"]] == ["Hello, Chulsoo. "]

    mail_id = filtered["content"][0]["mailId"]
    detail = call(ncp_mailer_mock, "GET", f"/api/v1/mails/{mail_id}", headers={spec.HEADER_LANG: "ko-KR"}).json
    assert (detail["title"], detail["body"]) == ("Hello, Gildong Hong. ", "Your grade has been changed from SILVER to GOLD.")
    assert detail["emailStatus"] == {"label": "발송성공", "code": "S"}
    assert detail["recipients"][0]["address"] == "hongildong@naver_.com" and detail["recipients"][0]["type"]["code"] == "R"
    assert detail["requestDate"]["utc"] == detail["sendDate"]["utc"]


@pytest.mark.parametrize("query", ["size=0", "size=x", "page=-1", "sendStatus=Z", "sort=title", "sort=id,up"])
def test_bad_list_queries_are_77102(ncp_mailer_mock: MockHandle, query: str) -> None:
    request_id = call(ncp_mailer_mock, "POST", "/api/v1/mails", body=SEED_BODY).json["requestId"]
    assert call(ncp_mailer_mock, "GET", f"/api/v1/mails/requests/{request_id}/mails?{query}").code == "77102"


def test_reservation_is_ready_until_the_clock_passes_it(ncp_mailer_mock: MockHandle) -> None:
    now = 1_800_000_000_000
    ncp_mailer_mock.clock(now_ms=now, frozen=True)
    body = copy.deepcopy(SEED_BODY) | {"reservationUtc": now + 3_600_000}
    request_id = call(ncp_mailer_mock, "POST", "/api/v1/mails", body=body).json["requestId"]
    before = call(ncp_mailer_mock, "GET", f"/api/v1/mails/requests/{request_id}/status").json
    assert (before["sentCount"], before["finishCount"], before["countsByStatus"][0]["status"]["code"]) == (0, 0, "R")
    assert before["reservationDate"]["utc"] == now + 3_600_000
    ncp_mailer_mock.clock(now_ms=now + 3_600_001, frozen=True)
    after = call(ncp_mailer_mock, "GET", f"/api/v1/mails/requests/{request_id}/status").json
    assert after["sentCount"] == 2 and after["allSentSuccess"]


def test_control_api_sets_a_failed_delivery(ncp_mailer_mock: MockHandle) -> None:
    import requests

    request_id = call(ncp_mailer_mock, "POST", "/api/v1/mails", body=SEED_BODY).json["requestId"]
    mail_id = ncp_mailer_mock.payloads()[1]["mailId"]
    control = requests.post(f"{ncp_mailer_mock.url}/__mock__/mails/{mail_id}/status", json={"status": "F"}, timeout=5)
    assert control.json() == {"mailId": mail_id, "status": "F"}
    status = call(ncp_mailer_mock, "GET", f"/api/v1/mails/requests/{request_id}/status").json
    assert (status["allSentSuccess"], status["sentCount"], status["finishCount"]) == (False, 1, 2)
    assert requests.post(f"{ncp_mailer_mock.url}/__mock__/mails/nope/status", json={"status": "F"}, timeout=5).status_code == 404
    assert requests.post(f"{ncp_mailer_mock.url}/__mock__/mails/{mail_id}/status", json={"status": "X"}, timeout=5).status_code == 400


def test_control_api_credentials_and_templates(ncp_mailer_mock: MockHandle) -> None:
    import requests

    base = ncp_mailer_mock.url + "/__mock__"
    config = requests.get(base + "/config", timeout=5).json()
    assert (config["access_key"], config["secret_key"]) == (spec.DEFAULT_ACCESS_KEY, spec.DEFAULT_SECRET_KEY)
    assert config["api_urls"]["SGN"].endswith("/api/v1-sgn")
    added = requests.post(base + "/credentials", json={"accessKey": "SECONDKEY", "secretKey": "second-secret"}, timeout=5)
    assert added.status_code == 201
    assert call(ncp_mailer_mock, "POST", "/api/v1/mails", body=SEED_BODY, access_key="SECONDKEY", secret="second-secret").status == 201
    assert requests.post(base + "/credentials", json={"state": "sleepy"}, timeout=5).status_code == 400
    assert requests.delete(base + "/credentials/SECONDKEY", timeout=5).json() == {"status": "ok"}
    assert call(ncp_mailer_mock, "POST", "/api/v1/mails", body=SEED_BODY, access_key="SECONDKEY", secret="second-secret").status == 401

    template = requests.post(base + "/templates", json={"templateSid": 7, "title": "T ${customer_name}", "body": "B"}, timeout=5)
    assert template.status_code == 201
    body = {k: v for k, v in SEED_BODY.items() if k not in {"title", "body"}} | {"templateSid": 7}
    assert call(ncp_mailer_mock, "POST", "/api/v1/mails", body=body).status == 201
    assert ncp_mailer_mock.payloads()[-1]["title"] == "T Chulsoo"

    ncp_mailer_mock.reset()
    assert [c["accessKey"] for c in requests.get(base + "/credentials", timeout=5).json()["credentials"]] == [spec.DEFAULT_ACCESS_KEY]


@pytest.mark.parametrize("status", [200, 202])
def test_create_status_is_configurable(mock_server: Any, status: int) -> None:
    mock = mock_server("ncp-mailer", create_status=status)
    assert call(mock, "POST", "/api/v1/mails", body=SEED_BODY).status == status


def test_bad_settings_are_refused() -> None:
    from sealmail.mockservers.providers.ncp_mailer import PROVIDER

    for bad in ({"create_status": 204}, {"missing_parameter": "guess"}, {"signed_uri": "normalized"}, {"timestamp_tolerance_ms": -1}):
        with pytest.raises(ValueError):
            PROVIDER.make_config(bad)
