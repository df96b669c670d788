"""``python -m sealmail``: serve in a subprocess (JSON start-up line, SIGTERM), list, bad input.

Never sleeps: the test waits for the server's start-up line on its stdout.
"""

from __future__ import annotations

import json
import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any, Iterator

import pytest
import requests

from sealmail.mockservers.cli import main
from sealmail.mockservers.core import providers
from sealmail.mockservers.providers.netcore_email import spec

ROOT = Path(__file__).resolve().parents[2]


class Served:
    """A ``python -m sealmail serve`` subprocess whose stdout lines arrive on a queue."""

    def __init__(self, *args: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "sealmail", "serve", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        self._lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._lines.put(line)
        self._lines.put("")  # end of output

    def line(self, timeout: float = 30.0) -> str:
        """The next stdout line; fails (never hangs) if none comes or the process ends."""
        try:
            line = self._lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no output within {timeout}s") from None
        if not line:
            raise AssertionError(f"server exited {self.proc.wait(10)}: {self.proc.stderr.read() if self.proc.stderr else ''}")
        return line

    def mocks(self) -> dict[str, dict[str, Any]]:
        return {row["provider"]: row for row in json.loads(self.line())["mocks"]}

    def terminate(self) -> int:
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=15)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()


@pytest.fixture
def serve() -> Iterator[type[Served]]:
    started: list[Served] = []

    class Tracked(Served):
        def __init__(self, *args: str) -> None:
            super().__init__(*args)
            started.append(self)

    yield Tracked
    for server in started:
        server.kill()


def test_serve_json_health_credentials_set_and_sigterm(serve: type[Served]) -> None:
    server = serve("--provider", "netcore-email", "--port-base", "0", "--json", "--set", "netcore-email.api_key=xyz")
    mocks = server.mocks()
    assert list(mocks) == ["netcore-email"]
    row = mocks["netcore-email"]
    assert row["api_key"] == "xyz"  # --set took effect, and the credentials are printed
    assert row["headers"] == {"Authorization": "Bearer xyz"}
    assert row["send_url"] == row["base_url"] + "/v6/mail/send"
    assert row["base_url"].startswith("http://127.0.0.1:")
    assert requests.get(row["base_url"] + "/__mock__/health", timeout=10).json() == {"provider": "netcore-email", "status": "ok"}
    assert requests.get(row["base_url"] + "/__mock__/config", timeout=10).json() == row

    payload = {"from": {"email": "a@example.com"}, "personalizations": [{"to": [{"email": "b@example.com"}]}],
               "subject": "s", "content": [{"type": "html", "value": "v"}]}
    accepted = requests.post(row["send_url"], json=payload, headers={"Authorization": "Bearer xyz"}, timeout=10)
    assert accepted.status_code == 200
    default_key = requests.post(
        row["send_url"], json=payload, headers={"Authorization": f"Bearer {spec.DEFAULT_API_KEY}"}, timeout=10
    )
    assert default_key.status_code == 401
    assert server.terminate() == 0


def test_serve_all_providers_each_answers_health(serve: type[Served]) -> None:
    server = serve("--port-base", "0", "--json")
    mocks = server.mocks()
    assert set(mocks) == set(providers())
    assert len({row["base_url"] for row in mocks.values()}) == len(mocks)
    for provider_id, row in mocks.items():
        health = requests.get(row["base_url"] + "/__mock__/health", timeout=10).json()
        assert health == {"provider": provider_id, "status": "ok"}
    assert server.terminate() == 0


def test_table_output_lists_url_and_credentials(serve: type[Served]) -> None:
    server = serve("--provider", "netcore-email", "--port-base", "0")
    lines = []
    while not (lines and lines[-1].startswith("Control API")):
        lines.append(server.line())
    assert lines[0].split() == ["provider", "base", "URL"]
    name, url = lines[1].split()
    assert name == "netcore-email" and url.startswith("http://127.0.0.1:")
    assert f"api_key: {spec.DEFAULT_API_KEY}" in "".join(lines)
    assert server.terminate() == 0


def test_list_subcommand(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list"]) == 0
    rows = [line.split("\t") for line in capsys.readouterr().out.splitlines()]
    assert ["netcore-email", "+1", "Netcore Email API v6 (AES-256-GCM)"] in rows
    assert [row[0] for row in rows] == list(providers())


@pytest.mark.parametrize(
    "argv, message",
    [
        pytest.param(["serve", "--provider", "no-such-provider"], "unknown provider", id="unknown-provider"),
        pytest.param(["serve", "--set", "no-such-provider.key=1"], "unknown provider", id="set-unknown-provider"),
        pytest.param(["serve", "--set", "netcore-email.no_such_setting=1"], "unknown setting", id="set-unknown-setting"),
        pytest.param(["serve", "--set", "netcore-email.journal_capacity=lots"], "bad settings", id="set-bad-int"),
        pytest.param(["serve", "--set", "netcore-email-api_key"], "ID.KEY=VALUE", id="set-malformed"),
    ],
)
def test_bad_command_lines_exit_2_without_serving(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert message in captured.err
    assert captured.out == ""


@pytest.mark.parametrize(
    "config",
    [
        pytest.param("{not json", id="not-json"),
        pytest.param('["netcore-email"]', id="not-object"),
        pytest.param('{"netcore-email": ["api_key", "x"]}', id="values-not-object"),
        pytest.param('{"netcore-email": {"journal_capacity": "x"}}', id="bad-value"),
        pytest.param('{"netcore-email": {"journal_capacity": [1]}}', id="wrong-type"),
    ],
)
def test_bad_config_file_exits_2(config: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "mocks.json"
    path.write_text(config, encoding="utf-8")
    assert main(["serve", "--config", str(path)]) == 2
    assert "bad settings" in capsys.readouterr().err
