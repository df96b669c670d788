"""MockPool: mocks started once and handed out many times (the fixtures' engine).

One :class:`ServerThread` hosts every mock; a mock is started the first time a
(provider, settings) pair is asked for and reset on every later hand-out, so a
test pays for a reset, not for a server start.
"""

from __future__ import annotations

import json
import threading
from typing import Any

from .app import create_app
from .handle import MockHandle
from .runner import DEFAULT_HOST, ServerThread


class MockPool:
    """Lazily started, reusable mocks keyed by provider id and settings."""

    def __init__(self, host: str = DEFAULT_HOST) -> None:
        self.host = host
        self._thread: ServerThread | None = None
        self._handles: dict[str, MockHandle[Any]] = {}
        self._lock = threading.Lock()

    def _server_thread(self) -> ServerThread:
        if self._thread is None:
            self._thread = ServerThread()
        return self._thread

    def acquire(self, provider_id: str, **settings: Any) -> MockHandle[Any]:
        """A freshly reset mock of ``provider_id`` with ``settings`` applied."""
        key = provider_id + (json.dumps(settings, sort_keys=True, default=repr) if settings else "{}")
        with self._lock:
            handle = self._handles.get(key)
            if handle is None:
                app = create_app(provider_id, settings)
                handle = MockHandle(self._server_thread().start(app, self.host, 0))
                self._handles[key] = handle
        handle.reset()
        return handle

    def close(self) -> None:
        """Stop every mock and the loop thread."""
        with self._lock:
            if self._thread is not None:
                self._thread.stop()
            self._thread = None
            self._handles.clear()

    def __enter__(self) -> "MockPool":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
