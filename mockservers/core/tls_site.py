"""An HTTPS listener whose TLS handshakes are bounded like request heads and counted from accept.

``web.TCPSite(ssl_context=...)`` lets the event loop do the handshake before
aiohttp sees the connection: asyncio's default ``ssl_handshake_timeout`` (60 s)
applies and the connection cap (:class:`~.connections.GuardedServer`) does not
know the connection exists until the handshake is done. A flood of silent or
half-sent handshakes then held every file descriptor for a minute.

:class:`GuardedTLSSite` accepts plain TCP and upgrades each connection with the
public ``loop.start_tls`` (asyncio and uvloop alike): the connection is counted
from accept (a pending handshake is the first to make room over
``max_connections``), the handshake must finish within ``header_timeout_s``
(docs/security.md), and a failed handshake (timeout, TLS 1.1, plain HTTP on
the TLS port, a reset) closes the connection quietly.
"""

from __future__ import annotations

import asyncio
import ssl

from aiohttp import web

from .connections import GuardedServer


class _Relay(asyncio.Protocol):
    """The protocol ``start_tls`` talks to until aiohttp's handler takes over.

    Bytes that arrive in the instant between the handshake's end and the
    hand-over (a request sent right behind the client's Finished) are kept and
    replayed; a connection lost during the handshake has no handler to tell.
    """

    def __init__(self) -> None:
        self.early: list[bytes] = []
        self.eof = False

    def data_received(self, data: bytes) -> None:
        self.early.append(data)

    def eof_received(self) -> bool:
        self.eof = True
        return True


class _TLSAcceptor(asyncio.Protocol):
    """One accepted TCP connection: counted at once, upgraded to TLS, then handed to aiohttp."""

    def __init__(self, server: GuardedServer, context: ssl.SSLContext, handshake_timeout: float) -> None:
        self._server = server
        self._context = context
        self._handshake_timeout = handshake_timeout
        self._task: asyncio.Task[None] | None = None
        self._transport: asyncio.Transport | None = None
        self._early: list[bytes] = []

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]  # uvloop's is no asyncio.Transport subclass
        transport.pause_reading()  # the ClientHello is for start_tls, not for this protocol
        self._transport = transport
        self._server.handshake_started(transport)
        self._task = asyncio.get_running_loop().create_task(self._upgrade(transport))

    def data_received(self, data: bytes) -> None:
        # uvloop (0.23) starts reading right after connection_made despite pause_reading: keep the ClientHello
        self._early.append(data)

    def _replay_early(self, raw: asyncio.Transport) -> None:
        """Hand bytes read before ``start_tls`` to its TLS protocol, before it resumes reading (so in order)."""
        protocol = raw.get_protocol()
        for data in self._early if protocol is not self else ():
            if hasattr(protocol, "buffer_updated"):  # asyncio's and uvloop's TLS protocols are buffered protocols
                view = memoryview(data)
                while view:
                    buffer = protocol.get_buffer(len(view))  # type: ignore[attr-defined]
                    size = min(len(buffer), len(view))
                    buffer[:size] = view[:size]
                    protocol.buffer_updated(size)
                    view = view[size:]
            else:
                protocol.data_received(data)  # type: ignore[attr-defined]
        self._early.clear()

    def connection_lost(self, exc: BaseException | None) -> None:  # before start_tls took the transport over
        if self._task is not None:
            self._task.cancel()
        if self._transport is not None:
            self._server.handshake_ended(self._transport)

    async def _upgrade(self, raw: asyncio.Transport) -> None:
        relay = _Relay()
        loop = asyncio.get_running_loop()
        # Queued before start_tls queues its connection_made and resume_reading, so it runs before both: the bytes
        # wait in the TLS protocol's input buffer until its handshake starts, and nothing newer can overtake them.
        loop.call_soon(self._replay_early, raw)
        try:
            tls = await loop.start_tls(
                raw, relay, self._context, server_side=True, ssl_handshake_timeout=self._handshake_timeout
            )
        except Exception:  # any failed handshake (timeout, protocol version, not TLS at all, reset): start_tls closed it
            return
        finally:
            self._server.handshake_ended(raw)
        if tls is None or tls.is_closing():
            return
        handler = self._server()
        tls.set_protocol(handler)
        handler.connection_made(tls)
        for data in relay.early:
            handler.data_received(data)
        if relay.eof:
            handler.eof_received()


class GuardedTLSSite(web.BaseSite):
    """``web.TCPSite`` for HTTPS with the handshake deadline ``handshake_timeout`` (seconds)."""

    __slots__ = ("_host", "_port", "_handshake_timeout")

    def __init__(self, runner: web.BaseRunner, host: str, port: int, *, ssl_context: ssl.SSLContext, handshake_timeout: float,
                 backlog: int = 128) -> None:
        super().__init__(runner, ssl_context=ssl_context, backlog=backlog)
        self._host, self._port, self._handshake_timeout = host, port, handshake_timeout

    @property
    def name(self) -> str:
        return f"https://{self._host}:{self._port}"

    async def start(self) -> None:
        await super().start()
        server, context = self._runner.server, self._ssl_context
        assert isinstance(server, GuardedServer) and context is not None
        self._server = await asyncio.get_running_loop().create_server(
            lambda: _TLSAcceptor(server, context, self._handshake_timeout), self._host, self._port,
            reuse_address=True, backlog=self._backlog,
        )
