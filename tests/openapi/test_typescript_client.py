"""A user's TypeScript control client: types from ``openapi-typescript`` (npm), compiled with ``tsc``, run by node.

The two npm packages (pinned in tests/openapi/typescript/package.json) are installed once into
``~/.cache/sealmail-openapi-npm`` (``SEALMAIL_NPM_CACHE`` moves it) and reused by later runs.
Without node and npm the test skips, unless ``CI`` is set: then it fails.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from sealmail import MockHandle
from sealmail.mockservers.providers.netcore_email import spec as netcore_email_spec

EXAMPLE = Path(__file__).parent / "typescript"
CACHE = Path(os.environ.get("SEALMAIL_NPM_CACHE", Path.home() / ".cache" / "sealmail-openapi-npm"))


def _run(*command: str | Path, cwd: Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([str(part) for part in command], cwd=cwd, capture_output=True, text=True, timeout=300)
    if check and done.returncode != 0:
        pytest.fail(f"{' '.join(map(str, command))} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done


@pytest.fixture(scope="session")
def npm_bin() -> Path:
    """``node_modules/.bin`` with openapi-typescript and tsc, installed once per cache (locked against xdist peers)."""
    if not (shutil.which("node") and shutil.which("npm")):
        if os.environ.get("CI"):
            pytest.fail("node and npm are required in CI (.ci/run installs them)")
        pytest.skip("node and npm are not installed: the TypeScript client example needs them")
    CACHE.mkdir(parents=True, exist_ok=True)
    wanted = (EXAMPLE / "package.json").read_text()
    with open(CACHE / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        installed = CACHE / "node_modules" / ".bin"
        manifest = CACHE / "package.json"
        if not (manifest.exists() and manifest.read_text() == wanted and (installed / "tsc").exists()):
            manifest.write_text(wanted)
            _run("npm", "install", "--no-audit", "--no-fund", "--loglevel=error", cwd=CACHE)
    return installed


def test_generated_typescript_client_resets_scripts_faults_and_reads_requests(
    tmp_path: Path, npm_bin: Path, netcore_email_mock: MockHandle[Any]
) -> None:
    """One test (each node start costs a second or more): generate, compile, run, then the compile-time check."""
    for name in ("client.ts", "wrong_client.ts", "tsconfig.json"):
        shutil.copy(EXAMPLE / name, tmp_path / name)
    _run(npm_bin / "openapi-typescript", netcore_email_mock.url + "/__mock__/openapi.json", "-o", "control.ts", cwd=tmp_path)
    _run(npm_bin / "tsc", "-p", "tsconfig.json", cwd=tmp_path)
    done = _run("node", tmp_path / "out" / "client.js", netcore_email_mock.url, netcore_email_spec.SEND_PATH, cwd=tmp_path)
    result = json.loads(done.stdout)
    assert result == {
        "reset": "ok",
        "scripted": [[503, 1, netcore_email_spec.SEND_PATH]],
        "pending": 1,
        "apiStatus": 503,
        "retryAfter": "2",
        "journal": {"recorded": 1, "status": 503, "outcome": "rejected", "reason": "fault_injected", "path": netcore_email_spec.SEND_PATH},
        "refused": "post /__mock__/faults: 400 status must be an error status between 400 and 599",
    }
    (entry,) = netcore_email_mock.requests()  # what node saw is what the mock journaled
    assert (entry.status, entry.reason) == (503, "fault_injected")

    # The generated types are real: a mistyped fault does not compile.
    wrong = _run(npm_bin / "tsc", "--noEmit", "--strict", "--skipLibCheck", "wrong_client.ts", cwd=tmp_path, check=False)
    assert wrong.returncode != 0
    assert "wrong_client.ts(5," in wrong.stdout and "Type 'string' is not assignable to type 'number'" in wrong.stdout
    assert "wrong_client.ts(6," in wrong.stdout and "'stauts' does not exist" in wrong.stdout
