"""The core app over HTTP: control API, faults, body limit, router errors, handler crashes.

The generic parts run against a tiny test-only provider ("boom-test") with its
own, deliberately unusual, error shape: whatever the core renders must come out
in that shape. The control API is exercised on the netcore-email app.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Awaitable, Callable

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from sealmail.mockservers.core import ErrorKind, FaultRule, MockClock, MockConfig, Provider, Rejection, RenderedError, create_app
from sealmail.mockservers.core import context as ctx
from sealmail.mockservers.core.journal_text import filtered
from sealmail.mockservers.core.state import MOCK_STATE
from sealmail.mockservers.core.store import StoredMessage
from sealmail.mockservers.providers.netcore_email import MODEL

ClientFactory = Callable[[web.Application], Awaitable[TestClient]]


# --- a test-only provider -------------------------------------------------------------
@dataclass(kw_only=True)
class BoomConfig(MockConfig):
    pass


class BoomModel:
    def __init__(self) -> None:
        self.resets = 0

    def reset(self) -> None:
        self.resets += 1


BOOM_MODEL: web.AppKey[BoomModel] = web.AppKey("tests.boom_model", BoomModel)


async def _explode(request: web.Request) -> web.Response:
    raise RuntimeError("kaboom")


async def _echo(request: web.Request) -> web.Response:
    body = ctx.body(request)
    ctx.note(request, size=len(body))
    if body == b"reject":
        raise Rejection(ErrorKind(422, "E_RULE", "rule broken"), "rule_broken", field="f", detail="journal only")
    ctx.store_message(request, message_id=f"id{len(body)}", kind="echo", payload=body.decode())
    return ctx.json_response({"ok": True})


class BoomProvider(Provider[BoomConfig, BoomModel]):
    id = "boom-test"
    title = "test-only provider"
    port_offset = 99
    config_type = BoomConfig
    model_key = BOOM_MODEL

    def create_model(self, config: BoomConfig, clock: MockClock) -> BoomModel:
        return BoomModel()

    def add_routes(self, app: web.Application) -> None:
        app.router.add_post("/explode", _explode)
        app.router.add_post("/echo", _echo)

    def error_kind_for_status(self, status: int) -> ErrorKind:
        return ErrorKind(status, f"E{status}", f"boom says {status}")

    def render_error(self, rejection: Rejection) -> RenderedError:
        return RenderedError(rejection.status, {"boom": {"code": rejection.code, "text": rejection.message}})

    def describe(self, model: BoomModel, base_url: str) -> dict[str, Any]:
        return {"token": "t"}


def _boom_shape(status: int) -> dict[str, Any]:
    return {"boom": {"code": f"E{status}", "text": f"boom says {status}"}}


@pytest.fixture
async def boom(aiohttp_client: ClientFactory) -> TestClient:
    return await aiohttp_client(create_app(BoomProvider(), {"max_body_bytes": 64}))


@pytest.fixture
async def netcore(aiohttp_client: ClientFactory) -> TestClient:
    return await aiohttp_client(create_app("netcore-email"))


def _state(client: TestClient) -> Any:
    return client.server.app[MOCK_STATE]


# --- middleware: the provider's shape for everything ------------------------------------
async def test_exception_in_handler_is_a_provider_shaped_500(boom: TestClient) -> None:
    response = await boom.post("/explode", data=b"x")
    assert response.status == 500
    assert await response.json() == _boom_shape(500)
    (entry,) = _state(boom).journal.entries()
    assert (entry.status, entry.outcome, entry.reason) == (500, "rejected", "internal_error")
    assert entry.detail == "RuntimeError: kaboom"


async def test_rejection_is_rendered_and_journaled_with_its_reason(boom: TestClient) -> None:
    response = await boom.post("/echo", data=b"reject")
    assert response.status == 422
    assert await response.json() == {"boom": {"code": "E_RULE", "text": "rule broken"}}
    (entry,) = _state(boom).journal.entries()
    assert (entry.reason, entry.field, entry.detail, entry.error_code) == ("rule_broken", "f", "journal only", "E_RULE")
    assert entry.details == {"size": 6}


async def test_accepted_request_is_journaled_and_stored(boom: TestClient) -> None:
    response = await boom.post("/echo", data=b"hello")
    assert (response.status, await response.json()) == (200, {"ok": True})
    state = _state(boom)
    (entry,) = state.journal.entries()
    assert (entry.outcome, entry.status, entry.body, entry.message_ids) == ("accepted", 200, "hello", ["id5"])
    (message,) = state.store.messages()
    assert (message.payload, message.request_id, message.kind) == ("hello", entry.id, "echo")


async def test_router_404_in_provider_shape(boom: TestClient) -> None:
    response = await boom.post("/nowhere")
    assert response.status == 404
    assert await response.json() == _boom_shape(404)
    assert _state(boom).journal.entries()[0].reason == "route_not_found"


async def test_router_405_in_provider_shape_with_allow(boom: TestClient) -> None:
    response = await boom.get("/echo")
    assert response.status == 405
    assert await response.json() == _boom_shape(405)
    assert "POST" in response.headers["Allow"]
    assert _state(boom).journal.entries()[0].reason == "method_not_allowed"


async def test_body_over_the_limit_is_the_provider_413(boom: TestClient) -> None:
    response = await boom.post("/echo", data=b"a" * 65)
    assert response.status == 413
    assert await response.json() == _boom_shape(413)
    entry = _state(boom).journal.entries()[0]
    assert (entry.reason, entry.body_size) == ("body_too_large", 0)
    assert _state(boom).store.messages() == []


async def test_body_at_the_limit_is_accepted(boom: TestClient) -> None:
    response = await boom.post("/echo", data=b"a" * 64)
    assert response.status == 200
    assert _state(boom).journal.entries()[0].body_size == 64


# --- scripted faults ----------------------------------------------------------------------
async def test_status_fault_uses_provider_shape_retry_after_and_times(boom: TestClient) -> None:
    _state(boom).faults.add(_rule(status=503, times=2, retry_after=3))
    for _ in range(2):
        response = await boom.post("/echo", data=b"x")
        assert response.status == 503
        assert response.headers["Retry-After"] == "3"
        assert await response.json() == _boom_shape(503)
    assert (await boom.post("/echo", data=b"x")).status == 200
    reasons = [e.reason for e in _state(boom).journal.entries()]
    assert reasons == ["fault_injected", "fault_injected", None]
    assert _state(boom).journal.entries()[0].details["fault"]["status"] == 503


async def test_fault_without_retry_after_sends_none(boom: TestClient) -> None:
    _state(boom).faults.add(_rule(status=429))
    response = await boom.post("/echo", data=b"x")
    assert response.status == 429 and "Retry-After" not in response.headers


async def test_fault_matches_method_and_glob_only(boom: TestClient) -> None:
    _state(boom).faults.add(_rule(status=500, method="POST", path="/ex*"))
    assert (await boom.post("/echo", data=b"x")).status == 200  # path does not match
    assert (await boom.get("/explode")).status == 405  # method does not match: router answers
    assert (await boom.post("/explode")).status == 500
    assert _state(boom).journal.entries()[-1].reason == "fault_injected"
    assert _state(boom).faults.pending() == []


async def test_delay_fault_delays_then_handles_normally(boom: TestClient) -> None:
    _state(boom).faults.add(_rule(delay_ms=150))
    started = time.monotonic()
    response = await boom.post("/echo", data=b"late")
    elapsed = time.monotonic() - started
    assert response.status == 200
    assert elapsed >= 0.15
    assert _state(boom).store.messages()[0].payload == "late"


async def test_drop_fault_closes_the_connection_without_a_response(boom: TestClient) -> None:
    _state(boom).faults.add(_rule(drop=True))
    with pytest.raises(aiohttp.ClientConnectionError):
        await boom.post("/echo", data=b"x")
    entry = _state(boom).journal.entries()[0]
    assert (entry.status, entry.outcome, entry.reason) == (None, "rejected", "fault_drop")
    assert _state(boom).store.messages() == []
    assert (await boom.post("/echo", data=b"x")).status == 200  # the mock lives on


def _rule(**fields: Any) -> FaultRule:
    return FaultRule(**fields)


# --- the control API ------------------------------------------------------------------
async def test_health(netcore: TestClient) -> None:
    response = await netcore.get("/__mock__/health")
    assert response.status == 200
    assert await response.json() == {"provider": "netcore-email", "status": "ok"}


async def test_config_describes_credentials_and_urls(netcore: TestClient) -> None:
    body = await (await netcore.get("/__mock__/config")).json()
    base = str(netcore.make_url("")).rstrip("/")
    assert body["provider"] == "netcore-email"
    assert body["base_url"] == base
    assert body["send_url"] == base + "/v6/mail/send"
    assert body["api_key"] == "sealmail-netcore-email-key"
    assert body["headers"] == {"Authorization": "Bearer sealmail-netcore-email-key"}


async def test_control_requests_are_not_journaled_or_faulted(netcore: TestClient) -> None:
    _state(netcore).faults.add(_rule(status=500))
    assert (await netcore.get("/__mock__/health")).status == 200
    body = await (await netcore.get("/__mock__/requests")).json()
    assert body == {"requests": [], "recorded": 0, "evicted": 0, "discarded_after_reset": 0}
    assert len(_state(netcore).faults.pending()) == 1


async def test_requests_lists_oldest_first_with_outcome_filter(netcore: TestClient) -> None:
    await netcore.post("/v6/mail/send", data=b"first")
    await netcore.post("/v6/mail/send", data=_plain_payload(), headers=_auth())
    await netcore.get("/third")
    body = await (await netcore.get("/__mock__/requests")).json()
    assert [(r["path"], r["status"]) for r in body["requests"]] == [
        ("/v6/mail/send", 401), ("/v6/mail/send", 200), ("/third", 404),
    ]
    assert body["requests"][0]["body"] == "first"
    assert body["requests"][0]["reason"] == "auth_missing"
    assert (body["recorded"], body["evicted"]) == (3, 0)
    rejected = await (await netcore.get("/__mock__/requests", params={"outcome": "rejected"})).json()
    assert [r["status"] for r in rejected["requests"]] == [401, 404]


async def test_an_unknown_outcome_filter_is_refused_not_an_empty_list(netcore: TestClient) -> None:
    """Before: ``?outcome=rejectd`` answered an empty list, so "nothing was rejected" passed without looking."""
    await netcore.post("/v6/mail/send", data=b"first")
    typo = await netcore.get("/__mock__/requests", params={"outcome": "rejectd"})
    assert typo.status == 400 and "accepted, rejected" in (await typo.json())["error"]
    assert len((await (await netcore.get("/__mock__/requests", params={"outcome": ""})).json())["requests"]) == 1
    entries = _state(netcore).journal.entries()  # MockHandle.requests(outcome=...) filters with this
    with pytest.raises(ValueError, match="outcome must be one of"):
        filtered(entries, outcome="rejectd")
    assert [e.reason for e in filtered(entries, outcome="rejected")] == ["auth_missing"]


async def test_messages_show_the_payload(netcore: TestClient) -> None:
    response = await netcore.post("/v6/mail/send", data=_plain_payload(), headers=_auth())
    message_id = (await response.json())["data"]["message_id"]
    body = await (await netcore.get("/__mock__/messages")).json()
    (message,) = body["messages"]
    assert message["message_id"] == message_id
    assert message["payload"]["subject"] == "control"
    assert (body["added"], body["evicted"]) == (1, 0)


async def test_reset_empties_everything_and_restores_clock_and_credentials(netcore: TestClient) -> None:
    state = _state(netcore)
    await netcore.post("/v6/mail/send", data=_plain_payload(), headers=_auth())
    netcore.server.app[MODEL].api_key = "rotated-key"
    await netcore.post("/__mock__/faults", json={"status": 503, "times": 5})
    await netcore.post("/__mock__/clock", json={"offset_ms": 3_600_000, "frozen": True})
    assert (len(state.journal), len(state.store), len(state.faults.pending())) == (1, 1, 1)

    response = await netcore.post("/__mock__/reset")
    assert (response.status, await response.json()) == (200, {"status": "ok"})
    assert (await (await netcore.get("/__mock__/requests")).json())["requests"] == []
    assert (await (await netcore.get("/__mock__/messages")).json())["messages"] == []
    assert (await (await netcore.get("/__mock__/faults")).json()) == {"faults": []}
    clock = await (await netcore.get("/__mock__/clock")).json()
    assert (clock["offset_ms"], clock["frozen"]) == (0, False)
    assert netcore.server.app[MODEL].api_key == "sealmail-netcore-email-key"
    assert (await netcore.post("/v6/mail/send", data=_plain_payload(), headers=_auth())).status == 200


async def test_faults_added_listed_and_cleared(netcore: TestClient) -> None:
    one = await netcore.post("/__mock__/faults", json={"status": 503, "path": "/v6/*"})
    assert one.status == 200
    many = await netcore.post("/__mock__/faults", json={"faults": [{"drop": True}, {"delay_ms": 1, "times": 2}]})
    listed = (await many.json())["faults"]
    assert [(f["status"], f["drop"], f["times"]) for f in listed] == [(503, False, 1), (None, True, 1), (None, False, 2)]
    assert (await (await netcore.get("/__mock__/faults")).json())["faults"] == listed
    response = await netcore.post("/v6/mail/send", data=b"x")
    assert response.status == 503
    assert (await response.json())["error"][0]["code"] == "service_unavailable"
    cleared = await netcore.delete("/__mock__/faults")
    assert (await cleared.json()) == {"faults": []}
    assert _state(netcore).faults.pending() == []


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"{not json", id="not-json"),
        pytest.param(b"[1, 2]", id="list-of-non-objects"),
        pytest.param(b'{"faults": {"status": 500}}', id="faults-not-list"),
        pytest.param(b'{"status": 700}', id="bad-status"),
        pytest.param(b'{"times": -1}', id="bad-times"),
        pytest.param(b'{"faults": [{"status": 500}, {"bogus": 1}]}', id="one-bad-in-list"),
    ],
)
async def test_bad_fault_specs_are_400_json_and_add_nothing(netcore: TestClient, body: bytes) -> None:
    response = await netcore.post("/__mock__/faults", data=body)
    assert response.status == 400
    error = await response.json()
    assert set(error) == {"error"} and error["error"]
    assert _state(netcore).faults.pending() == []


async def test_clock_offset_now_and_reset(netcore: TestClient) -> None:
    before = time.time_ns() // 1_000_000
    offset = await (await netcore.post("/__mock__/clock", json={"offset_ms": -301_000})).json()
    assert offset["offset_ms"] == -301_000 and offset["frozen"] is False
    assert before - 301_000 <= offset["now_ms"] <= time.time_ns() // 1_000_000 - 301_000

    jumped = await (await netcore.post("/__mock__/clock", json={"now_ms": 1_600_000_000_000, "frozen": True})).json()
    assert (jumped["now_ms"], jumped["frozen"]) == (1_600_000_000_000, True)
    await netcore.post("/v6/mail/send", data=b"x")
    assert _state(netcore).journal.entries()[0].time_ms == 1_600_000_000_000  # the journal reads the mock clock
    assert (await (await netcore.get("/__mock__/clock")).json())["now_ms"] == 1_600_000_000_000

    restored = await (await netcore.post("/__mock__/clock", json={"reset": True})).json()
    assert (restored["offset_ms"], restored["frozen"]) == (0, False)


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"{}", id="nothing-to-do"),
        pytest.param(b"[1]", id="not-object"),
        pytest.param(b"nope", id="not-json"),
        pytest.param(b'{"offset_ms": "5"}', id="offset-string"),
        pytest.param(b'{"offset_ms": 1.5}', id="offset-float"),
        pytest.param(b'{"now_ms": true}', id="now-bool"),
        pytest.param(b'{"now_ms": 5, "frozen": "yes"}', id="frozen-not-bool"),
    ],
)
async def test_bad_clock_requests_are_400_json(netcore: TestClient, body: bytes) -> None:
    _state(netcore).clock.offset(42)
    response = await netcore.post("/__mock__/clock", data=body)
    assert response.status == 400
    assert set(await response.json()) == {"error"}
    assert _state(netcore).clock.state().offset_ms == 42  # unchanged


async def test_control_api_survives_lone_surrogates_in_journal_and_messages(netcore: TestClient) -> None:
    payload = _plain_payload().replace(b'"control"', b'"\\ud800 lone"')
    response = await netcore.post("/v6/mail/send", data=payload, headers=_auth())
    assert response.status == 400  # RFC 8259 section 8.2: refused at the door (json_lone_surrogate)
    assert _state(netcore).journal.entries()[-1].reason == "json_lone_surrogate"
    # Something a model stored anyway (here put there directly) still comes back as JSON escapes.
    _state(netcore).store.add(StoredMessage(message_id="m", time_ms=0, request_id=1, kind="mail",
                                            payload={"subject": "\ud800 lone", "score": float("inf")}, meta={}))
    messages = await netcore.get("/__mock__/messages")
    assert messages.status == 200
    stored = (await messages.json())["messages"][0]["payload"]
    assert stored == {"subject": "\ud800 lone", "score": "inf"}
    assert (await netcore.get("/__mock__/requests")).status == 200


def test_apps_share_no_state() -> None:
    first, second = create_app("netcore-email"), create_app("netcore-email")
    first[MOCK_STATE].faults.add(_rule(status=500))
    first[MODEL].api_key = "changed"
    assert second[MOCK_STATE].faults.pending() == []
    assert second[MODEL].api_key == "sealmail-netcore-email-key"


def _auth() -> dict[str, str]:
    return {"Authorization": "Bearer sealmail-netcore-email-key", "Content-Type": "application/json"}


def _plain_payload() -> bytes:
    return (
        b'{"from": {"email": "sender@example.com"}, "personalizations": [{"to": [{"email": "to@example.com"}]}],'
        b' "subject": "control", "content": [{"type": "html", "value": "<p>hi</p>"}]}'
    )


async def test_undecodable_content_encoding_is_a_provider_shaped_400(aiohttp_client) -> None:
    """gzip declared over bytes that are not gzip: journaled 400 in the provider's shape, never aiohttp's 500."""
    from sealmail.mockservers.core import create_app
    from sealmail.mockservers.core.state import MOCK_STATE

    app = create_app("netcore-email")
    client = await aiohttp_client(app)
    response = await client.post("/v6/mail/send", data=b"abc", headers={"Content-Encoding": "gzip"})
    assert response.status == 400
    body = await response.json()
    assert body["status"] == "error" and body["error"][0]["code"] == "bad_request"
    [entry] = app[MOCK_STATE].journal.entries()
    assert entry.reason == "body_unreadable" and entry.outcome == "rejected"
