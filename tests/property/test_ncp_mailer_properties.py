"""ncp-mailer properties: signatures bind every component, the timestamp window, template filling."""

from __future__ import annotations

import http.client
import json
from typing import Any
from urllib.parse import quote, urlsplit

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from multidict import CIMultiDict, CIMultiDictProxy

from sealmail.mockservers.core import MockClock, MockHandle, Rejection
from sealmail.mockservers.crypto import ncp_signature
from sealmail.mockservers.providers.ncp_mailer import NcpMailerConfig, NcpMailerModel, spec
from sealmail.mockservers.providers.ncp_mailer.gateway import GatewayRules, authenticate
from sealmail.mockservers.providers.ncp_mailer.templates import fill
from sealmail.mockservers.providers.ncp_mailer.validation import DraftRules, validate

FAST = settings(max_examples=60, deadline=None)
HTTP = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

methods = st.sampled_from(["GET", "POST", "DELETE", "PUT", "PATCH"])
segment = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_.~", min_size=1, max_size=12)
query_text = st.text(min_size=1, max_size=12).map(lambda t: quote(t, safe=""))
uris = st.builds(
    lambda parts, query: "/" + "/".join(parts) + (f"?q={query}" if query else ""),
    st.lists(segment, min_size=1, max_size=4),
    st.one_of(st.none(), query_text),
)
timestamps = st.integers(min_value=0, max_value=10**13).map(str)
keys = st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=40)

COMPONENTS = ("method", "uri", "timestamp", "access_key", "secret")


@FAST
@given(methods, uris, timestamps, keys, st.text(min_size=1, max_size=40), st.sampled_from(COMPONENTS), st.data())
def test_changing_any_signed_component_breaks_the_signature(method: str, uri: str, timestamp: str, access_key: str,
                                                            secret: str, component: str, data: st.DataObject) -> None:
    original = {"method": method, "uri": uri, "timestamp": timestamp, "access_key": access_key, "secret": secret}
    signature = ncp_signature.sign(secret, method, uri, timestamp, access_key)
    strategy = {"method": methods, "uri": uris, "timestamp": timestamps, "access_key": keys,
                "secret": st.text(min_size=1, max_size=40).filter(lambda v: not _same_hmac_key(v, secret))}[component]
    changed = dict(original, **{component: data.draw(strategy.filter(lambda v: v != original[component]))})
    assert ncp_signature.verify(original["secret"], method, uri, timestamp, access_key, signature)
    assert not ncp_signature.verify(changed["secret"], changed["method"], changed["uri"], changed["timestamp"],
                                    changed["access_key"], signature)


def _same_hmac_key(one: str, other: str) -> bool:
    """HMAC pads a key shorter than the block with zero bytes (RFC 2104 section 2), so "k" and "k\\x00" are
    one key: another secret text that is the same key does not change the signature, by design."""
    first, second = one.encode(), other.encode()
    return max(len(first), len(second)) <= 64 and first.rstrip(b"\x00") == second.rstrip(b"\x00")


NOW = 1_800_000_000_000
MODEL = NcpMailerModel(NcpMailerConfig(access_key="AK", secret_key="s3cret"), MockClock())


def _headers(timestamp: str) -> CIMultiDictProxy[str]:
    return CIMultiDictProxy(CIMultiDict({
        spec.HEADER_TIMESTAMP: timestamp, spec.HEADER_ACCESS_KEY: "AK",
        spec.HEADER_SIGNATURE: ncp_signature.sign("s3cret", "GET", "/api/v1/mails/1", timestamp, "AK"),
    }))


@FAST
@given(st.integers(min_value=-spec.TIMESTAMP_TOLERANCE_MS, max_value=spec.TIMESTAMP_TOLERANCE_MS))
def test_every_timestamp_inside_the_window_is_accepted(offset: int) -> None:
    auth = authenticate(_headers(str(NOW + offset)), "GET", "/api/v1/mails/1", NOW, MODEL, GatewayRules())
    assert auth.skew_ms == -offset


