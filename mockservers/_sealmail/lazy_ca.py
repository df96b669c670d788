"""Import aiohttp without loading the system CA bundle twice at start-up (about 100 ms each).

Since aiohttp 3.10, importing ``aiohttp`` (even only for ``aiohttp.web``) builds two client
TLS contexts at module level (``aiohttp.connector._SSL_CONTEXT_VERIFIED`` / ``_UNVERIFIED``),
and each parses the whole CA bundle (``SSLContext.set_default_verify_paths``). A mock server
never opens a TLS client connection, so ``sealmail serve`` imports aiohttp inside
:func:`client_ca_loaded_on_first_use`: the contexts built during the import are ordinary
:class:`ssl.SSLContext` objects (a subclass) that load the CA certificates the first time
they are used (a handshake, or a look at their certificates), not at import. A process that
does use them verifies exactly as before, only the loading moves to the first use.
"""

from __future__ import annotations

import ssl
import threading
from contextlib import contextmanager
from typing import Any, Iterator


class CaOnFirstUseContext(ssl.SSLContext):
    """An :class:`ssl.SSLContext` whose deferred ``set_default_verify_paths`` runs when the context is first used."""

    _ca_pending = False
    _ca_lock = threading.Lock()

    def load_pending_ca(self) -> None:
        """Load the default CA certificates now if they were deferred (idempotent, thread-safe)."""
        if self._ca_pending:
            with self._ca_lock:
                if self._ca_pending:
                    super().set_default_verify_paths()
                    self._ca_pending = False

    def wrap_socket(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        self.load_pending_ca()
        return super().wrap_socket(*args, **kwargs)

    def wrap_bio(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        self.load_pending_ca()
        return super().wrap_bio(*args, **kwargs)

    def get_ca_certs(self, binary_form: bool = False) -> Any:
        self.load_pending_ca()
        return super().get_ca_certs(binary_form)

    def cert_store_stats(self) -> dict[str, int]:
        self.load_pending_ca()
        return super().cert_store_stats()


@contextmanager
def client_ca_loaded_on_first_use() -> Iterator[None]:
    """Within this block, contexts that would load the default CA certificates defer it to their first use.

    Meant around the first ``import aiohttp`` of a server process only (single-threaded start-up):
    the contexts become :class:`CaOnFirstUseContext` (a subclass: ``isinstance`` checks still hold).
    """
    deferred: list[ssl.SSLContext] = []
    original = ssl.SSLContext.__dict__.get("set_default_verify_paths")

    def defer(context: ssl.SSLContext) -> None:
        deferred.append(context)

    ssl.SSLContext.set_default_verify_paths = defer  # type: ignore[method-assign,assignment]
    try:
        yield
    finally:
        if original is None:
            del ssl.SSLContext.set_default_verify_paths
        else:
            ssl.SSLContext.set_default_verify_paths = original  # type: ignore[method-assign]
        for context in deferred:
            context.__class__ = CaOnFirstUseContext
            context._ca_pending = True  # type: ignore[attr-defined]
