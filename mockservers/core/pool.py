"""MockPool: mocks started once and handed out many times (the fixtures' engine).

One :class:`ServerThread` hosts every mock; a mock is started the first time a
(provider, settings) pair is asked for and reset on every later hand-out, so a
test pays for a reset, not for a server start.
"""

from __future__ import annotations

import json
import shutil
import ssl
import tempfile
import threading
from pathlib import Path
from typing import Any

from .tenants import TENANTS
from .app import create_app
from .handle import MockHandle
from .runner import DEFAULT_HOST, ServerThread


class MockPool:
    """Lazily started, reusable mocks keyed by provider id and settings."""

    def __init__(self, host: str = DEFAULT_HOST, ca_dir: Path | str | None = None) -> None:
        self.host = host
        self._ca_dir = Path(ca_dir) if ca_dir is not None else None
        self._own_ca_dir: Path | None = None
        self._tls: tuple[ssl.SSLContext, Path] | None = None
        self._thread: ServerThread | None = None
        self._handles: dict[str, MockHandle[Any]] = {}
        self._lock = threading.Lock()

    def _server_thread(self) -> ServerThread:
        if self._thread is None:
            self._thread = ServerThread()
        return self._thread

    def _tls_context(self) -> tuple[ssl.SSLContext, Path]:
        """The pool's server context and CA file, made on first ``tls=True`` (in a temporary
        directory unless ``ca_dir`` was given, so tests never touch the user's data directory)."""
        if self._tls is None:
            from .tls import all_api_hosts, load_or_create_ca

            if self._ca_dir is None:
                self._own_ca_dir = Path(tempfile.mkdtemp(prefix="sealmail-ca-"))
            ca = load_or_create_ca(self._ca_dir or self._own_ca_dir)
            self._tls = (ca.server_context(all_api_hosts()), ca.cert_file)
        return self._tls

    def acquire(self, provider_id: str, *, tls: bool = False, **settings: Any) -> MockHandle[Any]:
        """A freshly reset mock of ``provider_id`` with ``settings`` applied; HTTPS with ``tls=True``."""
        key = provider_id + ("+tls" if tls else "") + (json.dumps(settings, sort_keys=True, default=repr) if settings else "{}")
        with self._lock:
            handle = self._handles.get(key)
            if handle is None:
                app = create_app(provider_id, settings)
                context, ca_file = self._tls_context() if tls else (None, None)
                handle = MockHandle(self._server_thread().start(app, self.host, 0, context), ca_file=ca_file)
                self._handles[key] = handle
        handle.reset()
        handle._running.app[TENANTS].clear()
        # Requests the previous test abandoned (a delay fault, a slow handler) are cancelled
        # by the reset; wait until they are gone so none finishes during this test.
        if handle.state.in_flight():
            self._server_thread().call(handle.state.settle())
        return handle

    def close(self) -> None:
        """Stop every mock and the loop thread."""
        with self._lock:
            if self._thread is not None:
                self._thread.stop()
            self._thread = None
            self._handles.clear()
            if self._own_ca_dir is not None:
                shutil.rmtree(self._own_ca_dir, ignore_errors=True)
            self._own_ca_dir, self._tls = None, None

    def __enter__(self) -> "MockPool":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
