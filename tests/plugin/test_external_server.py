"""``--sealmail-url``: the plugin's fixtures against an external server, one tenant per test."""

from __future__ import annotations

import pytest

from sealmail.conformance.external import provider_url
from sealmail.mockservers.core import MockHandle
from sealmail.mockservers.core.remote_handle import control_call

from .test_plugin import COMMON, INI

EXTERNAL_TESTS = COMMON + '''

def test_send_and_inspect(netcore_email_mock):
    assert netcore_email_mock.config["api_key"] != "sealmail-netcore-email-key"  # the tenant's own key
    response = send(netcore_email_mock)
    assert response.status_code == 200
    assert netcore_email_mock.wait_for_messages(1)[0].message_id == response.json()["data"]["message_id"]
    assert netcore_email_mock.payloads() == [PAYLOAD]
    netcore_email_mock.assert_all_accepted()
    netcore_email_mock.fault(503, times=1)
    assert send(netcore_email_mock).status_code == 503
    assert [e.status for e in netcore_email_mock.requests()] == [200, 503]
    assert netcore_email_mock.clock(offset_ms=60_000).offset_ms == 60_000
    netcore_email_mock.reset()
    assert netcore_email_mock.requests() == [] and netcore_email_mock.clock().offset_ms == 0


def test_next_test_has_a_fresh_tenant(netcore_email_mock):
    assert netcore_email_mock.requests() == []
    assert send(netcore_email_mock, key="wrong").status_code == 401
    assert netcore_email_mock.requests() == []  # a key of no tenant goes to the default tenant


def test_failure_report(netcore_email_mock):
    send(netcore_email_mock, json={"subject": 1})
    netcore_email_mock.assert_all_accepted()


def test_settings_need_a_local_mock(mock_server):
    mock_server("netcore-email", api_key="x")
'''


def test_fixtures_use_one_tenant_per_test_on_the_external_server(pytester: pytest.Pytester, netcore_email_mock: MockHandle) -> None:
    pytester.makeini(INI)
    pytester.makepyfile(test_user=EXTERNAL_TESTS)
    url = f"netcore-email={netcore_email_mock.url}"
    created_before = control_call(netcore_email_mock.url + "/__mock__/tenants")["created"]
    # a subprocess: an in-process run would re-import requests under the next pytester run (CookieJar mismatch)
    result = pytester.runpytest_subprocess("-p", "no:randomly", "-p", "no:cacheprovider", "-p", "no:hypothesispytest", "--sealmail-url", url)
    result.assert_outcomes(passed=2, failed=1, skipped=1)
    assert "netcore-email tenant t-" in result.stdout.str() and "400 rejected" in result.stdout.str()
    assert [e.status for e in netcore_email_mock.requests()] == [401]  # only the stray key reached the default tenant
    listing = control_call(netcore_email_mock.url + "/__mock__/tenants")
    assert listing["tenants"] == [] and listing["created"] - created_before == 3  # each test's tenant deleted after it


def test_port_base_url_adds_each_provider_offset() -> None:
    assert provider_url("http://127.0.0.1:8100", "netcore-email") == "http://127.0.0.1:8101"
    assert provider_url("http://127.0.0.1:8100/", "stayprivate") == "http://127.0.0.1:8105"
    assert provider_url("autosend=http://127.0.0.1:4000/", "autosend") == "http://127.0.0.1:4000"
