"""Issue 17, done-when 2: Node's own test runner, 4 files in parallel (each with 2 concurrent
tests), against ONE ``sealmail serve`` subprocess; every test makes its own tenant."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from sealmail.mockservers.core.remote_handle import control_call

from .test_cli import Served

NODE_TESTS = Path(__file__).resolve().parents[1] / "node_tenants"


def test_node_test_runner_parallel_tenants_against_one_server() -> None:
    node = shutil.which("node")
    if node is None:
        if os.environ.get("CI"):
            pytest.fail("node is required in CI for the Node tenant example (tests/node_tenants)")
        pytest.skip("node is not installed: the Node tenant example (tests/node_tenants) needs node >= 20")
    server = Served("--provider", "ncp-mailer", "--port-base", "0", "--json", "--no-inspector", "--quiet")
    try:
        url = server.mocks()["ncp-mailer"]["base_url"]
        files = sorted(str(p) for p in NODE_TESTS.glob("*.test.mjs"))
        result = subprocess.run(
            [node, "--test", "--test-concurrency=4", *files],
            env={**os.environ, "SEALMAIL_NCP_MAILER_URL": url},
            capture_output=True, text=True, timeout=120, cwd=NODE_TESTS,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        assert "# pass 12" in result.stdout and "# fail 0" in result.stdout, result.stdout
        listing = control_call(url + "/__mock__/tenants")
        assert listing["created"] == 8 and listing["tenants"] == []
        assert server.terminate() == 0
    finally:
        server.kill()
