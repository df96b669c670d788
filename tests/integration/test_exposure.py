"""The control API is reachable only by the machine's own user (core/exposure.py, docs/security.md).

A web page the developer visits must not reach the mocks: not by DNS rebinding
(its own name in ``Host``), not by a cross-origin "simple request" (``Origin``,
``Sec-Fetch-Site``), and no answer carries a CORS header. A non-loopback bind
needs the control token on every ``/__mock__/`` call.
"""

from __future__ import annotations

import asyncio
import io
import json
import socket
from contextlib import redirect_stderr
from email.message import Message
from email.utils import collapse_rfc2231_value
from typing import Iterator
from urllib.parse import unquote

import pytest
import requests

from sealmail.mockservers import cli
from sealmail.mockservers.core import MockHandle, ServerThread, create_app, get_provider, providers
from sealmail.mockservers.core.exposure import Exposure, ExposureError

PROVIDERS = list(providers())
FIRST_API_PATH = {
    "netcore-email": ("POST", "/v6/mail/send"),
    "autosend": ("POST", "/v1/mails/send"),
    "ncp-mailer": ("POST", "/api/v1/mails"),
    "netcore-ce": ("POST", "/v1/activity/upload"),
    "stayprivate": ("POST", "/1.0/emails/prepare"),
}
REBINDING_HOSTS = [
    "rebind.attacker.example",
    "localhost.attacker.example",
    "127.0.0.1.nip.io",
    "attacker.example:8101",
    "",
    "127.0.0.1:80@attacker.example",
    "127.0.0.2",
]


@pytest.fixture
def any_mock(request: pytest.FixtureRequest, provider_id: str) -> MockHandle:
    return request.getfixturevalue(provider_id.replace("-", "_") + "_mock")


def _raw(url: str, head: bytes) -> tuple[int, dict[str, str], bytes]:
    host, port = url.split("//", 1)[1].rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(head)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head_part, _, body = data.partition(b"\r\n\r\n")
    lines = head_part.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split(" ")[1]), headers, body


# --- Host: DNS rebinding ----------------------------------------------------------------
@pytest.mark.parametrize("host", REBINDING_HOSTS)
def test_a_rebinding_page_cannot_read_private_keys(autosend_mock: MockHandle, host: str) -> None:
    reply = requests.get(autosend_mock.url + "/__mock__/keys?private=1", headers={"Host": host}, timeout=10)
    assert reply.status_code == 421, reply.text
    assert "host_not_allowed" in reply.json()["error"] and '"d"' not in reply.text


def test_config_with_private_keys_needs_a_loopback_host(stayprivate_mock: MockHandle) -> None:
    refused = requests.get(stayprivate_mock.url + "/__mock__/config", headers={"Host": "rebind.attacker.example"}, timeout=10)
    assert refused.status_code == 421 and "PRIVATE KEY" not in refused.text
    # even the provider's own API host is not a control API name
    refused = requests.get(stayprivate_mock.url + "/__mock__/config", headers={"Host": "api.stayprivate.com"}, timeout=10)
    assert refused.status_code == 421 and "PRIVATE KEY" not in refused.text


@pytest.mark.parametrize("host", ["localhost", "LOCALHOST:8101", "127.0.0.1", "127.0.0.1:1", "[::1]", "[::1]:8105", "LocalHost"])
def test_loopback_host_names_are_accepted(netcore_email_mock: MockHandle, host: str) -> None:
    reply = requests.get(netcore_email_mock.url + "/__mock__/health", headers={"Host": host}, timeout=10)
    assert reply.status_code == 200, reply.text


def test_a_request_without_host_or_with_two_is_refused(netcore_email_mock: MockHandle) -> None:
    status, _, body = _raw(netcore_email_mock.url, b"GET /__mock__/config HTTP/1.0\r\n\r\n")
    assert status == 421 and b"no Host header" in body
    status, _, body = _raw(netcore_email_mock.url, b"GET /__mock__/config HTTP/1.1\r\nHost: localhost\r\nHost: evil.example\r\nConnection: close\r\n\r\n")
    assert status == 400 and b"api_key" not in body


