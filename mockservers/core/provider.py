"""What a provider plugs into the core: the :class:`Provider` base class.

A provider package (``mockservers/providers/<id>/``) defines a subclass and
exposes one instance as ``PROVIDER`` in its ``__init__``; the registry finds it
by itself. The core gives every provider the journal, message store, control
API, faults, clock, body limit and error middleware without writing them again.
"""

from __future__ import annotations

import dataclasses
from abc import ABC, abstractmethod
from typing import Any, Awaitable, Callable, ClassVar, Generic, Mapping, Protocol, Sequence, TypeVar, get_type_hints

from aiohttp import web

from .clock import MockClock
from .errors import ErrorKind, Rejection, RenderedError


@dataclasses.dataclass(kw_only=True)
class MockConfig:
    """Settings every mock has; providers subclass it with their own fields."""

    journal_capacity: int = 10_000
    """Requests kept in the journal; older ones are evicted and counted."""
    journal_max_bytes: int = 64 * 1024 * 1024
    """Bytes the journal retains in all (headers, body excerpts, notes); older entries are evicted past it (docs/memory.md)."""
    journal_body_limit: int = 4096
    """Bytes of each request body kept in its journal entry."""
    journal_header_bytes: int = 16 * 1024
    """Header name + value bytes kept per journal entry; later headers are dropped (flagged ``clipped``)."""
    journal_note_bytes: int = 16 * 1024
    """Characters kept per journal entry of each of: the notes (``details`` JSON), the warnings, the ``detail`` text."""
    message_capacity: int = 10_000
    """Accepted messages kept in the store; older ones are evicted and counted."""
    message_max_bytes: int = 256 * 1024 * 1024
    """Bytes the message store retains in all (payload and meta JSON); older messages are evicted past it."""
    max_body_bytes: int = 8 * 1024 * 1024
    """Largest request body accepted; larger gets the provider's "too large" error."""
    offload_body_bytes: int = 32 * 1024
    """Requests with a body at least this big run their handler in a worker thread, so the event loop
    all mocks share keeps answering (core/offload.py); 0 keeps every handler on the loop."""
    header_timeout_s: float = 10.0
    """A request head must arrive whole within this time of its first byte (core/connections.py)."""
    body_timeout_s: float = 30.0
    """A request body must arrive whole within this time of its head; later is the provider's 408."""
    idle_timeout_s: float = 15.0
    """A connection with no complete request head this long after opening or its last answer is closed."""
    max_connections: int = 512
    """Open connections per mock; over it, a new one evicts the oldest idle or half-sent one."""
    body_bytes_in_flight: int = 64 * 1024 * 1024
    """Bytes of request bodies (64 KiB or more each) read or handled at once; a further body waits,
    unread, until it fits (one always fits alone; core/inflight.py)."""
    control_answer_bytes: int = 128 * 1024 * 1024
    """Bytes of large control answers (journal, messages) sent but not yet read by their clients;
    one more is answered 503 (one answer alone always passes: core/answers.py, docs/memory.md)."""
    registry_capacity: int = 1000
    """Items each registry the control API fills may hold (stayprivate companies, netcore-ce assets,
    ncp-mailer credentials and templates); one more is refused 409 (core/registry_caps.py)."""
    registry_max_bytes: int = 16 * 1024 * 1024
    """Characters of text (keys, PEMs, domains, template bodies) each such registry may hold."""
    control_write_timeout_s: float = 60.0
    """A large control answer not taken whole by its client within this time has its connection closed."""


class ProviderModel(Protocol):
    """A provider's state and business rules. ``reset`` restores the defaults."""

    def reset(self) -> None: ...


Middleware = Callable[[web.Request, Callable[[web.Request], Awaitable[web.StreamResponse]]], Awaitable[web.StreamResponse]]
"""An aiohttp new-style middleware (decorated with ``@web.middleware``)."""

ConfigT = TypeVar("ConfigT", bound=MockConfig)
ModelT = TypeVar("ModelT", bound=ProviderModel)


