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


def test_base64_of_the_hex_digest_is_named(ncp_mailer_mock: MockHandle) -> None:
    """PHP's hash_hmac() without raw_output=true returns hex text; base64_encode() of that is a classic."""
    config, ts = ncp_mailer_mock.config, str(int(time.time() * 1000))
    message = f"POST {URI}\n{ts}\n{config['access_key']}".encode()
    hex_text = hmac.new(config["secret_key"].encode(), message, hashlib.sha256).hexdigest()
    answer = requests.post(ncp_mailer_mock.url + URI, data=json.dumps(MAIL), timeout=10, headers={
        "Content-Type": "application/json", "x-ncp-apigw-timestamp": ts, "x-ncp-iam-access-key": config["access_key"],
        "x-ncp-apigw-signature-v2": base64.b64encode(hex_text.encode()).decode()})
    assert answer.status_code == 401
    [entry] = ncp_mailer_mock.rejections()
    assert (entry.detail or "").startswith("signature is the base64 of the hex HMAC text"), entry.detail
