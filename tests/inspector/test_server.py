"""The inspector's HTTP side without a browser: guard, event stream, proxy, snippets, ``sealmail serve`` wiring."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from typing import Any, Iterator

import pytest
import requests

from sealmail.mockservers.inspector.guard import is_loopback_host
from sealmail.mockservers.inspector.snippets import snippets_for

from ..integration.test_cli import Served as ServeProcess, serve  # noqa: F401 (fixture)
from . import traffic
from .conftest import Served


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1:8100", True), ("localhost:8100", True), ("LOCALHOST", True), ("[::1]:8100", True), ("127.8.9.10", True),
     ("app.localhost:1", True), ("evil.example:8100", False), ("10.0.0.5:8100", False), ("[::2]:80", False), ("", False),
     ("127.0.0.1.evil.example", False), ("0.0.0.0:8100", False)],
)
def test_loopback_host_names(host: str, loopback: bool) -> None:
    assert is_loopback_host(host) is loopback


def test_guard_refuses_foreign_hosts_and_cross_origin_state_changes(served: Served) -> None:
    reset = served.url + "/p/netcore-email/__mock__/reset"
    # DNS rebinding: the right address, the attacker's name.
    assert requests.get(served.url + "/api/mocks", headers={"Host": "evil.example:8100"}, timeout=5).status_code == 403
    refused = [
        {"Origin": "http://127.0.0.1:1"},
        {"Origin": "null"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},  # another port on 127.0.0.1 is same-site, not same-origin
    ]
    for headers in refused:
        answer = requests.post(reset, headers=headers, timeout=5)
        assert answer.status_code == 403, headers
        assert "refused" in answer.json()["error"]
        assert not [h for h in answer.headers if h.lower().startswith("access-control-")]
        assert answer.headers["X-Content-Type-Options"] == "nosniff"  # the refusal quotes the Origin it refused
        assert "default-src 'self'" in answer.headers["Content-Security-Policy"]
    allowed = requests.post(reset, headers={"Origin": served.url, "Sec-Fetch-Site": "same-origin"}, timeout=5)
    assert allowed.status_code == 200 and allowed.json() == {"status": "ok"}
    assert requests.post(reset, timeout=5).status_code == 200  # a script (no Origin) is not a browser page
    # Reading is allowed from anywhere on loopback, but no CORS header lets another origin read the answer.
    page = requests.get(served.url + "/", headers={"Origin": "http://127.0.0.1:1"}, timeout=5)
    assert page.status_code == 200 and "Access-Control-Allow-Origin" not in page.headers
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]


@pytest.mark.parametrize("path", [
    "/p/netcore-email/__mock__/messages?wait_for=1&timeout_s=0",  # the timing oracle: answers when a message arrives
    "/p/autosend/__mock__/config",
    "/api/mocks",
    "/api/snippets/autosend",
    "/events",
])
def test_guard_refuses_cross_site_reads_of_data_paths(served: Served, path: str) -> None:
    """An ``<img>``/``<script>``/``EventSource`` of another site is refused like the mock's own guard refuses it.

    Before: the proxy forwarded the GET without ``Sec-Fetch-Site``, so a page could drive the mock's
    control API through the inspector (which the mock itself refuses cross-site).
    """
    for headers in ({"Sec-Fetch-Site": "cross-site"}, {"Sec-Fetch-Site": "same-site"}, {"Origin": "http://127.0.0.1:1"},
                    {"Origin": "null"}):
        answer = requests.get(served.url + path, headers=headers, timeout=5, stream=True)
        assert answer.status_code == 403, headers
        assert "refused" in answer.json()["error"]
    own = requests.get(served.url + path, headers={"Sec-Fetch-Site": "same-origin"}, timeout=5, stream=True)
    assert own.status_code == 200
    own.close()


def test_page_and_static_files_stay_navigable_from_other_sites(served: Served) -> None:
    for path in ("/", "/static/app.js"):
        answer = requests.get(served.url + path, headers={"Sec-Fetch-Site": "cross-site"}, timeout=5)
        assert answer.status_code == 200, path


@pytest.mark.parametrize("tail", ["..%2f..%2fv6/mail/send", "%2e%2e/v6/mail/send", "x/../../v6/mail/send"])
def test_proxy_forwards_only_control_calls(served: Served, tail: str) -> None:
    """Before: a dot segment in the tail left ``/__mock__/`` and reached the provider API (``/v6/mail/send``)."""
    mock = served.mocks["netcore-email"]
    seen = len(mock.requests())
    answer = requests.Request("POST", f"{served.url}/p/netcore-email/__mock__/{tail}", data=b"{}",
                              headers={"Content-Type": "application/json"}).prepare()
    answer.url = f"{served.url}/p/netcore-email/__mock__/{tail}"  # as written: no client-side dot-segment removal
    with requests.Session() as session:
        reply = session.send(answer, timeout=5)
    assert reply.status_code == 404 and "only control calls" in reply.json()["error"]
    assert len(mock.requests()) == seen


def test_api_mocks_and_proxy_reach_every_control_api(served: Served) -> None:
    listed = requests.get(served.url + "/api/mocks", timeout=5).json()["mocks"]
    assert [m["provider"] for m in listed] == list(served.mocks)
    for row in listed:
        mock = served.mocks[row["provider"]]
        assert row["base_url"] == mock.url
        config = requests.get(served.url + row["control"] + "/config", timeout=5).json()
        assert (config["provider"], config["base_url"]) == (row["provider"], mock.url)  # the mock's own answer
    unknown = requests.get(served.url + "/p/nope/__mock__/config", timeout=5)
    assert unknown.status_code == 404 and "nope" in unknown.json()["error"]
    # Errors of the control API come back as they are.
    bad = requests.post(served.url + "/p/netcore-email/__mock__/faults", data="{", headers={"Content-Type": "application/json"}, timeout=5)
    assert bad.status_code == 400 and "JSON" in bad.json()["error"]


def events(served: Served) -> Iterator[dict[str, Any]]:
    with requests.get(served.url + "/events", stream=True, timeout=10) as stream:
        assert stream.headers["Content-Type"] == "text/event-stream"
        for line in stream.iter_lines(decode_unicode=True):
            if line.startswith("data: "):
                yield json.loads(line[6:])


def test_event_stream_relays_commits_adds_and_clears(inspector: Served) -> None:
    stream = events(inspector)
    assert next(stream) == {"type": "hello"}
    mock = inspector.mocks["netcore-email"]
    message_id = traffic.netcore_email(mock)
    # The store's add comes first: the middleware commits the journal entry after the handler stored the message.
    added, request = next(stream), next(stream)
    assert (added["type"], added["provider"], added["message"]["message_id"]) == ("message", "netcore-email", message_id)
    assert added["message"]["payload"]["subject"] == "Hi [%NAME%]"  # decrypted
    assert (request["type"], request["provider"]) == ("request", "netcore-email")
    assert request["entry"]["message_ids"] == [message_id] and request["entry"]["outcome"] == "accepted"
    mock.state.reset()
    cleared = [next(stream), next(stream)]
    assert sorted((e["type"], e["what"]) for e in cleared) == [("cleared", "journal"), ("cleared", "store")]
    stream.close()


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed: the Node snippets cannot be run here")
def test_node_snippets_work_against_the_running_mocks(inspector: Served) -> None:
    run_snippets(inspector, "node", ["node", "-e"])


@pytest.mark.skipif(shutil.which("curl") is None or shutil.which("openssl") is None, reason="curl and openssl are needed")
def test_curl_snippets_work_against_the_running_mocks(inspector: Served) -> None:
    run_snippets(inspector, "curl", ["bash", "-c"])


def run_snippets(inspector: Served, language: str, command: list[str]) -> None:
    """Run every provider's snippet side by side (each talks to its own mock); each request must be accepted."""
    runs = {pid: subprocess.Popen([*command, snippets_for(mock.config)[language]], stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, text=True)
            for pid, mock in inspector.mocks.items()}
    for provider_id, run in runs.items():
        output, _ = run.communicate(timeout=60)
        assert run.returncode == 0, f"{provider_id}: {output}"
        sent = inspector.mocks[provider_id].requests()
        assert sent and all(e.accepted for e in sent), [e.summary() for e in sent]