@FAST
@given(st.integers(min_value=spec.TIMESTAMP_TOLERANCE_MS + 1, max_value=10**11), st.booleans())
def test_every_timestamp_outside_the_window_is_rejected(distance: int, future: bool) -> None:
    stamp = NOW + distance if future else NOW - distance
    try:
        authenticate(_headers(str(stamp)), "GET", "/api/v1/mails/1", NOW, MODEL, GatewayRules())
    except Rejection as rejection:
        assert rejection.kind == spec.GW_AUTH_FAILED
        assert rejection.reason in {"timestamp_expired", "timestamp_future", "timestamp_in_seconds"}
    else:
        raise AssertionError(f"timestamp {distance} ms {'ahead' if future else 'behind'} was accepted")


# --- templates -------------------------------------------------------------------------------------
names = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-", min_size=1, max_size=10)
values = st.text(max_size=15).filter(lambda v: "${" not in v)
pieces = st.one_of(st.text(max_size=10), names.map(lambda n: "${" + n + "}"))


@FAST
@given(st.dictionaries(names, values, max_size=6), st.lists(st.one_of(pieces, st.sampled_from(["${", "}", "$"])), max_size=12))
def test_fill_never_leaves_a_known_placeholder(parameters: dict[str, str], parts: list[str]) -> None:
    text = "".join(parts + ["${" + name + "}" for name in parameters])
    filled = fill(text, parameters)
    for name in parameters:
        assert "${" + name + "}" not in filled.text
        assert name not in filled.missing


@FAST
@given(st.lists(st.dictionaries(names, values, min_size=1, max_size=4), min_size=1, max_size=4), st.dictionaries(names, values, max_size=3))
def test_every_rendered_mail_uses_its_recipients_parameters(per_recipient: list[dict[str, str]], shared: dict[str, str]) -> None:
    used = sorted({n for p in per_recipient for n in p} | set(shared))
    body = {
        "senderAddress": "sender@example.com",
        "title": " ".join("${" + n + "}" for n in used),
        "body": "|".join("${" + n + "}" for n in used) + " ${not_a_parameter_name_here}",
        "parameters": shared,
        "recipients": [{"address": f"r{i}@example.com", "type": "R", "parameters": p} for i, p in enumerate(per_recipient)],
    }
    draft = validate(body, templates={}, now_ms=NOW, rules=DraftRules())
    assert len(draft.mails) == len(per_recipient)
    for mail, parameters in zip(draft.mails, per_recipient):
        known = {**shared, **parameters}
        assert all("${" + name + "}" not in mail.title + mail.body for name in known)
        assert set(mail.unfilled) == set(used) - set(known) | {"not_a_parameter_name_here"}


