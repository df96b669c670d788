"""Connection-level time limits: no client holds a connection (a file descriptor) for free.

aiohttp's own keep-alive timer (``keepalive_timeout``) closes a connection that
has not delivered a complete request head within that time of opening or of
its previous answer; it does not notice a client that keeps trickling bytes of
a head it never finishes (slowloris). :class:`GuardedRequestHandler` adds that
deadline: once the first bytes of a head arrive, the whole head must be there
within ``header_timeout`` seconds, or the connection is closed unanswered (as
aiohttp's idle close does). The body deadline lives in the middleware, which
reads every body (``body_timeout_s``, answered 408 in the provider's shape).

It also refuses request lines without an HTTP version, which aiohttp's parser
reads as HTTP/0.9 and would answer.

Settings (``MockConfig``): ``header_timeout_s``, ``body_timeout_s``,
``idle_timeout_s``, ``max_connections`` (:class:`GuardedServer`); docs/security.md lists the defaults.
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web
from aiohttp.http import HttpVersion10, RawRequestMessage
from aiohttp.http_exceptions import BadHttpMessage
from aiohttp.streams import EMPTY_PAYLOAD
from aiohttp.web_protocol import RequestHandler, _ErrInfo


class GuardedRequestHandler(RequestHandler):
    """aiohttp's per-connection protocol plus a deadline for each request head."""

    def __init__(self, *args: Any, header_timeout: float, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._header_timeout = header_timeout
        self._head_timer: asyncio.TimerHandle | None = None
        self._heads_received = 0
        self._answers_sent = 0
        self._last_payload: Any = None
        self._close_when_answered = False
        self.peer_closed = False

    def data_received(self, data: bytes) -> None:
        queued = len(self._messages)
        super().data_received(data)
        if len(self._messages) > queued:  # synchronous: the request loop cannot take messages meanwhile
            self._heads_received += len(self._messages) - queued
            self._last_payload = self._messages[-1][1]
        self._refuse_versionless_lines()
        # A head is pending when bytes came in but no complete message is queued or being handled.
        pending = bool(data) and not self._messages and not self._request_in_progress and self.transport is not None
        if pending and self._head_timer is None:
            self._head_timer = self._loop.call_later(self._header_timeout, self._head_overdue)
        elif not pending:
            self._cancel_head_timer()

    def _refuse_versionless_lines(self) -> None:
        """A request line without ``HTTP/x.y`` gets aiohttp's plain 400 for unparsable lines.

        aiohttp's parser takes ``GET /path`` as an HTTP/0.9 request and would answer
        it; RFC 9112 section 3 requires the version (and RFC 9110 has no 0.9).
        """
        for index, (message, _payload) in enumerate(self._messages):
            if isinstance(message, RawRequestMessage) and message.version < HttpVersion10:
                error = BadHttpMessage("request line without an HTTP version (HTTP/0.9 is not supported)")
                self._messages[index] = (_ErrInfo(status=400, exc=error, message=error.message), EMPTY_PAYLOAD)

    def handle_error(self, request: web.BaseRequest, status: int = 500, exc: BaseException | None = None,
                     message: str | None = None) -> web.StreamResponse:
        """A request the parser refused gets the provider's 400 and a journal entry (core/parse_errors.py)."""
        from .parse_errors import answer_unparsable  # imports the middleware, which imports this module

        if request.writer.output_size == 0:
            answer = answer_unparsable(getattr(self._manager, "app", None), request, status, exc, message)
            if answer is not None:
                return answer
        return super().handle_error(request, status, exc, message)

    def eof_received(self) -> bool | None:
        """A client that half-closes after whole requests (RFC 9112 section 9.6) still gets their answers.

        aiohttp closes the transport at EOF, so a complete request followed by
        ``shutdown(SHUT_WR)`` was never answered. Now the answers owed are
        written, then the connection closes. A body or head cut short still
        closes at once (the middleware journals ``body_truncated``).
        """
        self.peer_closed = True  # a FIN: the client left, or half-closed (core/middleware.py notes client_gone)
        owed = self._heads_received > self._answers_sent
        complete = self._head_timer is None and (self._last_payload is None or self._last_payload.is_eof())
        if owed and complete and self.transport is not None:
            self._close_when_answered = True  # no further request can come (log_access closes after the last answer)
            return True
        return None

    def log_access(self, request: web.BaseRequest, response: web.StreamResponse, time: float | None) -> None:
        self._answers_sent += 1  # aiohttp calls this after every answer it writes
        super().log_access(request, response, time)
        if self._close_when_answered and self._answers_sent >= self._heads_received:
            self.close()

    def _head_overdue(self) -> None:
        self._head_timer = None
        if not self._messages and not self._request_in_progress:
            self.force_close()

    def _cancel_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def connection_lost(self, exc: BaseException | None) -> None:
        self._cancel_head_timer()
        super().connection_lost(exc)


def close_after_answer(request: web.BaseRequest, response: web.StreamResponse) -> None:
    """No keep-alive after ``response`` (the rest of ``request``'s body is unread), and no reading of a coded rest.

    aiohttp reads (and discards) an unread body for up to 10 s after the answer ("lingering
    close", RFC 9112 section 9.6), decoding its ``Content-Encoding`` as it goes: the rest of a 2 MB
    gzip body of zeros refused with 413 after its first 8 MiB kept the loop every mock shares busy
    decompressing 2 GB for seconds. For a raw body the discard costs nothing and keeps its benefit
    (the client is not reset while it still sends), so only a body with a content coding skips it.
    """
    response.force_close()
    if request.headers.get("Content-Encoding") and isinstance(request.protocol, RequestHandler):
        request.protocol._lingering_time = 0.0


class GuardedServer(web.Server):
    """aiohttp's connection factory, making :class:`GuardedRequestHandler` protocols, with a connection cap.

    Over ``max_connections`` open connections, a new one evicts a TLS handshake
    still pending (core/tls_site.py counts them from accept), else the oldest
    connection that is not in the middle of a request (a head still pending, or
    idle keep-alive); when every connection is busy, the new one is closed. So
    a flood of half-sent requests cannot use up the file descriptors and lock
    out the next real client.
    """

    max_connections: int | None = None
    app: web.Application | None = None
    _handshakes: dict[asyncio.Transport, None]

    def __call__(self) -> RequestHandler:
        return GuardedRequestHandler(self, loop=self._loop, **self._kwargs)

    def connection_made(self, handler: RequestHandler, transport: asyncio.Transport) -> None:
        super().connection_made(handler, transport)
        if self._over_cap():
            victim = next(
                (other for other in self._connections if other is not handler and self._evictable(other)), handler
            )
            victim.force_close()

    def handshake_started(self, transport: asyncio.Transport) -> None:
        """Count an accepted connection whose TLS handshake is under way; over the cap, the oldest such makes room."""
        self._handshakes[transport] = None
        if self._over_cap():
            oldest = next(iter(self._handshakes))
            idle = next((other for other in self._connections if self._evictable(other)), None)
            if oldest is transport and idle is not None:
                idle.force_close()
            else:  # uncounted at once: the close lands on a later loop turn, after more of a burst is accepted
                self.handshake_ended(oldest)
                oldest.abort()

    def handshake_ended(self, transport: asyncio.Transport) -> None:
        self._handshakes.pop(transport, None)

    @staticmethod
    def _evictable(handler: RequestHandler) -> bool:
        """Not busy with a request, and not already closing (a burst would pick the same victim again)."""
        return not handler._request_in_progress and not handler._force_close

    def _over_cap(self) -> bool:
        return self.max_connections is not None and len(self._connections) + len(self._handshakes) > self.max_connections

    async def shutdown(self, timeout: float | None = None) -> None:
        for transport in list(self._handshakes):
            transport.abort()
        await super().shutdown(timeout)


class GuardedAppRunner(web.AppRunner):
    """``web.AppRunner`` whose connections carry the head deadline (``header_timeout`` kwarg) and a cap."""

    def __init__(self, app: web.Application, *, max_connections: int | None = None, **kwargs: Any) -> None:
        super().__init__(app, **kwargs)
        self._max_connections = max_connections

    async def _make_server(self) -> web.Server:
        server = await super()._make_server()
        # aiohttp builds its Server inside Application._make_handler with no class hook;
        # the subclass only adds a protocol factory and a connection hook, so swapping is safe.
        server.__class__ = GuardedServer
        assert isinstance(server, GuardedServer)
        server.max_connections = self._max_connections
        server._handshakes = {}
        server.app = self._app
        return server


def raise_open_file_limit(wanted: int = 65536) -> int:
    """Raise this process's soft ``RLIMIT_NOFILE`` towards ``wanted`` (never above the hard limit).

    Every connection is a file descriptor; a desktop's default soft limit (1024)
    is reached by a modest flood. Returns the soft limit now in force.
    """
    try:
        import resource
    except ImportError:  # not on POSIX
        return -1
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            return target
        except (ValueError, OSError):
            return soft
    return soft


FD_RESERVE = 64
"""File descriptors kept back from connections: listeners, the event loop, the database, the inspector's own calls."""


def connection_share(listeners: int, soft_limit: int | None = None) -> int | None:
    """The most connections each of ``listeners`` servers may hold so that together they stay under the open-file limit.

    ``max_connections`` is per mock (512): under a low limit (``ulimit -n 256``)
    one mock's flood would use every descriptor before its own cap evicts
    anything, and every other mock (and the plain-HTTP ports) stops accepting.
    None when the limit is unknown or unlimited.
    """
    if soft_limit is None:
        try:
            import resource
        except ImportError:  # not on POSIX
            return None
        soft_limit = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
        if soft_limit == resource.RLIM_INFINITY:
            return None
    return max(1, (soft_limit - FD_RESERVE) // max(1, listeners))