class Provider(ABC, Generic[ConfigT, ModelT]):
    """Base class for a provider mock.

    Subclasses set the class attributes and implement the abstract methods; the
    HTTP handlers they register must stay stateless and read their model from
    the application (see :func:`sealmail.mockservers.core.context.model`).
    """

    id: ClassVar[str]
    """Provider id used on the command line and in fixtures, e.g. ``netcore-email``."""
    title: ClassVar[str]
    port_offset: ClassVar[int]
    """Port is ``--port-base`` plus this offset."""
    api_hosts: ClassVar[tuple[str, ...]] = ()
    """The real API host names (``spec.API_HOSTS``): the ``--tls`` certificate is valid for them too,
    and ``Host`` may name them on API paths (core/exposure.py)."""
    config_type: ClassVar[type[MockConfig]]
    model_key: web.AppKey[Any]
    """Typed application key under which the model is stored."""
    singleton_headers: ClassVar[Mapping[str, ErrorKind]] = {}
    """Headers the provider reads as one value, with the error a second copy gets
    (reason ``header_repeated``, checked by the core before any handler: :mod:`.headers`)."""

    def default_config(self) -> ConfigT:
        return self.config_type()  # type: ignore[return-value]

    def make_config(self, overrides: Mapping[str, Any] | None = None) -> ConfigT:
        """The default config with ``overrides`` applied; unknown keys are an error."""
        return config_with(self.default_config(), overrides or {})

    @abstractmethod
    def create_model(self, config: ConfigT, clock: MockClock) -> ModelT:
        """Build the provider's state (credentials, keys, stored objects)."""

    def middlewares(self) -> Sequence[Middleware]:
        """Provider middlewares, run inside the core's (so they are journaled and rendered),
        before the handler and before the router's 404/405 (e.g. an API gateway's signature check)."""
        return ()

    @abstractmethod
    def add_routes(self, app: web.Application) -> None:
        """Register the provider's API routes (and any ``/__mock__/`` extras)."""

    @abstractmethod
    def error_kind_for_status(self, status: int) -> ErrorKind:
        """The catalogue entry for a bare status: faults, 404, 405, 413."""

    @abstractmethod
    def render_error(self, rejection: Rejection) -> RenderedError:
        """The provider's own error body for a rejection."""

    @abstractmethod
    def describe(self, model: ModelT, base_url: str) -> dict[str, Any]:
        """What a client needs to talk to this mock: credentials, keys, URLs."""

    # --- tenants (core/tenants.py): several isolated mocks behind one port, keyed by credentials ---
    def credential_of(self, headers: Mapping[str, str]) -> str | None:
        """The credential value in a request that selects its tenant (an API key, an access key...)."""
        return None

    def tenant_key(self, config: ConfigT) -> str:
        """The credential value :meth:`credential_of` finds in requests made with ``config``'s credentials."""
        raise NotImplementedError(f"{self.id} has no tenants")

    def tenant_config(self, config: ConfigT, spec: Mapping[str, Any]) -> ConfigT:
        """``config`` with fresh credentials for a new tenant (``spec``: the caller's choices, if any)."""
        raise NotImplementedError(f"{self.id} has no tenants")

    def create_tenant_model(self, config: ConfigT, clock: MockClock, default_model: ModelT) -> ModelT:
        """A tenant's model; providers whose real service shares something across accounts override this."""
        return self.create_model(config, clock)

    def reject_status(self, status: int, reason: str, *, detail: str | None = None) -> Rejection:
        return Rejection(self.error_kind_for_status(status), reason, detail=detail)


def config_with(config: ConfigT, overrides: Mapping[str, Any]) -> ConfigT:
    """Return ``config`` with ``overrides`` applied, coercing CLI strings to field types."""
    fields = {f.name: f for f in dataclasses.fields(config)}
    hints = get_type_hints(type(config))
    unknown = sorted(set(overrides) - set(fields))
    if unknown:
        raise ValueError(f"unknown setting(s) for {type(config).__name__}: {', '.join(unknown)}; known: {', '.join(sorted(fields))}")
    coerced = {name: _coerce(value, hints.get(name)) for name, value in overrides.items()}
    return dataclasses.replace(config, **coerced)


def _coerce(value: Any, hint: Any) -> Any:
    if not isinstance(value, str):
        # A wrong type from a JSON --config file or a fixture would otherwise only
        # fail later, inside a request; refuse it here.
        if hint in (int, float, str) and (isinstance(value, bool) or not isinstance(value, (int, float) if hint is float else hint)):
            raise ValueError(f"not {'a' if hint is not int else 'an'} {hint.__name__}: {value!r}")
        if hint is bool and not isinstance(value, bool):
            raise ValueError(f"not a boolean: {value!r}")
        return value
    if hint is bool:
        if value.lower() in {"1", "true", "yes", "on"}:
            return True
        if value.lower() in {"0", "false", "no", "off"}:
            return False
        raise ValueError(f"not a boolean: {value!r}")
    if hint is int:
        return int(value)
    if hint is float:
        return float(value)
    return value
