"""Reference client for NAVER Cloud Outbound Mailer through the API Gateway (seed 002).

>>> client = NcpMailerSyncClient(base_url, access_key, secret_key)   # doctest: +SKIP
>>> result = client.send({"senderAddress": ..., "title": ..., "body": ..., "recipients": [...]})
>>> client.request_status(result.request_id)["sentCount"]

Every request (every retry too) is signed afresh, as the seed says:
- ``x-ncp-apigw-timestamp``: the current epoch time in milliseconds, read at send time;
- ``x-ncp-iam-access-key``: the access key;
- ``x-ncp-apigw-signature-v2``: base64(HMAC-SHA256(secret as UTF-8,
  ``"METHOD URI\\nTIMESTAMP\\nACCESSKEY"``)), where URI is the exact path and
  query that go on the request line. The client builds that query itself
  (RFC 3986 percent-encoding, no ``?`` when there is none) and sends the URL
  pre-encoded, so what is signed is byte for byte what is sent.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence
from urllib.parse import quote

import aiohttp
from yarl import URL

from sealmail.mockservers.crypto import ncp_signature

from .http import HttpReply, ProviderError, RetryPolicy, SessionClient, SyncFacade, read_reply, with_retries

REGION_PREFIXES = {"KR": "/api/v1", "SGN": "/api/v1-sgn", "JPN": "/api/v1-jpn"}
"""seed, "Cloud Outbound Mailer API Endpoint"."""
HEADER_TIMESTAMP = "x-ncp-apigw-timestamp"
HEADER_ACCESS_KEY = "x-ncp-iam-access-key"
HEADER_SIGNATURE = "x-ncp-apigw-signature-v2"
HEADER_LANG = "x-ncp-lang"
GATEWAY_CODES = frozenset({"100", "200", "210", "230", "300", "430", "400", "410", "420", "500", "510", "900"})
"""fact sheet [docs]: the API Gateway's error codes (the mailer's are 77xxx)."""

QueryValue = str | int | Sequence[str | int]


def now_ms() -> int:
    """Current epoch time in milliseconds (seed: "Current timestamp (epoch, millisecond)")."""
    return time.time_ns() // 1_000_000


def encode_query(query: Mapping[str, QueryValue] | None) -> str:
    """``a=1&b=x%20y``: RFC 3986 unreserved characters kept, everything else percent-encoded (UTF-8).

    A list value repeats its key (``sendStatus=S&sendStatus=F``). Empty: ``""``.
    """
    if not query:
        return ""
    parts = []
    for key, value in query.items():
        values = value if isinstance(value, (list, tuple)) else [value]
        for item in values:
            parts.append(f"{quote(str(key), safe='')}={quote(str(item), safe='')}")
    return "&".join(parts)


def request_target(prefix: str, path: str, query: Mapping[str, QueryValue] | None = None) -> str:
    """The path and query as they go on the request line (and into the signature)."""
    encoded = encode_query(query)
    return prefix + path + (f"?{encoded}" if encoded else "")


def signed_headers(method: str, uri: str, access_key: str, secret_key: str, timestamp_ms: int) -> dict[str, str]:
    """The three gateway headers for one request."""
    timestamp = str(timestamp_ms)
    return {
        HEADER_TIMESTAMP: timestamp,
        HEADER_ACCESS_KEY: access_key,
        HEADER_SIGNATURE: ncp_signature.sign(secret_key, method, uri, timestamp, access_key),
    }


class NcpMailerError(ProviderError):
    """An error answer: ``error_code`` is the gateway's (``"200"``...) or the mailer's (``"77102"``...)."""

    def __init__(self, status: int, body: Any) -> None:
        error = body.get("error") if isinstance(body, dict) else None
        error = error if isinstance(error, dict) else {}
        self.error_code: str | None = str(error["errorCode"]) if error.get("errorCode") is not None else None
        self.details: str | None = error.get("details")
        message = error.get("message")
        super().__init__(status, body, f"{self.error_code} {message}" + (f": {self.details}" if self.details else ""))

    @property
    def from_gateway(self) -> bool:
        """True for an API Gateway error (authentication, quota...), False for a mailer error."""
        return self.error_code in GATEWAY_CODES


@dataclass(frozen=True)
class MailRequestResult:
    request_id: str
    count: int
    status: int
    body: Any


class NcpMailerClient(SessionClient):
    """Async client for createMailRequest and the delivery-result operations.

    ``region``: KR (default), SGN or JPN. ``lang``: optional ``x-ncp-lang``.
    Errors raise :class:`NcpMailerError`; 429 and 5xx are retried (each attempt
    with a new timestamp and signature), other 4xx never. ``clock`` returns
    epoch milliseconds (tests may pass the mock's clock).
    """

    def __init__(
        self,
        base_url: str,
        access_key: str,
        secret_key: str,
        *,
        region: str = "KR",
        lang: str | None = None,
        session: aiohttp.ClientSession | None = None,
        retry: RetryPolicy = RetryPolicy(),
        clock: Callable[[], int] = now_ms,
    ) -> None:
        if region not in REGION_PREFIXES:
            raise ValueError(f"region must be one of {', '.join(REGION_PREFIXES)}")
        self.base_url = base_url.rstrip("/")
        self.access_key = access_key
        self.secret_key = secret_key
        self.prefix = REGION_PREFIXES[region]
        self.lang = lang
        self.retry = retry
        self.clock = clock
        super().__init__(session)

    # --- operations -----------------------------------------------------------------
    async def send(self, mail: Mapping[str, Any]) -> MailRequestResult:
        """createMailRequest (``POST /mails``); success is 200, 201 or 202 with ``requestId`` (fact sheet [code])."""
        body = json.dumps(mail, ensure_ascii=False).encode("utf-8")
        reply = await self._call("POST", "/mails", body=body)
        data = reply.body if isinstance(reply.body, dict) else {}
        if reply.status not in (200, 201, 202) or not isinstance(data.get("requestId"), str):
            raise NcpMailerError(reply.status, reply.body)
        count = data.get("count")
        return MailRequestResult(data["requestId"], count if isinstance(count, int) else 0, reply.status, reply.body)

    async def request_status(self, request_id: str) -> dict[str, Any]:
        """getMailRequestStatus (``GET /mails/requests/{requestId}/status``)."""
        return await self._json("GET", f"/mails/requests/{quote(request_id, safe='')}/status")

    async def list_mails(self, request_id: str, query: Mapping[str, QueryValue] | None = None) -> dict[str, Any]:
        """getMailList (``GET /mails/requests/{requestId}/mails``) with optional filters (mailId, title, sendStatus, size, page...)."""
        return await self._json("GET", f"/mails/requests/{quote(request_id, safe='')}/mails", query)

    async def get_mail(self, mail_id: str) -> dict[str, Any]:
        """getMail (``GET /mails/{mailId}``)."""
        return await self._json("GET", f"/mails/{quote(mail_id, safe='')}")

    # --- plumbing ----------------------------------------------------------------------
    async def _json(self, method: str, path: str, query: Mapping[str, QueryValue] | None = None) -> dict[str, Any]:
        reply = await self._call(method, path, query)
        if reply.status != 200 or not isinstance(reply.body, dict):
            raise NcpMailerError(reply.status, reply.body)
        return reply.body

    async def _call(self, method: str, path: str, query: Mapping[str, QueryValue] | None = None, body: bytes | None = None) -> HttpReply:
        reply = await with_retries(lambda: self._send_once(method, path, query, body), self.retry)
        if reply.status >= 400:
            raise NcpMailerError(reply.status, reply.body)
        return reply

    async def _send_once(self, method: str, path: str, query: Mapping[str, QueryValue] | None, body: bytes | None) -> HttpReply:
        uri = request_target(self.prefix, path, query)
        headers = signed_headers(method, uri, self.access_key, self.secret_key, self.clock())  # fresh per attempt
        if body is not None:
            headers["Content-Type"] = "application/json"
        if self.lang:
            headers[HEADER_LANG] = self.lang
        url = URL(self.base_url + uri, encoded=True)  # sent exactly as signed
        async with self._http().request(method, url, data=body, headers=headers) as response:
            return await read_reply(response)


class NcpMailerSyncClient(SyncFacade[NcpMailerClient]):
    """Blocking facade over :class:`NcpMailerClient` (safe inside or outside an event loop)."""

    def __init__(self, base_url: str, access_key: str, secret_key: str, **options: Any) -> None:
        super().__init__(NcpMailerClient(base_url, access_key, secret_key, **options))

    def send(self, mail: Mapping[str, Any]) -> MailRequestResult:
        return self._run(self._client.send(mail))

    def request_status(self, request_id: str) -> dict[str, Any]:
        return self._run(self._client.request_status(request_id))

    def list_mails(self, request_id: str, query: Mapping[str, QueryValue] | None = None) -> dict[str, Any]:
        return self._run(self._client.list_mails(request_id, query))

    def get_mail(self, mail_id: str) -> dict[str, Any]:
        return self._run(self._client.get_mail(mail_id))