def test_an_absolute_request_target_must_name_the_mock_too(netcore_email_mock: MockHandle) -> None:
    status, _, body = _raw(netcore_email_mock.url, b"GET http://rebind.attacker.example/__mock__/config HTTP/1.1\r\n"
                                                   b"Host: 127.0.0.1\r\nConnection: close\r\n\r\n")
    assert status == 421 and b"absolute request target" in body
    status, _, _ = _raw(netcore_email_mock.url, b"GET http://localhost:1/__mock__/health HTTP/1.1\r\n"
                                                b"Host: 127.0.0.1\r\nConnection: close\r\n\r\n")
    assert status == 200


@pytest.mark.parametrize("provider_id", PROVIDERS)
def test_provider_paths_refuse_a_foreign_host_in_the_providers_shape(provider_id: str, any_mock: MockHandle) -> None:
    method, path = FIRST_API_PATH[provider_id]
    reply = requests.request(method, any_mock.url + path, headers={"Host": "rebind.attacker.example"}, json={}, timeout=10)
    provider = get_provider(provider_id)
    expected = provider.render_error(provider.reject_status(421, "host_not_allowed"))
    assert reply.status_code == 421 and reply.json() == expected.body
    (entry,) = any_mock.requests()
    assert entry.reason == "host_not_allowed" and "rebind.attacker.example" in (entry.detail or "")
    assert "/etc/hosts" in entry.details["hint"]


@pytest.mark.parametrize("provider_id", PROVIDERS)
def test_provider_paths_accept_the_real_api_host(provider_id: str, any_mock: MockHandle) -> None:
    method, path = FIRST_API_PATH[provider_id]
    for host in get_provider(provider_id).api_hosts:
        requests.request(method, any_mock.url + path, headers={"Host": host.upper() + ":443"}, json={}, timeout=10)
    entries = any_mock.requests()
    assert entries and all(e.reason != "host_not_allowed" for e in entries), any_mock.explain()


def test_every_provider_names_its_real_api_host() -> None:
    assert {p: get_provider(p).api_hosts for p in PROVIDERS} == {
        "netcore-email": ("emailapi.netcorecloud.net", "apieu.netcorecloud.net"),
        "autosend": ("api.autosend.com",),
        "ncp-mailer": ("mail.apigw.ntruss.com",),
        "netcore-ce": ("api2.netcoresmartech.com",),
        "stayprivate": ("api.stayprivate.com",),
    }


# --- Origin and Sec-Fetch-Site: cross-origin browser requests --------------------------------------
def _state_changing_control_routes(provider_id: str) -> list[tuple[str, str]]:
    routes = []
    for route in create_app(provider_id).router.routes():
        info = route.resource.get_info() if route.resource is not None else {}
        path = info.get("path") or info.get("formatter", "")
        if path.startswith("/__mock__/") and route.method not in ("GET", "HEAD", "*"):
            routes.append((route.method, path.replace("{", "x").replace("}", "x")))
    return routes


@pytest.mark.parametrize("provider_id", PROVIDERS)
@pytest.mark.parametrize(
    "browser_headers",
    [
        {"Origin": "https://attacker.example", "Content-Type": "text/plain"},
        {"Origin": "null", "Content-Type": "text/plain"},
        {"Sec-Fetch-Site": "cross-site", "Content-Type": "text/plain"},
        {"Origin": "http://localhost:1", "Sec-Fetch-Site": "same-site"},
    ],
)
def test_a_cross_origin_page_cannot_change_state(provider_id: str, any_mock: MockHandle, browser_headers: dict[str, str]) -> None:
    routes = _state_changing_control_routes(provider_id)
    assert ("POST", "/__mock__/faults") in routes and ("POST", "/__mock__/reset") in routes
    before = any_mock.config
    for method, path in routes:
        reply = requests.request(method, any_mock.url + path, headers=browser_headers, data=b'{"status": 503}', timeout=10)
        assert reply.status_code == 403, (method, path, reply.text)
        assert reply.json()["error"].startswith(("origin_not_allowed", "cross_site_request"))
    assert any_mock.state.faults.pending() == [] and any_mock.config.keys() == before.keys()
    if provider_id == "netcore-ce":
        assert any_mock.config["assets"] == before["assets"]


