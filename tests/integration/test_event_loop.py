"""``sealmail serve --loop auto|asyncio|uvloop`` (and ``SEALMAIL_LOOP``): the banner names the loop it runs on,
an encrypted send is accepted on each loop, and asking for uvloop without it is a one-line usage error."""

from __future__ import annotations

import importlib.util
import json
import sys

import pytest
import requests

from sealmail.conformance.clients import netcore_email as client
from sealmail.mockservers.cli import main
from sealmail.mockservers.eventloop import LoopUnavailable, choose_loop, requested_loop

from .test_cli import Served, serve  # noqa: F401  (the fixture: servers started by a test are killed after it)

HAS_UVLOOP = importlib.util.find_spec("uvloop") is not None


def _send_is_accepted(row: dict[str, str]) -> None:
    encrypted = client.encrypt_request({
        "from": {"email": "a@example.com"}, "subject": "loop", "content": [{"type": "html", "value": "<p>x</p>"}],
        "personalizations": [{"to": [{"email": "b@example.org"}]}],
    })
    headers = {**encrypted.headers, "Authorization": f"Bearer {row['api_key']}"}
    response = requests.post(row["base_url"] + client.SEND_PATH, data=encrypted.body, headers=headers, timeout=10)
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("loop", [
    "asyncio",
    pytest.param("uvloop", marks=pytest.mark.skipif(not HAS_UVLOOP, reason="uvloop is not installed")),
])
def test_serve_runs_on_the_loop_asked_for_and_says_so(loop: str, serve: type[Served]) -> None:
    server = serve("--provider", "netcore-email", "--port-base", "0", "--json", "--loop", loop)
    line = json.loads(server.line())
    assert line["event_loop"] == loop
    _send_is_accepted(line["mocks"][0])
    assert server.terminate() == 0


def test_table_banner_names_the_loop(serve: type[Served]) -> None:
    server = serve("--provider", "netcore-email", "--port-base", "0", "--loop", "asyncio")
    lines = [server.line()]
    while not lines[-1].startswith("Control API"):
        lines.append(server.line())
    assert "event loop: asyncio\n" in lines
    assert server.terminate() == 0


def test_loop_uvloop_without_uvloop_is_a_one_line_usage_error(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(sys.modules, "uvloop", None)  # import uvloop now raises ImportError
    assert main(["serve", "--provider", "netcore-email", "--port-base", "0", "--loop", "uvloop"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("sealmail serve: error: uvloop is not installed")
    assert 'sealmail[fast]' in err


def test_auto_falls_back_to_asyncio_without_uvloop(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "uvloop", None)
    assert choose_loop("auto").name == "asyncio"


@pytest.mark.skipif(not HAS_UVLOOP, reason="uvloop is not installed")
def test_auto_prefers_uvloop_when_installed() -> None:
    choice = choose_loop("auto")
    assert choice.name == "uvloop"

    async def loop_module() -> str:
        import asyncio

        return type(asyncio.get_running_loop()).__module__

    assert choice.run(loop_module()).startswith("uvloop")


def test_environment_chooses_when_no_option(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("SEALMAIL_LOOP", "asyncio")
    assert requested_loop(None) == "asyncio"
    assert requested_loop("uvloop") == "uvloop"  # the option wins
    monkeypatch.setenv("SEALMAIL_LOOP", "trio")
    with pytest.raises(LoopUnavailable, match="unknown event loop 'trio'"):
        choose_loop(requested_loop(None))
    assert main(["serve", "--provider", "netcore-email", "--port-base", "0"]) == 2
    assert capsys.readouterr().err.count("\n") == 1


@pytest.mark.parametrize("loop", [
    "asyncio",
    pytest.param("uvloop", marks=pytest.mark.skipif(not HAS_UVLOOP, reason="uvloop is not installed")),
])
def test_the_fixtures_server_thread_follows_sealmail_loop(loop: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from sealmail.mockservers.core import ServerThread

    monkeypatch.setenv("SEALMAIL_LOOP", loop)
    thread = ServerThread()
    try:
        assert type(thread.loop).__module__.split(".")[0] == loop
    finally:
        thread.stop()
