"""The reference client against the mock: sync and async, plain and encrypted, retries and errors."""

from __future__ import annotations

import json
from typing import Any

import aiohttp
import pytest

from sealmail.conformance.clients.http import ProviderError, RetryPolicy
from sealmail.conformance.clients.netcore_email import NetcoreEmailClient, NetcoreEmailSyncClient, encrypt_request, error_message
from sealmail.mockservers.core import MockHandle
from sealmail.mockservers.crypto import aes_gcm
from sealmail.mockservers.crypto.encoding import b64decode_strict

PAYLOAD: dict[str, Any] = {
    "personalizations": [{"to": [{"email": "to@example.com", "name": "Zoë"}]}],
    "from": {"email": "from@example.com"},
    "subject": "client ✓",
    "content": [{"type": "html", "value": "<b>hi</b>"}],
}
FAST = RetryPolicy(max_retries=2, backoff_s=0.0, max_backoff_s=0.0)


def test_encrypt_request_follows_the_seed() -> None:
    request = encrypt_request(PAYLOAD)
    key, iv = b64decode_strict(request.headers["X-AES-KEY"]), b64decode_strict(request.headers["X-AES-IV"])
    assert (len(key), len(iv), key, iv) == (32, 12, request.key, request.iv)
    assert request.headers["X-Encryption"] == "1" and request.headers["X-Encryption-Version"] == "2"
    assert request.headers["Content-Type"] == "application/json"
    plaintext = aes_gcm.decrypt(key, iv, b64decode_strict(request.body))
    assert json.loads(plaintext) == PAYLOAD
    assert "Zoë".encode() in plaintext and "client ✓".encode() in plaintext  # raw UTF-8, not \u escapes
    assert encrypt_request(PAYLOAD).key != request.key  # fresh per request


def test_sync_client_encrypted_and_plain(netcore_email_mock: MockHandle) -> None:
    with NetcoreEmailSyncClient(netcore_email_mock.url, netcore_email_mock.config["api_key"]) as client:
        sealed = client.send(PAYLOAD)
    with NetcoreEmailSyncClient(netcore_email_mock.url, netcore_email_mock.config["api_key"], encrypt=False) as client:
        plain = client.send(PAYLOAD)
    assert [m.message_id for m in netcore_email_mock.messages()] == [sealed.message_id, plain.message_id]
    assert netcore_email_mock.payloads() == [PAYLOAD, PAYLOAD]
    assert [m.meta["encrypted"] for m in netcore_email_mock.messages()] == [True, False]


async def test_async_client_from_an_async_test(netcore_email_mock: MockHandle) -> None:
    async with NetcoreEmailClient(netcore_email_mock.url, netcore_email_mock.config["api_key"]) as client:
        result = await client.send(PAYLOAD)
    assert result.status == 200
    messages = await netcore_email_mock.wait_for_messages_async(1, timeout=5)
    assert messages[0].message_id == result.message_id and messages[0].payload == PAYLOAD


def test_4xx_raises_at_once_without_retry(netcore_email_mock: MockHandle) -> None:
    with NetcoreEmailSyncClient(netcore_email_mock.url, "wrong-key", retry=FAST) as client:
        with pytest.raises(ProviderError) as caught:
            client.send(PAYLOAD)
    assert caught.value.status == 401
    assert caught.value.message == "Missing or incorrect API Key in the Authorization header"
    assert len(netcore_email_mock.requests()) == 1


def test_503_is_retried_with_a_fresh_key_and_iv(netcore_email_mock: MockHandle) -> None:
    netcore_email_mock.fault(503, times=2, retry_after=0)
    with NetcoreEmailSyncClient(netcore_email_mock.url, netcore_email_mock.config["api_key"], retry=FAST) as client:
        result = client.send(PAYLOAD)
    entries = netcore_email_mock.requests()
    assert [e.status for e in entries] == [503, 503, 200]
    assert len({e.header("X-AES-KEY") for e in entries}) == 3
    assert len({e.header("X-AES-IV") for e in entries}) == 3
    assert netcore_email_mock.messages()[0].message_id == result.message_id


def test_retries_are_bounded(netcore_email_mock: MockHandle) -> None:
    netcore_email_mock.fault(500, times=10)
    with NetcoreEmailSyncClient(netcore_email_mock.url, netcore_email_mock.config["api_key"], retry=FAST) as client:
        with pytest.raises(ProviderError) as caught:
            client.send(PAYLOAD)
    assert caught.value.status == 500
    assert len(netcore_email_mock.requests()) == 3  # one try + max_retries
    assert error_message(caught.value.body) == "Internal server error"


def test_dropped_connection_surfaces_as_a_connection_error(netcore_email_mock: MockHandle) -> None:
    netcore_email_mock.fault(drop=True)
    with NetcoreEmailSyncClient(netcore_email_mock.url, netcore_email_mock.config["api_key"], retry=FAST) as client:
        with pytest.raises(aiohttp.ClientConnectionError):
            client.send(PAYLOAD)
        assert client.send(PAYLOAD).message_id == netcore_email_mock.messages()[0].message_id


@pytest.mark.parametrize(
    "attempt, retry_after, expected",
    [(0, None, 0.05), (1, None, 0.1), (10, None, 2.0), (0, "1", 1.0), (0, "30", 2.0), (0, "-4", 0.0), (2, "soon", 0.2)],
)
def test_retry_delay(attempt: int, retry_after: str | None, expected: float) -> None:
    assert RetryPolicy().delay(attempt, retry_after) == pytest.approx(expected)


@pytest.mark.parametrize(
    "body, expected",
    [
        ({"error": [{"message": "first"}], "message": "top"}, "first"),
        ({"message": "top"}, "top"),
        ({"error": []}, None),
        ("text", None),
    ],
)
def test_error_message_reads_both_shapes(body: Any, expected: str | None) -> None:
    assert error_message(body) == expected
