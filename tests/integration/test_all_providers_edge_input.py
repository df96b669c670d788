"""Edge input every provider must survive the same way (found by the fuzz harness).

Each case goes to every provider's every POST route over a raw socket, so the
bytes are exactly these; the answer must be a 4xx in the provider's own shape,
journaled with a precise reason, never a 5xx.
"""

from __future__ import annotations

import json
import socket
from typing import Any

import pytest
from aiohttp import web

from sealmail.mockservers.core import MockPool, create_app, get_provider, providers
from sealmail.mockservers.core.jsonbody import JsonBodyError, parse_json_bytes

PROVIDERS = list(providers())


def _post_routes(provider_id: str) -> list[str]:
    app = create_app(provider_id)
    paths = []
    for resource in app.router.resources():
        info = resource.get_info()
        path = info.get("path") or info.get("formatter", "")
        if path.startswith("/__mock__/") or "{path" in path:
            continue
        if any(route.method == "POST" for route in resource):
            paths.append(path.replace("{", "x").replace("}", "x"))
    return paths


def _raw(url: str, head: bytes, body: bytes = b"") -> tuple[int, Any]:
    host, port = url.split("//", 1)[1].split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(head + b"Host: 127.0.0.1\r\nConnection: close\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    status = int(data.split(b" ", 2)[1])
    payload = data.split(b"\r\n\r\n", 1)[1]
    try:
        return status, json.loads(payload)
    except ValueError:
        return status, payload


def _shape(provider_id: str) -> set[str]:
    provider = get_provider(provider_id)
    return set(provider.render_error(provider.reject_status(400, "sample")).body)


@pytest.fixture(scope="module")
def pool() -> Any:
    with MockPool() as pool:
        yield pool


@pytest.mark.parametrize("provider_id", PROVIDERS)
def test_non_utf8_authorization_is_refused_not_crashed(provider_id: str, pool: MockPool) -> None:
    mock = pool.acquire(provider_id)
    for path in _post_routes(provider_id):
        status, body = _raw(mock.url, b"POST " + path.encode() + b" HTTP/1.1\r\nAuthorization: Bearer \xf3key\r\nContent-Type: application/json\r\n", b"{}")
        assert 400 <= status < 500, (path, status, body)
        assert isinstance(body, dict) and set(body) == _shape(provider_id), body
    assert all((e.status or 0) < 500 for e in mock.requests()), mock.explain()


@pytest.mark.parametrize("provider_id", PROVIDERS)
def test_unsupported_expectation_is_the_providers_417(provider_id: str, pool: MockPool) -> None:
    mock = pool.acquire(provider_id)
    for value in (b"0", b"\x80"):
        status, body = _raw(mock.url, b"POST /no/such/path HTTP/1.1\r\nExpect: " + value + b"\r\n", b"{}")
        assert status == 417 and isinstance(body, dict) and set(body) == _shape(provider_id), body
    assert [e.reason for e in mock.requests()] == ["expect_unsupported", "expect_unsupported"]


@pytest.mark.parametrize("provider_id", PROVIDERS)
def test_wrong_method_and_unknown_path_are_journaled_in_the_providers_shape(provider_id: str, pool: MockPool) -> None:
    mock = pool.acquire(provider_id)
    path = _post_routes(provider_id)[0]
    status, body = _raw(mock.url, b"PUT " + path.encode() + b" HTTP/1.1\r\n")
    assert status in (401, 405) and isinstance(body, dict) and set(body) == _shape(provider_id)
    status, body = _raw(mock.url, b"GET /definitely/not/here HTTP/1.1\r\n")
    assert 400 <= status < 500 and isinstance(body, dict) and set(body) == _shape(provider_id)
    assert len(mock.requests()) == 2 and all(e.reason for e in mock.requests())


def test_strict_json_reasons() -> None:
    assert parse_json_bytes(b'{"a": [1, 2.5, "x"]}') == {"a": [1, 2.5, "x"]}
    cases = {b"\xff{}": "body_not_utf8", b"{": "body_not_json", b"NaN": "json_non_finite_number", b"[1, Infinity]": "json_non_finite_number",
             b"9" * 5000: "json_number_too_long", b"[" * 100000 + b"]" * 100000: "body_too_deep"}
    for raw, reason in cases.items():
        with pytest.raises(JsonBodyError) as caught:
            parse_json_bytes(raw)
        assert caught.value.reason == reason


@pytest.mark.parametrize(("raw", "reason", "hint"), [
    (b'\xef\xbb\xbf{"a": 1}', "body_not_json", "UTF-8 byte order mark"),
    ('{"a": 1}'.encode("utf-16"), "body_not_utf8", "UTF-16"),
])
def test_a_byte_order_mark_is_named_in_the_reason_detail(raw: bytes, reason: str, hint: str) -> None:
    """Before: only "Expecting value: line 1 column 1 (char 0)", which hides the invisible culprit."""
    with pytest.raises(JsonBodyError) as caught:
        parse_json_bytes(raw)
    assert caught.value.reason == reason and hint in caught.value.detail and "RFC 8259 section 8.1" in caught.value.detail


@pytest.mark.parametrize("provider_id", PROVIDERS)
def test_control_api_refuses_pathological_json_with_400(provider_id: str, pool: MockPool) -> None:
    mock = pool.acquire(provider_id)
    for body in (b"[" * 20000 + b"]" * 20000, b'{"times": ' + b"9" * 5000 + b"}"):
        status, answer = _raw(mock.url, b"POST /__mock__/faults HTTP/1.1\r\nContent-Type: application/json\r\n", body)
        assert status == 400 and "error" in answer


def test_every_provider_router_has_the_catch_all_last() -> None:
    for provider_id in PROVIDERS:
        app: web.Application = create_app(provider_id)
        last = list(app.router.resources())[-1]
        assert last.get_info().get("formatter") == "/{path}", provider_id


@pytest.mark.parametrize("provider_id", PROVIDERS)
def test_a_target_no_route_can_match_still_gets_the_providers_417(provider_id: str, pool: MockPool) -> None:
    mock = pool.acquire(provider_id)
    for target in (b"CONNECT /", b"CONNECT example.com:443", b"OPTIONS *"):
        status, body = _raw(mock.url, target + b" HTTP/1.1\r\nExpect: \x80\r\n")
        assert status == 417 and isinstance(body, dict) and set(body) == _shape(provider_id), (target, status, body)
    assert [e.reason for e in mock.requests()] == ["expect_unsupported"] * 3


@pytest.mark.parametrize("provider_id", PROVIDERS)
def test_control_api_answers_an_undecodable_or_oversized_body_in_json(provider_id: str, pool: MockPool) -> None:
    mock = pool.acquire(provider_id, max_body_bytes=1024)
    gzip_head = b"POST /__mock__/faults HTTP/1.1\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\n"
    status, answer = _raw(mock.url, gzip_head, b"not gzip at all")
    assert status == 400 and "could not be decoded" in answer["error"], answer
    status, answer = _raw(mock.url, b"POST /__mock__/faults HTTP/1.1\r\n", b"[" + b" " * 2048 + b"]")
    assert status == 413 and "too large" in answer["error"], answer
    assert mock.requests() == []
