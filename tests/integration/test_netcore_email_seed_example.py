"""The seed's own Python example (pycryptodome + requests) must be accepted by the mock.

The script (tests/seed_examples/netcore_email_seed_example.py) differs from the
seed only in URL, API key and the two addresses; here only its URL is pointed at
the test's mock. It runs as a subprocess, exactly as a user would run it; the
payload it built is read from its own source, so nothing is restated here.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from sealmail.mockservers.core import MockHandle

SCRIPT = Path(__file__).resolve().parents[1] / "seed_examples" / "netcore_email_seed_example.py"
SCRIPT_URL = "http://127.0.0.1:8101/v6/mail/send"


def _literal(source: str, name: str) -> Any:
    """The value of the literal assigned to ``name`` in the script's ``main``."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
            return ast.literal_eval(node.value)
    raise AssertionError(f"{name} not assigned in {SCRIPT.name}")


def test_seed_example_is_accepted_and_its_payload_stored(netcore_email_mock: MockHandle, tmp_path: Path) -> None:
    source = SCRIPT.read_text(encoding="utf-8")
    assert source.count(SCRIPT_URL) == 1
    assert _literal(source, "api_key") == netcore_email_mock.config["api_key"]
    script = tmp_path / SCRIPT.name
    script.write_text(source.replace(SCRIPT_URL, netcore_email_mock.config["send_url"]), encoding="utf-8")

    run = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60)

    assert run.returncode == 0, run.stderr
    status_line, _, printed = run.stdout.partition("\n")
    assert status_line == "Status: 200", run.stdout
    reply = json.loads(printed)
    assert reply["message"] == "OK" and reply["status"] == "success"
    message_id = reply["data"]["message_id"]
    assert re.fullmatch(r"[0-9a-f]{32}", message_id)

    netcore_email_mock.assert_all_accepted()
    (message,) = netcore_email_mock.messages()
    assert message.message_id == message_id
    assert message.payload == _literal(source, "data")
    (entry,) = netcore_email_mock.requests()
    assert entry.header("X-Encryption") == "1" and entry.header("X-Encryption-Version") == "2"
    assert entry.details["encrypted"] is True
