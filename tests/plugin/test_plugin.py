"""The pytest plugin as a user meets it, run with pytester on a throw-away test project.

The plugin is found through its ``pytest11`` entry point (the project is
installed), exactly as in a user's project: no ``-p`` flag.
"""

from __future__ import annotations

import json

import pytest

INI = """
[pytest]
asyncio_mode = auto
asyncio_default_fixture_loop_scope = function
"""

COMMON = '''
import aiohttp
import pytest
import requests

PAYLOAD = {
    "personalizations": [{"to": [{"email": "to@example.com"}]}],
    "from": {"email": "from@example.com"},
    "subject": "plugin",
    "content": [{"type": "html", "value": "x"}],
}


def send(mock, key=None, **kwargs):
    key = key or mock.config["api_key"]
    kwargs.setdefault("json", PAYLOAD)
    return requests.post(mock.url + "/v6/mail/send", headers={"Authorization": "Bearer " + key}, timeout=10, **kwargs)
'''

USER_TESTS = COMMON + '''

def test_sync_requests(netcore_email_mock):
    response = send(netcore_email_mock)
    assert response.status_code == 200
    assert netcore_email_mock.payloads() == [PAYLOAD]
    assert netcore_email_mock.messages()[0].message_id == response.json()["data"]["message_id"]
    # leave state behind for the next test to not see
    netcore_email_mock.fault(503, times=3)
    netcore_email_mock.clock(offset_ms=-600_000, frozen=True)
    netcore_email_mock.model.api_key = "rotated"


def test_state_was_reset(netcore_email_mock):
    assert netcore_email_mock.requests() == []
    assert netcore_email_mock.messages() == []
    assert netcore_email_mock.state.faults.pending() == []
    assert netcore_email_mock.state.clock.state().offset_ms == 0
    assert netcore_email_mock.config["api_key"] == "sealmail-netcore-email-key"
    assert send(netcore_email_mock).status_code == 200


async def test_async_aiohttp(netcore_email_mock):
    headers = {"Authorization": "Bearer " + netcore_email_mock.config["api_key"]}
    async with aiohttp.ClientSession() as session:
        async with session.post(netcore_email_mock.url + "/v6/mail/send", json=PAYLOAD, headers=headers) as response:
            assert response.status == 200
            body = await response.json()
    messages = await netcore_email_mock.wait_for_messages_async(1, timeout=5)
    assert messages[0].message_id == body["data"]["message_id"]


def test_factory_with_settings(mock_server, netcore_email_mock):
    other = mock_server("netcore-email", api_key="other")
    assert other.url != netcore_email_mock.url
    assert other.config["api_key"] == "other"
    assert send(other, key="other").status_code == 200
    assert send(other, key="sealmail-netcore-email-key").status_code == 401
    assert len(other.requests()) == 2 and netcore_email_mock.requests() == []
    assert mock_server("netcore-email", api_key="other") is other


def test_deliberately_failing(netcore_email_mock):
    headers = {"X-Encryption": "1", "X-Encryption-Version": "2", "X-AES-KEY": "A" * 43 + "=", "X-AES-IV": "A" * 16,
               "Content-Type": "application/json"}
    requests.post(netcore_email_mock.url + "/v6/mail/send", data=b"%%%",
                  headers={**headers, "Authorization": "Bearer " + netcore_email_mock.config["api_key"]}, timeout=10)
    send(netcore_email_mock, key="wrong-key")
    netcore_email_mock.assert_all_accepted()
'''


def test_fixtures_from_sync_and_async_tests_with_reset_and_journal(pytester: pytest.Pytester) -> None:
    pytester.makeini(INI)
    pytester.makepyfile(test_user=USER_TESTS)
    result = pytester.runpytest("-p", "no:randomly", "-p", "no:cacheprovider", "-p", "no:hypothesispytest")
    result.assert_outcomes(passed=4, failed=1)
    output = result.stdout.str()
    section = output[output.index("sealmail journal: netcore-email"):]
    assert "netcore-email mock journal (2 request(s)):" in section
    assert "POST /v6/mail/send -> 400 rejected body_not_base64" in section
    assert "POST /v6/mail/send -> 401 rejected auth_invalid_key: API key does not match" in section
    assert output.count("sealmail journal: netcore-email") == 1  # only the failing test


XDIST_TESTS = COMMON + '''
import json
import os

@pytest.mark.parametrize("n", range(8))
def test_isolated_per_worker(netcore_email_mock, n, tmp_path_factory):
    assert netcore_email_mock.requests() == []
    assert send(netcore_email_mock, json={**PAYLOAD, "subject": f"n{n}"}).status_code == 200
    assert [p["subject"] for p in netcore_email_mock.payloads()] == [f"n{n}"]
    record = {"worker": os.environ.get("PYTEST_XDIST_WORKER"), "url": netcore_email_mock.url}
    with open(os.environ["SEALMAIL_TEST_LOG"], "a") as log:
        log.write(json.dumps(record) + "\\n")
'''


def test_xdist_workers_each_get_their_own_mocks(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    log = pytester.path / "runs.jsonl"
    monkeypatch.setenv("SEALMAIL_TEST_LOG", str(log))
    pytester.makeini(INI)
    pytester.makepyfile(test_user=XDIST_TESTS)
    result = pytester.runpytest("-n", "2", "-p", "no:randomly", "-p", "no:cacheprovider", "-p", "no:hypothesispytest")
    result.assert_outcomes(passed=8)
    runs = [json.loads(line) for line in log.read_text().splitlines()]
    urls_by_worker: dict[str, set[str]] = {}
    for run in runs:
        urls_by_worker.setdefault(run["worker"], set()).add(run["url"])
    assert set(urls_by_worker) == {"gw0", "gw1"}
    assert all(len(urls) == 1 for urls in urls_by_worker.values())  # one pooled server per worker
    assert urls_by_worker["gw0"] != urls_by_worker["gw1"]
