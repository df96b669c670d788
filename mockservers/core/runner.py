"""Running mock applications: on a private loop thread, or in the caller's loop.

:class:`ServerThread` hosts any number of mock apps on one event loop in a
daemon thread, so blocking clients (requests, urllib) in plain sync tests never
deadlock, and async tests on their own loop work the same way.
"""

from __future__ import annotations

import asyncio
import ctypes
import gc
import ssl
import sys
import threading
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, Coroutine, TypeVar

from aiohttp import web

from .connections import GuardedAppRunner
from .exposure import EXPOSURE, Exposure
from .provider import MockConfig
from .state import MOCK_STATE, MockState
from .tls_site import GuardedTLSSite

T = TypeVar("T")

DEFAULT_HOST = "127.0.0.1"


@dataclass
class RunningMock:
    """A started mock: where it listens and its state."""

    app: web.Application
    runner: web.AppRunner
    url: str
    host: str
    port: int

    @property
    def state(self) -> MockState:
        return self.app[MOCK_STATE]


_BACKLOG = 128
"""aiohttp's default listen backlog (and asyncio's accepts per loop turn)."""


async def start_mock(
    app: web.Application,
    host: str = DEFAULT_HOST,
    port: int = 0,
    ssl_context: ssl.SSLContext | None = None,
    *,
    exposure: Exposure | None = None,
    connection_cap: int | None = None,
) -> RunningMock:
    """Serve ``app`` on ``host:port`` (port 0: ephemeral) in the running loop; HTTPS with ``ssl_context``.

    ``exposure`` guards who may call it (core/exposure.py); by default the guard
    for ``host`` without a token, which refuses (``ExposureError``) a
    non-loopback ``host``. ``connection_cap`` lowers ``max_connections`` (its share
    of the open-file limit, core/connections.py ``connection_share``).
    """
    app[EXPOSURE] = exposure if exposure is not None else Exposure.for_bind(host)
    state = app.get(MOCK_STATE)
    config = state.config if state is not None else MockConfig()
    max_connections = config.max_connections if connection_cap is None else min(config.max_connections, connection_cap)
    # asyncio accepts up to ``backlog`` connections in one loop turn, before the cap can close any of them:
    # a burst then holds that many descriptors at once (past the open-file share: "accept() out of system resource").
    backlog = min(_BACKLOG, max_connections)
    runner = GuardedAppRunner(
        app,
        access_log=None,
        handle_signals=False,
        shutdown_timeout=1.0,
        keepalive_timeout=config.idle_timeout_s,
        header_timeout=config.header_timeout_s,
        max_connections=max_connections,
    )
    await runner.setup()
    site: web.BaseSite
    if ssl_context is None:
        site = web.TCPSite(runner, host, port, reuse_address=True, backlog=backlog)
    else:  # handshakes bounded by the head deadline and counted from accept (core/tls_site.py)
        site = GuardedTLSSite(runner, host, port, ssl_context=ssl_context, handshake_timeout=config.header_timeout_s,
                              backlog=backlog)
    try:
        await site.start()
    except BaseException:
        await runner.cleanup()
        raise
    bound_host, bound_port = runner.addresses[0][:2]
    shown = f"[{bound_host}]" if ":" in bound_host else bound_host
    scheme = "https" if ssl_context is not None else "http"
    return RunningMock(app=app, runner=runner, url=f"{scheme}://{shown}:{bound_port}", host=bound_host, port=bound_port)


async def _cancel_remaining_tasks() -> None:
    current = asyncio.current_task()
    remaining = [task for task in asyncio.all_tasks() if task is not current]
    for task in remaining:
        task.cancel()
    await asyncio.gather(*remaining, return_exceptions=True)


def tune_allocator() -> None:
    """Keep RSS close to what the mocks retain (glibc only; elsewhere a no-op).

    Big bodies (megabytes) are allocated and freed all the time. glibc's
    default raises its mmap threshold after each big free, so later big
    buffers come from heaps it rarely returns, and each worker thread gets
    its own heap (core/offload.py). A fixed 1 MiB threshold (big buffers go
    straight back to the system when freed) and two arenas keep the peak
    within the bound of docs/memory.md. For ``sealmail serve`` only.
    """
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(_M_MMAP_THRESHOLD, 1024 * 1024)
        libc.mallopt(_M_ARENA_MAX, 2)
    except (OSError, AttributeError):
        pass


SWITCH_INTERVAL_S = 0.001
"""How often a worker thread running Python code hands the GIL to the event loop (Python's default: 5 ms)."""
_M_MMAP_THRESHOLD = -3
_M_ARENA_MAX = -8
"""glibc ``mallopt`` parameters (malloc.h)."""


def freeze_startup_objects() -> None:
    """Hide everything alive after start-up from the garbage collector (``gc.freeze``).

    Modules, keys, routes and the apps live as long as the process; without
    this every full collection walks them again (issue 16: part of the p99
    tail). The young generations are collected first so no start-up garbage
    is frozen with them (a full collection, ~15 ms of start-up, finds none:
    the automatic ones already ran). For a process that only serves
    (``sealmail serve``); a test process keeps its collector as it is.
    """
    gc.collect(1)
    gc.freeze()


class ServerThread:
    """An event loop in a daemon thread that hosts mock apps until stopped."""

    def __init__(self, name: str = "sealmail-mocks") -> None:
        from ..eventloop import fixture_loop

        self._loop = fixture_loop().new_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._running: list[RunningMock] = []
        self._thread.start()
        self._ready.wait()

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.call_soon(self._ready.set)
        self._loop.run_forever()

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        return self._loop

    def call(self, coro: Coroutine[Any, Any, T], timeout: float | None = 30.0) -> T:
        """Run ``coro`` on the server loop and wait for its result."""
        future: Future[T] = asyncio.run_coroutine_threadsafe(coro, self._loop)
        return future.result(timeout)

    def start(
        self,
        app: web.Application,
        host: str = DEFAULT_HOST,
        port: int = 0,
        ssl_context: ssl.SSLContext | None = None,
        *,
        exposure: Exposure | None = None,
    ) -> RunningMock:
        """Serve ``app`` on this thread's loop; returns once it accepts connections."""
        running = self.call(start_mock(app, host, port, ssl_context, exposure=exposure))
        self._running.append(running)
        return running

    def stop_mock(self, running: RunningMock) -> None:
        if running in self._running:
            self._running.remove(running)
            self.call(running.runner.cleanup())

    def stop(self) -> None:
        """Stop every mock (last started first) and end the thread."""
        if not self._thread.is_alive():
            return
        for running in reversed(list(self._running)):
            self.stop_mock(running)
        # Whatever still runs (a request a client abandoned mid-delay) is cancelled and
        # awaited here, so closing the loop never destroys a pending task.
        self.call(_cancel_remaining_tasks())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    def __enter__(self) -> "ServerThread":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
