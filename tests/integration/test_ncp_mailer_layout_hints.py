"""ncp-mailer: a signature over a mis-laid-out string to sign names the layout mistake (journal only; the answer stays the same)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import pytest
import requests

from sealmail.mockservers.core import MockHandle

MAIL = {"senderAddress": "no_reply@company.com", "title": "Hi", "body": "x",
        "recipients": [{"address": "ana@example.com", "name": "Ana", "type": "R"}]}
URI = "/api/v1/mails"

LAYOUTS = {
    "newline between method and URI": "POST\n{uri}\n{ts}\n{ak}",
    "trailing newline": "POST {uri}\n{ts}\n{ak}\n",
    "CRLF": "POST {uri}\r\n{ts}\r\n{ak}",
    "timestamp and access key swapped": "POST {uri}\n{ak}\n{ts}",
    "method in lower case": "post {uri}\n{ts}\n{ak}",
}


def _post(mock: MockHandle, message: str, ts: str) -> requests.Response:
    config = mock.config
    signature = base64.b64encode(hmac.new(config["secret_key"].encode(), message.encode(), hashlib.sha256).digest()).decode()
    return requests.post(mock.url + URI, data=json.dumps(MAIL), timeout=10, headers={
        "Content-Type": "application/json", "x-ncp-apigw-timestamp": ts,
        "x-ncp-iam-access-key": config["access_key"], "x-ncp-apigw-signature-v2": signature})


@pytest.mark.parametrize("mistake", list(LAYOUTS))
def test_layout_mistakes_are_named(ncp_mailer_mock: MockHandle, mistake: str) -> None:
    ts = str(int(time.time() * 1000))
    message = LAYOUTS[mistake].format(uri=URI, ts=ts, ak=ncp_mailer_mock.config["access_key"])
    wrong = _post(ncp_mailer_mock, message, ts)
    garbage = _post(ncp_mailer_mock, "garbage", ts)
    assert (wrong.status_code, wrong.content) == (garbage.status_code, garbage.content) == (401, wrong.content)
    named, unexplained = ncp_mailer_mock.rejections()
    assert named.reason == "signature_mismatch" and (named.detail or "").startswith(mistake), named.detail
    assert "no common mistake reproduces it" in (unexplained.detail or "")