def test_netcore_ce_asset_registration_by_a_simple_request_is_refused(netcore_ce_mock: MockHandle) -> None:
    before = netcore_ce_mock.config["assets"]
    body = json.dumps({"asset": "evil", "key": "0" * 64, "iv": "0" * 32})
    reply = requests.post(netcore_ce_mock.url + "/__mock__/assets", data=body,
                          headers={"Content-Type": "text/plain", "Origin": "http://rebind.attacker.example:8104"}, timeout=10)
    assert reply.status_code == 403
    assert netcore_ce_mock.config["assets"] == before


@pytest.mark.parametrize("path", ["/__mock__/keys?private=1", "/__mock__/config", "/__mock__/requests"])
@pytest.mark.parametrize("site", ["cross-site", "same-site"])
def test_a_cross_site_page_cannot_read_secrets(autosend_mock: MockHandle, path: str, site: str) -> None:
    reply = requests.get(autosend_mock.url + path, headers={"Sec-Fetch-Site": site, "Sec-Fetch-Mode": "no-cors"}, timeout=10)
    assert reply.status_code == 403 and '"d"' not in reply.text


def test_same_origin_pages_and_typed_urls_still_work(netcore_ce_mock: MockHandle) -> None:
    own = netcore_ce_mock.url.replace("127.0.0.1", "localhost")
    for headers in (
        {"Origin": own, "Sec-Fetch-Site": "same-origin"},
        {"Origin": netcore_ce_mock.url},
        {"Sec-Fetch-Site": "none"},
        {},
    ):
        reply = requests.post(netcore_ce_mock.url + "/__mock__/faults", headers=headers, json={"status": 503, "path": "/nowhere"}, timeout=10)
        assert reply.status_code == 200, (headers, reply.text)
    # the mock's own origin is its own port: another local port is another origin
    other_port = netcore_ce_mock.url.rsplit(":", 1)[0] + ":1"
    assert requests.post(netcore_ce_mock.url + "/__mock__/reset", headers={"Origin": other_port}, timeout=10).status_code == 403


def test_scripts_without_a_body_keep_working(netcore_email_mock: MockHandle) -> None:
    assert requests.post(netcore_email_mock.url + "/__mock__/reset", timeout=10).status_code == 200
    assert requests.delete(netcore_email_mock.url + "/__mock__/faults", timeout=10).status_code == 200


