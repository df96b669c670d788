"""Plumbing every reference client shares: retries, errors, and a blocking facade."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Coroutine, Generic, TypeVar

import aiohttp
from multidict import CIMultiDict

T = TypeVar("T")
ClientT = TypeVar("ClientT", bound="SessionClient")

RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
"""Worth retrying: rate limits and server-side failures. Never a 4xx otherwise."""


class ProviderError(Exception):
    """A provider answered with an error status; ``body`` is its parsed JSON (or text)."""

    def __init__(self, status: int, body: Any, message: str | None = None) -> None:
        super().__init__(f"HTTP {status}: {message or body}")
        self.status = status
        self.body = body
        self.message = message


@dataclass(frozen=True)
class HttpReply:
    status: int
    body: Any
    headers: CIMultiDict[str]
    """Case-insensitive, as HTTP header names are (RFC 9110 section 5.1)."""


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded retry with exponential backoff for 429/5xx; honours ``Retry-After``."""

    max_retries: int = 2
    backoff_s: float = 0.05
    max_backoff_s: float = 2.0

    def delay(self, attempt: int, retry_after: str | None) -> float:
        if retry_after is not None:
            try:
                return min(max(float(retry_after), 0.0), self.max_backoff_s)
            except ValueError:
                pass
        return min(self.backoff_s * (2**attempt), self.max_backoff_s)


async def read_reply(response: aiohttp.ClientResponse) -> HttpReply:
    text = await response.text(errors="replace")
    try:
        body: Any = await response.json(content_type=None) if text else None
    except ValueError:
        body = text
    return HttpReply(response.status, body, CIMultiDict(response.headers))


async def with_retries(send_once: Callable[[], Awaitable[HttpReply]], policy: RetryPolicy) -> HttpReply:
    """Call ``send_once`` until it returns a non-retryable status or retries run out.

    Each call must build a fresh request (fresh key, IV, timestamp...).
    """
    attempt = 0
    while True:
        reply = await send_once()
        if reply.status not in RETRYABLE_STATUSES or attempt >= policy.max_retries:
            return reply
        await asyncio.sleep(policy.delay(attempt, reply.headers.get("Retry-After")))
        attempt += 1


class BlockingRunner:
    """A private event loop on a daemon thread, for blocking facades over async clients.

    Works whether or not the caller already runs an event loop.
    """

    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="sealmail-client", daemon=True)
        self._thread.start()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float | None = 60.0) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    def close(self) -> None:
        if self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=5)
            self._loop.close()


class SessionClient:
    """Base of the async reference clients: uses the caller's aiohttp session, or owns one.

    An owned session is created on first use (inside the running loop) and
    closed by :meth:`close` or ``async with``; a borrowed one is left open.
    """

    def __init__(self, session: aiohttp.ClientSession | None = None) -> None:
        self._session = session
        self._owns_session = session is None

    async def __aenter__(self: T) -> T:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        return self._session

    async def close(self) -> None:
        if self._owns_session and self._session is not None:
            await self._session.close()
            self._session = None


class SyncFacade(Generic[ClientT]):
    """Base of the blocking facades: one async client driven on a private loop thread."""

    def __init__(self, client: ClientT) -> None:
        self._client = client
        self._runner = BlockingRunner()

    def _run(self, coro: Coroutine[Any, Any, T]) -> T:
        return self._runner.run(coro)

    def close(self) -> None:
        self._runner.run(self._client.close())
        self._runner.close()

    def __enter__(self: T) -> T:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
