"""The AutoSend reference client against the mock: encryption, JWKS caching, rotation recovery, errors."""

from __future__ import annotations

from typing import Any

import pytest

from sealmail.conformance.clients.autosend import (
    AutoSendClient, AutoSendError, AutoSendSyncClient, JwksError, max_age_of, usable_keys,
)
from sealmail.conformance.clients.http import RetryPolicy
from sealmail.mockservers.core import MockHandle
from sealmail.mockservers.crypto import jwe
from sealmail.mockservers.providers.autosend import spec

MAIL = {"to": {"email": "to@example.com"}, "from": {"email": "from@example.com"}, "subject": "Hi", "html": "<b>é</b>"}


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def jwks_fetches(mock: MockHandle) -> int:
    return len(mock.requests(path=spec.JWKS_PATH))


def sends(mock: MockHandle) -> list[Any]:
    return mock.requests(path=spec.SEND_PATH)


@pytest.fixture
def client(autosend_mock: MockHandle) -> Any:
    with AutoSendSyncClient(autosend_mock.url, autosend_mock.config["api_key"], retry=RetryPolicy(backoff_s=0.01)) as sync:
        yield sync


def test_encrypted_upsert_returns_the_stored_contact(autosend_mock: MockHandle, client: AutoSendSyncClient) -> None:
    contact = client.upsert_contact({"email": "Jane@Example.com", "firstName": "Jane"})
    assert contact["email"] == "jane@example.com" and len(contact["id"]) == 24
    entry = autosend_mock.requests(path=spec.UPSERT_CONTACT_PATH)[0]
    assert entry.header("X-Payload-Encryption") == "jwe" and entry.header("X-Key-Id") == "key_2026_06"
    assert autosend_mock.payloads() == [{"email": "Jane@Example.com", "firstName": "Jane"}]


def test_every_request_is_a_fresh_jwe_with_the_active_key(autosend_mock: MockHandle, client: AutoSendSyncClient) -> None:
    for _ in range(3):
        client.send_mail(MAIL)
    tokens = [jwe.parse_compact(__import__("json").loads(e.body)["encryptedData"]) for e in sends(autosend_mock)]
    assert {t.alg for t in tokens} == {"RSA-OAEP-256"} and {t.enc for t in tokens} == {"A256GCM"}
    assert {t.kid for t in tokens} == {"key_2026_06"}
    assert len({t.iv for t in tokens}) == 3 and len({t.encrypted_key for t in tokens}) == 3
    assert jwks_fetches(autosend_mock) == 1, "the JWKS is cached, not fetched per request"


def test_the_cache_follows_max_age_and_revalidates(mock_server: Any) -> None:
    mock = mock_server("autosend", jwks_max_age_s=60)
    clock = FakeClock()
    with AutoSendSyncClient(mock.url, mock.config["api_key"], clock=clock) as sync:
        sync.send_mail(MAIL)
        clock.now += 59
        sync.send_mail(MAIL)
        assert jwks_fetches(mock) == 1
        clock.now += 2
        sync.send_mail(MAIL)
        fetches = mock.requests(path=spec.JWKS_PATH)
        assert len(fetches) == 2 and fetches[1].status == 304 and fetches[1].header("If-None-Match")
        mock.model.rotate()
        clock.now += 61
        sync.send_mail(MAIL)
        assert sends(mock)[-1].header("X-Key-Id") == "key_2026_07", "a stale cache picks up the rotation"


def test_max_age_is_capped_by_the_client(mock_server: Any) -> None:
    mock = mock_server("autosend", jwks_max_age_s=10 * 86400)
    clock = FakeClock()
    with AutoSendSyncClient(mock.url, mock.config["api_key"], clock=clock, max_cache_s=3600) as sync:
        sync.send_mail(MAIL)
        mock.model.rotate()
        clock.now += 3601
        sync.send_mail(MAIL)
    assert sends(mock)[-1].header("X-Key-Id") == "key_2026_07"