@pytest.mark.parametrize("path", ["/__mock__/faults", "/__mock__/keys", "/v1/mails/send"])
def test_no_answer_carries_a_cors_header(autosend_mock: MockHandle, path: str) -> None:
    preflight = requests.options(
        autosend_mock.url + path,
        headers={"Origin": "https://attacker.example", "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "content-type"},
        timeout=10,
    )
    plain = requests.get(autosend_mock.url + path, headers={"Origin": autosend_mock.url}, timeout=10)
    for reply in (preflight, plain):
        assert not [h for h in reply.headers if h.lower().startswith("access-control-")], reply.headers


def test_control_answers_are_never_sniffed_or_run_as_a_page(netcore_email_mock: MockHandle) -> None:
    for reply in (
        requests.get(netcore_email_mock.url + "/__mock__/health", timeout=10),
        requests.get(netcore_email_mock.url + "/__mock__/nothing-here", timeout=10),
        requests.get(netcore_email_mock.url + "/__mock__/health", headers={"Host": "evil.example"}, timeout=10),
    ):
        assert reply.headers["X-Content-Type-Options"] == "nosniff"
        assert reply.headers["Content-Security-Policy"] == "sandbox"


# --- the control token and non-loopback binds ----------------------------------------------------------
@pytest.fixture(scope="module")
def server_thread() -> Iterator[ServerThread]:
    with ServerThread(name="exposure-tests") as thread:
        yield thread


def _started(thread: ServerThread, provider_id: str, exposure: Exposure) -> str:
    return thread.start(create_app(provider_id), "127.0.0.1", 0, exposure=exposure).url


def test_a_non_loopback_bind_without_a_token_is_refused() -> None:
    for host in ("0.0.0.0", "::", "192.0.2.10"):
        with pytest.raises(ExposureError, match="control token"):
            Exposure.for_bind(host)
    assert not Exposure.for_bind("0.0.0.0", control_token="t").loopback
    assert Exposure.for_bind("::1").loopback and Exposure.for_bind("localhost").loopback


def test_start_mock_refuses_to_expose_an_unprotected_control_api(server_thread: ServerThread) -> None:
    with pytest.raises(ExposureError):
        server_thread.start(create_app("netcore-email"), "0.0.0.0", 0)


def test_with_a_token_every_control_call_needs_it(server_thread: ServerThread) -> None:
    url = _started(server_thread, "autosend", Exposure.for_bind("0.0.0.0", control_token="s3cret-token"))
    for path in ("/__mock__/health", "/__mock__/keys?private=1", "/__mock__/config"):
        bare = requests.get(url + path, timeout=10)
        assert bare.status_code == 401 and '"d"' not in bare.text and "control_token_missing" in bare.text
        assert bare.headers["WWW-Authenticate"].startswith("Bearer")
        wrong = requests.get(url + path, headers={"Authorization": "Bearer s3cret-tokem"}, timeout=10)
        assert wrong.status_code == 401 and "control_token_invalid" in wrong.text
    assert requests.post(url + "/__mock__/reset", timeout=10).status_code == 401
    keys = requests.get(url + "/__mock__/keys?private=1", headers={"Authorization": "Bearer s3cret-token"}, timeout=10)
    assert keys.status_code == 200 and '"d"' in keys.text
    assert requests.get(url + "/__mock__/config", headers={"X-Sealmail-Token": "s3cret-token"}, timeout=10).status_code == 200
    # the provider API itself keeps its own auth, no token
    assert requests.get(url + "/v1/jwks.json", timeout=10).status_code == 200


def test_a_wildcard_bind_answers_to_its_host_name_and_extra_names(server_thread: ServerThread) -> None:
    exposure = Exposure.for_bind("0.0.0.0", control_token="t", allowed_hosts=["mocks.internal"])
    url = _started(server_thread, "netcore-email", exposure)
    auth = {"X-Sealmail-Token": "t"}
    for host in (socket.gethostname(), "mocks.internal:8101", "127.0.0.1"):
        assert requests.get(url + "/__mock__/health", headers={**auth, "Host": host}, timeout=10).status_code == 200
    assert requests.get(url + "/__mock__/health", headers={**auth, "Host": "other.example"}, timeout=10).status_code == 421


def test_allowed_origins_let_a_same_machine_page_in(server_thread: ServerThread) -> None:
    exposure = Exposure.for_bind("127.0.0.1", allowed_origins=["http://127.0.0.1:8100"])
    url = _started(server_thread, "netcore-email", exposure)
    inspector = {"Origin": "http://127.0.0.1:8100", "Sec-Fetch-Site": "same-site"}
    assert requests.post(url + "/__mock__/reset", headers=inspector, timeout=10).status_code == 200
    assert requests.get(url + "/__mock__/config", headers=inspector, timeout=10).status_code == 200
    other = {"Origin": "http://127.0.0.1:8200", "Sec-Fetch-Site": "same-site"}
    assert requests.post(url + "/__mock__/reset", headers=other, timeout=10).status_code == 403
    cross = {"Origin": "http://127.0.0.1:8100", "Sec-Fetch-Site": "cross-site"}
    assert requests.post(url + "/__mock__/reset", headers=cross, timeout=10).status_code == 403


def test_serve_refuses_a_non_loopback_bind_without_a_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SEALMAIL_CONTROL_TOKEN", raising=False)
    err = io.StringIO()
    with redirect_stderr(err):
        code = cli.main(["serve", "--host", "0.0.0.0", "--port-base", "0"])
    assert code == 2
    (line,) = err.getvalue().splitlines()
    assert "--control-token" in line and "SEALMAIL_CONTROL_TOKEN" in line


def _serve_once(exposure: Exposure | None) -> str:
    """Run ``serve`` on loopback until its start-up table is printed; return the table."""
    table = io.StringIO()

    async def run() -> None:
        stop = asyncio.Event()
        table.flush = stop.set  # type: ignore[method-assign]  # the table is complete: stop serving
        await cli.serve(["netcore-email"], host="127.0.0.1", port_base=0, settings={}, out=table, stop=stop, exposure=exposure)

    asyncio.run(run())
    return table.getvalue()


def test_serve_prints_the_exposure_of_a_non_loopback_guard(capsys: pytest.CaptureFixture[str]) -> None:
    _serve_once(Exposure.for_bind("0.0.0.0", control_token="t"))  # a network bind's guard; the socket stays on loopback
    (banner,) = capsys.readouterr().err.splitlines()
    assert banner.startswith("WARNING: listening on 0.0.0.0") and "Authorization: Bearer" in banner
    assert "Inspector:" in _serve_once(None)
    assert capsys.readouterr().err == ""


def test_the_inspector_is_not_served_where_its_calls_would_need_a_token() -> None:
    assert "Inspector:" not in _serve_once(Exposure.for_bind("127.0.0.1", control_token="t"))


# --- attachments served back by the control API -------------------------------------------------
def test_attachments_download_instead_of_rendering(stayprivate_mock: MockHandle) -> None:
    config = stayprivate_mock.config
    headers = {"Authorization": f"Bearer {config['sample_bearer_token']}", "SP-Company-Api-Id": config["company_api_id"]}
    prepared = requests.post(stayprivate_mock.url + "/1.0/emails/prepare", headers=headers,
                             json={"senderEmail": config["sender_email"]}, timeout=10)
    email_ref = prepared.json()["data"]["emailRef"]
    page = b"<html><script>fetch('/__mock__/config')</script></html>"
    name = 'Grüße "x"; ..\\evil.html'
    uploaded = requests.post(stayprivate_mock.url + f"/1.0/emails/{email_ref}/attachments/upload", headers=headers,
                             files={"emailAttachment": (name, page, "text/html")}, timeout=10)
    file_ref = uploaded.json()["data"]["fileRef"]
    reply = requests.get(stayprivate_mock.url + f"/__mock__/emails/{email_ref}/attachments/{file_ref}", timeout=10)
    assert reply.status_code == 200 and reply.content == page
    assert reply.headers["Content-Type"] == "application/octet-stream"
    assert reply.headers["X-Content-Type-Options"] == "nosniff" and reply.headers["Content-Security-Policy"] == "sandbox"
    assert reply.headers["X-Uploaded-Content-Type"] == "text/html"
    disposition = reply.headers["Content-Disposition"]
    stored = unquote(reply.headers["X-File-Name"])
    assert "Grüße" in stored
    parsed = Message()
    parsed["Content-Disposition"] = disposition
    assert parsed.get_content_disposition() == "attachment"
    (_, (name_key, fallback), (star_key, encoded)) = parsed.get_params(header="Content-Disposition")
    assert name_key == star_key == "filename"  # RFC 2231 decoding names filename* "filename" too
    assert isinstance(encoded, tuple) and collapse_rfc2231_value(encoded) == stored
    assert fallback.isascii() and not set('"\\%') & set(fallback)
