"""The ncp-mailer reference client against the mock: what it sends, what it raises."""

from __future__ import annotations

from typing import Any

import pytest

from sealmail.conformance.clients.ncp_mailer import NcpMailerClient, NcpMailerError, NcpMailerSyncClient, encode_query, request_target
from sealmail.conformance.clients.http import RetryPolicy
from sealmail.mockservers.core import MockHandle
from sealmail.mockservers.crypto import ncp_signature
from sealmail.mockservers.providers.ncp_mailer import spec

from ..unit.test_ncp_mailer_rules import SEED_BODY


def client_for(mock: MockHandle, **options: Any) -> NcpMailerSyncClient:
    return NcpMailerSyncClient(mock.url, mock.config["access_key"], mock.config["secret_key"], **options)


def test_encode_query() -> None:
    assert encode_query(None) == "" and encode_query({}) == ""
    assert encode_query({"title": "홍 길동/?&", "sendStatus": ["S", "PF"], "size": 5}) == (
        "title=%ED%99%8D%20%EA%B8%B8%EB%8F%99%2F%3F%26&sendStatus=S&sendStatus=PF&size=5")
    assert request_target("/api/v1", "/mails/1") == "/api/v1/mails/1"
    assert request_target("/api/v1", "/mails/1", {"a": "~b_c.d-e"}) == "/api/v1/mails/1?a=~b_c.d-e"


def test_full_round_trip_and_every_request_signed_as_sent(ncp_mailer_mock: MockHandle) -> None:
    with client_for(ncp_mailer_mock) as client:
        result = client.send(SEED_BODY)
        assert (result.status, result.count) == (201, 2)
        assert client.request_status(result.request_id)["sentCount"] == 2
        listed = client.list_mails(result.request_id, {"title": "Gildong Hong", "sendStatus": ["S", "F"]})
        assert [c["title"] for c in listed["content"]] == ["Hello, Gildong Hong. "]
        assert client.get_mail(listed["content"][0]["mailId"])["body"] == "Your grade has been changed from SILVER to GOLD."
    ncp_mailer_mock.assert_all_accepted()
    entries = ncp_mailer_mock.requests()
    for entry in entries:
        stamp = entry.header(spec.HEADER_TIMESTAMP)
        assert stamp is not None and stamp.isdigit() and len(stamp) == 13
        assert ncp_signature.verify(spec.DEFAULT_SECRET_KEY, entry.method, entry.path, stamp, spec.DEFAULT_ACCESS_KEY,
                                    entry.header(spec.HEADER_SIGNATURE) or "")
    assert entries[2].path.endswith("?title=Gildong%20Hong&sendStatus=S&sendStatus=F")
    assert entries[0].header("Content-Type") == "application/json" and entries[1].header("Content-Type") is None
    assert "?" not in entries[1].path


def test_timestamps_come_from_the_clock_at_send_time(ncp_mailer_mock: MockHandle) -> None:
    ticks = iter([1_800_000_000_000, 1_800_000_000_500])
    ncp_mailer_mock.clock(now_ms=1_800_000_000_000, frozen=True)
    with client_for(ncp_mailer_mock, clock=lambda: next(ticks)) as client:
        client.send(SEED_BODY)
        client.send(SEED_BODY)
    assert [e.header(spec.HEADER_TIMESTAMP) for e in ncp_mailer_mock.requests()] == ["1800000000000", "1800000000500"]


def test_retries_are_re_signed_and_succeed(ncp_mailer_mock: MockHandle) -> None:
    ticks = iter(range(1_800_000_000_000, 1_800_000_000_010))
    ncp_mailer_mock.clock(now_ms=1_800_000_000_000, frozen=True)
    ncp_mailer_mock.fault(503, times=2, path="/api/v1/mails")
    with client_for(ncp_mailer_mock, clock=lambda: next(ticks), retry=RetryPolicy(max_retries=3, backoff_s=0.001)) as client:
        assert client.send(SEED_BODY).count == 2
    entries = ncp_mailer_mock.requests()
    assert [e.status for e in entries] == [503, 503, 201]
    assert len({e.header(spec.HEADER_SIGNATURE) for e in entries}) == 3


@pytest.mark.parametrize("region", ["SGN", "JPN"])
def test_regions(ncp_mailer_mock: MockHandle, region: str) -> None:
    with client_for(ncp_mailer_mock, region=region) as client:
        client.send(SEED_BODY)
    assert ncp_mailer_mock.requests()[0].path == spec.REGION_PREFIXES[region] + "/mails"


def test_service_and_gateway_errors_are_raised_and_told_apart(ncp_mailer_mock: MockHandle) -> None:
    with client_for(ncp_mailer_mock, lang="zh-CN") as client:
        with pytest.raises(NcpMailerError) as service:
            client.send({"title": "no sender"})
        with pytest.raises(NcpMailerError) as missing:
            client.get_mail("20180101000000000001")
    assert (service.value.status, service.value.error_code, service.value.from_gateway) == (400, "77102", False)
    assert service.value.details == "senderAddress is required unless templateSid is given"
    assert missing.value.error_code == "77103" and "请求的资源不存在" in str(missing.value)
    with NcpMailerSyncClient(ncp_mailer_mock.url, spec.DEFAULT_ACCESS_KEY, "wrong-secret") as wrong:
        with pytest.raises(NcpMailerError) as gateway:
            wrong.send(SEED_BODY)
    assert (gateway.value.status, gateway.value.error_code, gateway.value.from_gateway) == (401, "200", True)


def test_unknown_region_is_refused() -> None:
    with pytest.raises(ValueError):
        NcpMailerClient("http://127.0.0.1:1", "a", "b", region="EU")


async def test_async_client_in_the_callers_loop(ncp_mailer_mock: MockHandle) -> None:
    async with NcpMailerClient(ncp_mailer_mock.url, spec.DEFAULT_ACCESS_KEY, spec.DEFAULT_SECRET_KEY) as client:
        result = await client.send(SEED_BODY)
        status = await client.request_status(result.request_id)
    assert status["requestCount"] == 2
