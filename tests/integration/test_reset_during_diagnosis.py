"""A reset while a journal diagnosis still runs after its answer (core/diagnosis.py) must not cut the client's
keep-alive connection, and the late hint must not land on an entry of the next test (journal ids restart at #1)."""

from __future__ import annotations

import base64
import http.client
import os
import threading
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from sealmail.mockservers.core import MockHandle
from sealmail.mockservers.providers.netcore_email import models as netcore_email_models

MAIL = (b'{"from": {"email": "a@example.com"}, "subject": "s", "content": [{"type": "html", "value": "x"}], '
        b'"personalizations": [{"to": [{"email": "b@example.com"}]}]}')


def _request(mock: MockHandle, *, tamper: bool) -> tuple[dict[str, str], bytes]:
    key, iv = os.urandom(32), os.urandom(12)
    sealed = bytearray(AESGCM(key).encrypt(iv, MAIL, None))
    if tamper:
        sealed[-1] ^= 1
    headers = {"Authorization": f"Bearer {mock.config['api_key']}", "Content-Type": "application/json", "X-Encryption": "1",
               "X-Encryption-Version": "2", "X-AES-KEY": base64.b64encode(key).decode(), "X-AES-IV": base64.b64encode(iv).decode()}
    return headers, base64.b64encode(bytes(sealed))


@pytest.mark.parametrize("reset_via", ["handle", "control"])
def test_reset_during_a_diagnosis_keeps_the_connection_and_drops_the_late_hint(
        mock_server: Any, monkeypatch: pytest.MonkeyPatch, reset_via: str) -> None:
    mock = mock_server("netcore-email")
    started, release = threading.Event(), threading.Event()

    def slow_hint(*args: Any) -> str:
        started.set()
        release.wait(10)
        return "LATE HINT"

    monkeypatch.setattr(netcore_email_models, "tag_mismatch_hint", slow_hint)
    # http.client never reconnects on its own: a connection the server cut shows as an error
    connection = http.client.HTTPConnection(urlsplit(mock.url).hostname, urlsplit(mock.url).port, timeout=10)
    try:
        headers, body = _request(mock, tamper=True)
        connection.request("POST", "/v6/mail/send", body=body, headers=headers)
        answer = connection.getresponse()
        assert (answer.status, answer.read()[:1]) == (400, b"{")
        assert started.wait(10)  # the answer is out; the diagnosis is running
        if reset_via == "handle":
            mock.reset()
        else:
            assert requests.post(mock.url + "/__mock__/reset", timeout=10).status_code == 200  # another connection
        release.set()
        headers, body = _request(mock, tamper=False)
        connection.request("POST", "/v6/mail/send", body=body, headers=headers)  # the next test, same connection
        answer = connection.getresponse()
        assert answer.status == 200
        answer.read()
    finally:
        connection.close()
    [entry] = mock.requests()
    assert entry.id == 1 and entry.outcome == "accepted"
    assert "LATE HINT" not in (entry.detail or "")  # the previous test's hint never lands on this entry #1
