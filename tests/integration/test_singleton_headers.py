"""A second copy of a header the provider reads as one value is refused (issue 13), for every provider.

Before, ``headers.get`` silently took the first copy; only ncp-mailer's gateway
refused repeats of its own three headers. Each case repeats the header with the
SAME value, so only the repetition itself can be the reason for the refusal.
"""

from __future__ import annotations

from typing import Any, Iterator

import pytest

from bench.hardening.wire import exchange
from bench.profiles import PROFILES, PreparedRequest
from sealmail.mockservers.core import MockHandle, MockPool, get_provider, providers
from sealmail.mockservers.core.headers import HEADER_REPEATED

AIOHTTP_SINGLETONS = {"content-type"}
"""Repeats aiohttp's HTTP parser refuses itself (``Duplicate 'Content-Type' header found``): ``unparsable_request``."""
CASES = [(pid, name) for pid in providers() for name in get_provider(pid).singleton_headers]


@pytest.fixture(scope="module")
def pool() -> Iterator[MockPool]:
    with MockPool() as pool:
        yield pool


def _send(mock: MockHandle, request: PreparedRequest, repeat: str | None = None) -> Any:
    host, port = mock.url.split("//", 1)[1].split(":")
    headers = dict(request.headers)
    lines = [f"{request.method} {request.path} HTTP/1.1", f"Host: {host}:{port}", "Connection: close"]
    for name, value in headers.items():
        lines.append(f"{name}: {value}")
    if repeat is not None:
        value = next((v for k, v in headers.items() if k.lower() == repeat.lower()), "x")
        lines.append(f"{repeat}: {value}")
        if not any(k.lower() == repeat.lower() for k in headers):
            lines.append(f"{repeat}: {value}")
    lines.append(f"Content-Length: {len(request.body)}")
    raw = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + request.body
    return exchange(host, int(port), raw, request.method)


def test_every_provider_declares_its_singleton_headers() -> None:
    for pid in providers():
        declared = {name.lower() for name in get_provider(pid).singleton_headers}
        assert "content-type" in declared, pid
        assert declared & {"authorization", "x-ncp-iam-access-key"}, pid


@pytest.mark.parametrize(("provider_id", "header"), CASES)
def test_a_repeated_singleton_header_is_refused_with_a_precise_reason(pool: MockPool, provider_id: str, header: str) -> None:
    mock = pool.acquire(provider_id)
    first, second = PROFILES[provider_id].build(mock.config, 2)
    assert 200 <= _send(mock, first).status < 300, mock.explain()
    kind = get_provider(provider_id).singleton_headers[header]
    reply = _send(mock, second, repeat=header)
    if header.lower() in AIOHTTP_SINGLETONS:
        # aiohttp's own parser refuses these before any mock check runs: the provider's 400 (core/parse_errors.py)
        assert reply.status == 400 and reply.content_type == "application/json", (reply.status, reply.body)
        assert mock.requests()[-1].reason == "unparsable_request", mock.explain()
        return
    assert reply.status == kind.status, (reply.status, reply.body)
    entry = mock.requests()[-1]
    assert (entry.reason, entry.field) == (HEADER_REPEATED, header), mock.explain()
    assert entry.error_code == kind.code
