"""``python -m sealmail vectors``: generate into a folder, verify (exit 1 on disagreement), replay against a server."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from sealmail.mockservers.core import MockPool
from sealmail.vectors.schema import DATA_DIR

ROOT = Path(__file__).resolve().parents[2]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "sealmail", "vectors", *args], cwd=ROOT, capture_output=True, text=True, timeout=180)


def test_generate_into_a_folder_reproduces_the_committed_files(tmp_path: Path) -> None:
    result = _run("generate", "--provider", "netcore-email", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    for committed in sorted((DATA_DIR / "netcore-email").glob("*.json")):
        assert (tmp_path / "netcore-email" / committed.name).read_bytes() == committed.read_bytes()


def test_verify_fails_loudly_on_a_tampered_vector(tmp_path: Path) -> None:
    folder = tmp_path / "netcore-email"
    folder.mkdir()
    source = DATA_DIR / "netcore-email" / "aes_gcm_requests.json"
    data = json.loads(source.read_text())
    test = data["testGroups"][0]["tests"][0]
    body = test["request"]["body"]
    test["request"]["body"] = ("A" if body[0] != "A" else "B") + body[1:]  # ciphertext no longer decrypts
    (folder / source.name).write_text(json.dumps(data))
    result = _run("verify", str(tmp_path), "--provider", "netcore-email")
    assert result.returncode == 1
    assert "DISAGREE netcore-email/aes_gcm_requests: tcId 1" in result.stdout
    assert _run("verify", "--provider", "netcore-email").returncode == 0


def test_replay_reports_every_case_matching_against_the_mock_and_differences_against_another_server() -> None:
    with MockPool() as pool:
        mock = pool.acquire("netcore-email")
        result = _run("replay", "--provider", "netcore-email", "--url", mock.url)
        assert result.returncode == 0, result.stdout[-2000:]
        assert "failed" in result.stdout and ", 0 failed" in result.stdout
        other = pool.acquire("netcore-email", api_key="another-key")  # a server that disagrees
        result = _run("replay", "--provider", "netcore-email", "--url", other.url)
        assert result.returncode == 1
        assert "DIFF aes_gcm_requests tcId 1" in result.stdout and "status 401, expected 200" in result.stdout
        fixed = _run("replay", "--provider", "netcore-email", "--url", other.url, "--header", "Authorization: Bearer another-key")
        assert "DIFF aes_gcm_requests tcId 1 " not in fixed.stdout