def test_a_retired_key_costs_one_refresh_and_one_retry(autosend_mock: MockHandle, client: AutoSendSyncClient) -> None:
    client.send_mail(MAIL)
    autosend_mock.model.rotate()
    autosend_mock.model.retire("key_2026_06")
    result = client.send_mail(MAIL)
    assert "emailId" in result
    entries = autosend_mock.requests()
    assert [(e.method, e.path, e.status) for e in entries[1:]] == [
        ("POST", spec.SEND_PATH, 200), ("POST", spec.SEND_PATH, 400), ("GET", spec.JWKS_PATH, 200), ("POST", spec.SEND_PATH, 200),
    ]
    assert entries[-1].header("X-Key-Id") == "key_2026_07"


def test_a_persistent_unknown_kid_is_surfaced_after_one_retry(autosend_mock: MockHandle, client: AutoSendSyncClient) -> None:
    autosend_mock.model.script_errors(spec.UNKNOWN_KEY_ID, 5)
    with pytest.raises(AutoSendError) as caught:
        client.send_mail(MAIL)
    assert caught.value.status == 400 and caught.value.code == "UNKNOWN_KEY_ID"
    assert len(sends(autosend_mock)) == 2 and jwks_fetches(autosend_mock) == 2


@pytest.mark.parametrize("code", ["DECRYPTION_FAILED", "INVALID_JWE", "VALIDATION_FAILED", "UNAUTHORIZED"])
def test_other_errors_are_raised_without_retry(autosend_mock: MockHandle, client: AutoSendSyncClient, code: str) -> None:
    autosend_mock.model.script_errors(spec.SCRIPTABLE_ERRORS[code], 3)
    with pytest.raises(AutoSendError) as caught:
        client.send_mail(MAIL)
    assert caught.value.code == code and len(sends(autosend_mock)) == 1
    assert code in str(caught.value)


def test_5xx_is_retried_with_a_fresh_encryption(autosend_mock: MockHandle, client: AutoSendSyncClient) -> None:
    autosend_mock.fault(503, path=spec.SEND_PATH)
    client.send_mail(MAIL)
    first, second = sends(autosend_mock)
    assert (first.status, second.status) == (503, 200) and first.body != second.body


def test_validation_errors_carry_the_details(autosend_mock: MockHandle, client: AutoSendSyncClient) -> None:
    with pytest.raises(AutoSendError) as caught:
        client.send_mail({**MAIL, "to": {"email": "nope"}})
    assert caught.value.code == "VALIDATION_FAILED"
    assert caught.value.body["error"]["details"] == [{"field": "to.email", "message": "to.email must be a valid email address"}]


def test_plaintext_mode(autosend_mock: MockHandle) -> None:
    with AutoSendSyncClient(autosend_mock.url, autosend_mock.config["api_key"], encrypt=False) as sync:
        batch = sync.send_bulk({**{k: v for k, v in MAIL.items() if k != "to"}, "recipients": [{"email": "a@example.com"}]})
    assert batch["totalRecipients"] == 1
    assert jwks_fetches(autosend_mock) == 0 and autosend_mock.messages()[0].meta["encrypted"] is False


async def test_async_client_in_the_callers_loop(autosend_mock: MockHandle) -> None:
    async with AutoSendClient(autosend_mock.url, autosend_mock.config["api_key"]) as client:
        created = await client.create_contact({"email": "async@example.com"})
        keys = await client.refresh_keys()
    assert created["email"] == "async@example.com" and [k.kid for k in keys] == ["key_2026_06"]


def test_usable_keys_skips_keys_of_the_wrong_kind(autosend_mock: MockHandle) -> None:
    good = autosend_mock.model.ring.jwks()["keys"][0]
    jwks = {"keys": [{**good, "kid": "sig", "use": "sig"}, {**good, "kid": "oaep1", "alg": "RSA-OAEP"}, good]}
    assert [k.kid for k in usable_keys(jwks)] == [good["kid"]]
    with pytest.raises(JwksError):
        usable_keys({"keys": [{**good, "kty": "EC"}]})
    with pytest.raises(JwksError):
        usable_keys({"nokeys": []})


def test_max_age_parsing() -> None:
    assert max_age_of("public, max-age=600") == 600
    assert max_age_of('max-age="30", must-revalidate') == 30
    assert max_age_of("no-store") == 0 and max_age_of("no-cache, max-age=99") == 0
    assert max_age_of(None) is None and max_age_of("public") is None
