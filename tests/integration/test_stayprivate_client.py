"""The reference client against the stayprivate mock: the flows, the tokens, the errors."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from sealmail.conformance.clients.http import RetryPolicy
from sealmail.conformance.clients.stayprivate import (
    EmailMessage,
    OutgoingAttachment,
    StayPrivateClient,
    StayPrivateError,
    StayPrivateSyncClient,
    TokenSigner,
)
from sealmail.mockservers.core import MockHandle
from sealmail.mockservers.crypto.jwt import load_rsa_public_key, peek, verify_jwt
from sealmail.mockservers.providers.stayprivate.test_keys import DEFAULT_PRIVATE_KEY_PEM, DEFAULT_PUBLIC_KEY_PEM, OTHER_PRIVATE_KEY_PEM

ATTACHMENTS = (
    OutgoingAttachment("contract.pdf", b"%PDF-1.4\x00\xff" * 100, "application/pdf", esign=True),
    OutgoingAttachment("Übersicht 李.txt", "Grüße".encode(), "text/plain"),
)


def client_for(mock: MockHandle, **kwargs: Any) -> StayPrivateSyncClient:
    config = mock.config
    return StayPrivateSyncClient(mock.url, config["company_api_id"], config["private_key_pem"], **kwargs)


def message(**changes: Any) -> EmailMessage:
    fields: dict[str, Any] = {"sender_email": "sender@example.com", "to": ("a@example.org", "b@example.org"),
                              "cc": ("c@example.org",), "subject": "Hello ✓", "body": "<p>Grüße</p>"}
    fields.update(changes)
    return EmailMessage(**fields)


def test_email_without_attachments_is_one_call(stayprivate_mock: MockHandle) -> None:
    with client_for(stayprivate_mock) as client:
        result = client.send_email(message())
    assert result.status == "S" and result.email_ref is None
    assert [e.path for e in stayprivate_mock.requests()] == ["/1.0/emails/send"]
    (payload,) = stayprivate_mock.payloads()
    assert payload["recipients"]["emailToList"] == ["a@example.org", "b@example.org"]
    assert payload["emailSubject"] == "Hello ✓" and payload["senderEmail"] == "sender@example.com"
    stayprivate_mock.assert_all_accepted()


def test_email_with_attachments_runs_prepare_upload_send(stayprivate_mock: MockHandle) -> None:
    with client_for(stayprivate_mock) as client:
        result = client.send_email(message(attachments=ATTACHMENTS))
    stayprivate_mock.assert_all_accepted()
    ref = result.email_ref
    assert [e.path for e in stayprivate_mock.requests()] == [
        "/1.0/emails/prepare", f"/1.0/emails/{ref}/attachments/upload", f"/1.0/emails/{ref}/attachments/upload", f"/1.0/emails/{ref}/send"]
    send_entry = stayprivate_mock.requests()[-1]
    assert "senderEmail" not in send_entry.body
    (payload,) = stayprivate_mock.payloads()
    assert [(a["fileName"], a["contentType"], a["sha256"], a["reqESignFlag"]) for a in payload["attachments"]] == [
        (a.file_name, a.content_type, hashlib.sha256(a.data).hexdigest(), "Y" if a.esign else "N") for a in ATTACHMENTS]
    assert list(result.file_refs) == [a["fileRef"] for a in payload["attachments"]]


def test_tokens_are_short_lived_rs256_with_iss_and_exp(stayprivate_mock: MockHandle) -> None:
    with client_for(stayprivate_mock) as client:
        client.send_email(message(attachments=ATTACHMENTS[:1]))
    key = load_rsa_public_key(DEFAULT_PUBLIC_KEY_PEM)
    for entry in stayprivate_mock.requests():
        assert entry.header("SP-Company-Api-Id") == "sealmail-test-company"
        scheme, _, token = (entry.header("Authorization") or "").partition(" ")
        assert scheme == "Bearer"
        verified = verify_jwt(token, key, algorithms={"RS256"}, issuer="sealmail-test-company", now_s=entry.time_ms / 1000)
        assert verified.header == {"alg": "RS256", "typ": "JWT"}
        assert verified.claims["exp"] - verified.claims["iat"] == 300


def test_signer_reuses_a_token_until_close_to_expiry() -> None:
    now = [1_800_000_000.0]
    signer = TokenSigner("c", DEFAULT_PRIVATE_KEY_PEM, clock=lambda: now[0])
    first = signer.token()
    now[0] += 200
    assert signer.token() == first
    now[0] += 50  # 50 s left: under the refresh margin
    second = signer.token()
    assert second != first and peek(second).claims == {"iss": "c", "iat": 1_800_000_250, "exp": 1_800_000_550}


def test_rs256_tokens_are_deterministic_for_fixed_claims() -> None:
    a = TokenSigner("c", DEFAULT_PRIVATE_KEY_PEM, clock=lambda: 1_800_000_000.0).token()
    b = TokenSigner("c", DEFAULT_PRIVATE_KEY_PEM, clock=lambda: 1_800_000_000.0).token()
    assert a == b


def test_422_is_raised_with_the_provider_code_and_not_retried(stayprivate_mock: MockHandle) -> None:
    with client_for(stayprivate_mock) as client, pytest.raises(StayPrivateError) as raised:
        client.send_email(message(sender_email="me@not-our-domain.example"))
    assert raised.value.status == 422 and raised.value.code == "sender_domain_not_allowed"
    assert len(stayprivate_mock.requests()) == 1


def test_401_is_raised_when_the_key_is_wrong(stayprivate_mock: MockHandle) -> None:
    with StayPrivateSyncClient(stayprivate_mock.url, "sealmail-test-company", OTHER_PRIVATE_KEY_PEM) as client:
        with pytest.raises(StayPrivateError) as raised:
            client.send_email(message())
    assert raised.value.status == 401 and raised.value.code == "unauthorised"
    assert stayprivate_mock.rejections()[0].reason == "signature_invalid"


def test_failed_upload_stops_the_flow_before_send(stayprivate_mock: MockHandle) -> None:
    big = OutgoingAttachment("big.bin", b"x" * 10, esign=False)
    stayprivate_mock.fault(422, path="/1.0/emails/*/attachments/upload")
    with client_for(stayprivate_mock) as client, pytest.raises(StayPrivateError):
        client.send_email(message(attachments=(big,)))
    assert not [e for e in stayprivate_mock.requests() if e.path.endswith("/send")]
    assert stayprivate_mock.messages() == []


def test_503_is_retried_with_a_fresh_request(stayprivate_mock: MockHandle) -> None:
    stayprivate_mock.fault(503, times=2, path="/1.0/emails/send")
    with client_for(stayprivate_mock, retry=RetryPolicy(max_retries=3, backoff_s=0.001)) as client:
        assert client.send_email(message()).status == "S"
    assert [e.status for e in stayprivate_mock.requests()] == [503, 503, 200]


def test_replace_and_delete_through_the_client(stayprivate_mock: MockHandle) -> None:
    with client_for(stayprivate_mock) as client:
        ref = client.prepare("sender@example.com", subject="s")
        file_ref = client.upload(ref, ATTACHMENTS[0])
        assert client.upload(ref, ATTACHMENTS[1], file_ref=file_ref) == file_ref
        spare = client.upload(ref, ATTACHMENTS[0])
        client.delete_attachment(ref, spare)
        assert client.prepare("sender@example.com", subject="s2", email_ref=ref) == ref
        client.send(ref, to=["a@example.org"])
    (payload,) = stayprivate_mock.payloads()
    assert payload["emailSubject"] == "s2" and [a["fileName"] for a in payload["attachments"]] == [ATTACHMENTS[1].file_name]


def test_send_refuses_sender_on_a_prepared_email_locally() -> None:
    client = StayPrivateClient("http://127.0.0.1:9", "c", DEFAULT_PRIVATE_KEY_PEM)
    import asyncio

    with pytest.raises(ValueError):
        asyncio.run(client.send("ref", sender_email="a@example.com", to=["b@example.org"]))