def test_serve_starts_the_inspector_at_the_port_base(serve: type[ServeProcess]) -> None:  # noqa: F811
    server = serve("--provider", "netcore-email", "--provider", "stayprivate", "--port-base", "0", "--json")
    started = json.loads(server.line())
    url = started["inspector_url"]
    assert url.startswith("http://127.0.0.1:") and url.endswith("/")
    page = requests.get(url, timeout=10)
    assert page.status_code == 200 and "sealmail inspector" in page.text
    assert [m["provider"] for m in requests.get(url + "api/mocks", timeout=10).json()["mocks"]] == ["netcore-email", "stayprivate"]
    assert requests.get(url + "static/app.js", timeout=10).headers["Content-Type"].startswith(("text/javascript", "application/javascript"))
    assert server.terminate() == 0


def test_serve_without_inspector(serve: type[ServeProcess]) -> None:  # noqa: F811
    server = serve("--provider", "netcore-email", "--port-base", "0", "--json", "--no-inspector")
    assert "inspector_url" not in json.loads(server.line())
    assert server.terminate() == 0


def test_inspector_reaches_https_mocks_with_the_local_ca(serve: type[ServeProcess], tmp_path: Any) -> None:  # noqa: F811
    server = serve("--provider", "netcore-email", "--port-base", "0", "--json", "--tls", "--data-dir", str(tmp_path), "--quiet")
    started = json.loads(server.line())
    [mock] = started["mocks"]
    assert mock["base_url"].startswith("https://") and started["ca_file"].startswith(str(tmp_path))
    health = requests.get(started["inspector_url"] + "p/netcore-email/__mock__/health", timeout=10)
    assert health.status_code == 200 and health.json()["status"] == "ok"  # the proxy trusted the mock's certificate
    assert server.terminate() == 0