# --- the same properties through HTTP ------------------------------------------------------------------
def _send(mock: MockHandle, method: str, target: str, headers: dict[str, str]) -> tuple[int, Any]:
    parts = urlsplit(mock.url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        connection.request(method, target, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


@HTTP
@given(st.sampled_from(["method", "path", "query", "timestamp", "access_key", "secret"]), query_text, st.data())
def test_the_mock_rejects_any_changed_component(ncp_mailer_mock: MockHandle, component: str, query: str, data: st.DataObject) -> None:
    ncp_mailer_mock.reset()
    other = ncp_mailer_mock.model.add_credential("SECONDKEY", spec.DEFAULT_SECRET_KEY)  # same secret: only the key differs
    stamp = str(ncp_mailer_mock.now_ms())
    # Frozen: a changed timestamp up to 299 s old must still be inside the 300 s window when the mock reads
    # its clock, however long this loaded machine takes to deliver the request.
    ncp_mailer_mock.clock(now_ms=int(stamp), frozen=True)
    target = f"/api/v1/mails/requests/1/mails?title={query}"
    signed = {"method": "GET", "uri": target, "timestamp": stamp, "access_key": spec.DEFAULT_ACCESS_KEY, "secret": spec.DEFAULT_SECRET_KEY}
    sent = dict(signed)
    if component == "method":
        sent["method"] = data.draw(st.sampled_from(["POST", "DELETE", "PUT"]))
    elif component == "path":
        sent["uri"] = target.replace("/requests/1/", f"/requests/{data.draw(st.integers(2, 10**6))}/")
    elif component == "query":
        sent["uri"] = target + "&" + data.draw(segment) + "=1"
    elif component == "timestamp":
        sent["timestamp"] = str(int(stamp) - data.draw(st.integers(1, 299_000)))
    elif component == "access_key":
        sent["access_key"] = other.access_key
    else:
        signed["secret"] = data.draw(st.text(min_size=1, max_size=20).filter(lambda s: s != spec.DEFAULT_SECRET_KEY))
    signature = ncp_signature.sign(signed["secret"], signed["method"], signed["uri"], signed["timestamp"], signed["access_key"])
    status, _ = _send(ncp_mailer_mock, sent["method"], sent["uri"], {
        spec.HEADER_TIMESTAMP: sent["timestamp"], spec.HEADER_ACCESS_KEY: sent["access_key"], spec.HEADER_SIGNATURE: signature})
    assert status == 401
    assert ncp_mailer_mock.requests()[-1].reason == "signature_mismatch"


@HTTP
@given(st.integers(min_value=-spec.TIMESTAMP_TOLERANCE_MS, max_value=spec.TIMESTAMP_TOLERANCE_MS))
def test_the_mock_accepts_any_timestamp_in_the_window(ncp_mailer_mock: MockHandle, offset: int) -> None:
    ncp_mailer_mock.clock(now_ms=NOW + offset, frozen=True)
    stamp = str(NOW)
    target = "/api/v1/mails/123"
    signature = ncp_signature.sign(spec.DEFAULT_SECRET_KEY, "GET", target, stamp, spec.DEFAULT_ACCESS_KEY)
    status, body = _send(ncp_mailer_mock, "GET", target, {
        spec.HEADER_TIMESTAMP: stamp, spec.HEADER_ACCESS_KEY: spec.DEFAULT_ACCESS_KEY, spec.HEADER_SIGNATURE: signature})
    assert status == 400 and b'"77103"' in body  # past the gateway; the mail does not exist


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12,
)
mail_fields = st.fixed_dictionaries({}, optional={
    "senderAddress": st.one_of(st.just("a@b.co"), json_values), "title": json_values, "body": json_values,
    "recipients": st.one_of(st.lists(st.fixed_dictionaries({"address": st.just("r@b.co")}, optional={
        "type": json_values, "name": json_values, "parameters": json_values}), max_size=3), json_values),
    "parameters": json_values, "individual": json_values, "reservationUtc": json_values, "templateSid": json_values,
    "reservationDateTime": json_values, "attachFileIds": json_values,
})


@HTTP
@given(st.one_of(mail_fields, json_values))
def test_any_json_body_gets_201_or_a_mailer_400_never_a_5xx(ncp_mailer_mock: MockHandle, payload: Any) -> None:
    stamp = str(ncp_mailer_mock.now_ms())
    signature = ncp_signature.sign(spec.DEFAULT_SECRET_KEY, "POST", "/api/v1/mails", stamp, spec.DEFAULT_ACCESS_KEY)
    parts = urlsplit(ncp_mailer_mock.url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        connection.request("POST", "/api/v1/mails", body=json.dumps(payload).encode(), headers={
            "Content-Type": "application/json", spec.HEADER_TIMESTAMP: stamp,
            spec.HEADER_ACCESS_KEY: spec.DEFAULT_ACCESS_KEY, spec.HEADER_SIGNATURE: signature})
        response = connection.getresponse()
        status, body = response.status, json.loads(response.read())
    finally:
        connection.close()
    assert status == 201 or (status == 400 and body["error"]["errorCode"] in {"77102", "77103"}), body
