"""``GET /__mock__/`` lists the provider's control calls from its routes; an unknown control path
answers a JSON 404 (405 with ``Allow``) pointing there, and neither is journaled."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from sealmail import MockHandle, MockServerFactory
from sealmail.mockservers.core import providers

COMMON = {
    ("GET", "/__mock__/"), ("GET", "/__mock__/health"), ("GET", "/__mock__/config"), ("GET", "/__mock__/requests"),
    ("GET", "/__mock__/messages"), ("POST", "/__mock__/reset"), ("GET", "/__mock__/faults"), ("POST", "/__mock__/faults"),
    ("DELETE", "/__mock__/faults"), ("GET", "/__mock__/clock"), ("POST", "/__mock__/clock"),
}
OWN = {
    "netcore-email": set(),
    "autosend": {("POST", "/__mock__/keys/rotate"), ("POST", "/__mock__/errors"), ("GET", "/__mock__/keys")},
    "ncp-mailer": {("POST", "/__mock__/templates"), ("DELETE", "/__mock__/credentials/{accessKey}")},
    "netcore-ce": {("POST", "/__mock__/assets"), ("DELETE", "/__mock__/assets/{asset}")},
    "stayprivate": {("POST", "/__mock__/companies"), ("GET", "/__mock__/emails/{emailRef}/attachments/{fileRef}")},
}


@pytest.mark.parametrize("provider_id", list(providers()))
def test_index_lists_common_and_provider_calls_each_described(provider_id: str, mock_server: MockServerFactory) -> None:
    mock = mock_server(provider_id)
    answer = requests.get(mock.url + "/__mock__/", timeout=10)
    assert answer.status_code == 200 and answer.headers["Content-Type"].startswith("application/json")
    body = answer.json()
    assert body["provider"] == provider_id
    calls = {(c["method"], c["path"]): c["description"] for c in body["calls"]}
    assert COMMON | OWN[provider_id] <= set(calls)
    assert not [call for call in calls if not call[1].startswith("/__mock__/") or call[0] == "HEAD"]
    undescribed = [call for call, description in calls.items() if not description]
    assert undescribed == [], "give these control handlers a docstring"
    assert not [d for d in calls.values() if "``" in d or d.startswith(("GET ", "POST ", "DELETE "))]
    assert calls[("POST", "/__mock__/reset")].startswith("Empty journal, messages and faults")
    assert mock.requests() == []


def _unknown(mock: MockHandle[Any], method: str, path: str) -> requests.Response:
    return requests.request(method, mock.url + path, timeout=10)


def test_unknown_control_path_is_a_json_404_pointing_to_the_index(ncp_mailer_mock: MockHandle[Any]) -> None:
    answer = _unknown(ncp_mailer_mock, "GET", "/__mock__/journal")
    assert answer.status_code == 404
    assert answer.headers["Content-Type"].startswith("application/json")
    assert answer.json() == {"error": "no such control call: GET /__mock__/journal; GET /__mock__/ lists them", "index": "/__mock__/"}
    assert ncp_mailer_mock.requests() == []  # control traffic is never journaled


def test_wrong_method_on_a_control_path_is_a_json_405_with_allow(autosend_mock: MockHandle[Any]) -> None:
    answer = _unknown(autosend_mock, "PUT", "/__mock__/reset")
    assert answer.status_code == 405
    assert answer.headers["Allow"] == "POST"
    assert answer.json()["index"] == "/__mock__/"
