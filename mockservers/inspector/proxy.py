"""Same-origin access to each mock's public control API: ``/p/<provider>/__mock__/...``.

The page talks to the inspector's origin only, so the browser never makes a
cross-origin call; the inspector forwards the request over loopback HTTP to
the provider's own ``/__mock__/`` route, the same one a script would call. Only
the method, query, body and ``Content-Type`` travel on: the browser's cookies,
``Origin`` and ``Sec-Fetch-*`` headers stay behind (the guard has judged them).

Attachment bytes (StayPrivate) leave as downloads: ``Content-Disposition:
attachment`` and ``X-Content-Type-Options: nosniff``, so a stored HTML or SVG
file is never rendered in the inspector's origin.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any, AsyncIterator, Mapping

import aiohttp
from aiohttp import web
from yarl import URL

from ..core.answers import SLICE_BYTES  # the size the mocks write large answers in

FORWARDED_REQUEST_HEADERS = ("Content-Type",)
FORWARDED_RESPONSE_HEADERS = ("Content-Type", "X-File-Name", "X-Sha256", "X-Req-ESign-Flag")
WRITE_TIMEOUT_S = 60.0
"""A page that takes no slice of a forwarded answer within this time is cut off (its buffers freed)."""
UPSTREAM_TIMEOUT = aiohttp.ClientTimeout(total=None, sock_connect=30, sock_read=30)
"""No total deadline (a big answer to a slow page takes its time); a mock silent for 30 s is given up."""
ATTACHMENT_PATH = re.compile(r"^emails/[^/]+/attachments/[^/]+$")
"""stayprivate: ``GET /__mock__/emails/{emailRef}/attachments/{fileRef}``."""


class ControlProxy:
    """Forwards ``/p/{provider}/__mock__/{tail}`` to the provider's base URL."""

    def __init__(self, base_urls: Mapping[str, str], *, ssl: Any = None, extra_headers: Mapping[str, str] | None = None) -> None:
        """``ssl``: passed to aiohttp (an ``SSLContext`` trusting the mocks' CA when they serve HTTPS).
        ``extra_headers``: added to every forwarded request (e.g. a control token on a non-loopback bind)."""
        self._base_urls = dict(base_urls)
        self._ssl = ssl
        self._extra_headers = dict(extra_headers or {})
        self._session: aiohttp.ClientSession | None = None

    async def open(self, app: web.Application) -> AsyncIterator[None]:
        """``cleanup_ctx``: one client session for the inspector's lifetime."""
        self._session = aiohttp.ClientSession(auto_decompress=True, timeout=aiohttp.ClientTimeout(total=30))
        yield
        await self._session.close()

    async def forward(self, request: web.Request) -> web.StreamResponse:
        provider_id = request.match_info["provider"]
        tail = request.match_info["tail"]
        base = self._base_urls.get(provider_id)
        if base is None:
            return web.json_response({"error": f"no running mock {provider_id!r}"}, status=404)
        assert self._session is not None
        headers = {name: request.headers[name] for name in FORWARDED_REQUEST_HEADERS if name in request.headers}
        headers.update(self._extra_headers)
        url = URL(f"{base}/__mock__/{tail}")  # yarl resolves dot segments, decoded ones (%2e%2e, ..%2f) included
        if not url.path.startswith("/__mock__/"):
            return web.json_response({"error": f"{tail[:100]!r} leaves /__mock__/: only control calls are forwarded"}, status=404)
        body = await request.read()
        response: web.StreamResponse | None = None
        try:
            async with self._session.request(
                request.method, url, params=request.rel_url.query, data=body or None, headers=headers,
                ssl=self._ssl, allow_redirects=False, timeout=UPSTREAM_TIMEOUT,
            ) as upstream:
                response = web.StreamResponse(status=upstream.status, headers=self._answer_headers(tail, upstream))
                if upstream.content_length is not None and "Content-Encoding" not in upstream.headers:
                    response.content_length = upstream.content_length
                await response.prepare(request)
                # Passed on slice by slice: the page's reading paces the mock's writing, and nothing is held whole.
                async for chunk in upstream.content.iter_chunked(SLICE_BYTES):
                    async with asyncio.timeout(WRITE_TIMEOUT_S):
                        await response.write(chunk)
                await response.write_eof()
        except (aiohttp.ClientError, TimeoutError) as error:
            if response is None:
                return web.json_response({"error": f"{provider_id} did not answer: {type(error).__name__}: {error}"}, status=502)
            if request.transport is not None:
                request.transport.abort()  # mid-answer: the page sees a cut answer, not a wrong one
        return response

    @staticmethod
    def _answer_headers(tail: str, upstream: aiohttp.ClientResponse) -> dict[str, str]:
        answer = {name: upstream.headers[name] for name in FORWARDED_RESPONSE_HEADERS if name in upstream.headers}
        answer["X-Content-Type-Options"] = "nosniff"
        if ATTACHMENT_PATH.match(tail) and upstream.status == 200:
            # RFC 6266 section 4.3: filename* carries the UTF-8 name; the mock already percent-encodes it.
            name = answer.get("X-File-Name") or "attachment"
            answer["Content-Disposition"] = f"attachment; filename*=UTF-8''{name}"
        return answer
