"""Tenants: many isolated mocks of one provider behind one port, keyed by credentials.

A tenant is a complete :class:`MockState` of its own (journal, message store,
faults, clock, provider model) built from the server's config with fresh
credentials. A request belongs to the tenant whose credentials it carries
(:meth:`Provider.credential_of`: the bearer API key, the NCP access key, the
StayPrivate company id); any other request belongs to the default tenant, the
application's own :class:`MockState`, so nothing changes for users who never
create a tenant. The app under test sends no extra header.

Resolution is one dictionary lookup on a header value the request carries
anyway, before the journal entry is opened and before faults are applied: its
cost does not depend on whether the credentials match, and nothing about it
shows in an answer.

Bounded: at most ``max_tenants`` tenants and about ``max_bytes`` of journal and
message bytes together; a new tenant beyond either bound evicts the least
recently used tenant with no request in flight, and the eviction is counted.
"""

from __future__ import annotations

import dataclasses
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from aiohttp import web

from .clock import MockClock
from .provider import MockConfig, Provider
from .state import MOCK_STATE, MockState

DEFAULT_TENANT = "default"
"""The id under which the application's own state is listed and addressed."""

DEFAULT_MAX_TENANTS = 256
DEFAULT_MAX_BYTES = 256 * 1024 * 1024
DEFAULT_TENANT_CAPACITY = 2_000
"""Journal entries and stored messages each tenant keeps (the default tenant keeps the server's own)."""
DEFAULT_TENANT_BYTES = 8 * 1024 * 1024
"""Bytes each tenant's journal, and each tenant's message store, retain at most (``journal_max_bytes``, ``message_max_bytes``)."""


class TenantError(ValueError):
    """A tenant request that cannot be served (bad spec, provider without tenants)."""


@dataclass
class Tenant:
    """One tenant: its id, its own state and when it was last used."""

    id: str
    key: str
    """The credential value that selects it (what :meth:`Provider.credential_of` returns)."""
    state: MockState
    created_ms: int
    last_used: float
    requests: int = 0

    def retained_bytes(self) -> int:
        """Bytes its journal and message store retain (the registry's byte budget counts these)."""
        return self.state.journal.retained_bytes + self.state.store.retained_bytes

    def summary(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "created_ms": self.created_ms,
            "requests": self.state.journal.recorded,
            "messages": self.state.store.added,
            "in_flight": self.state.in_flight(),
        }


def new_tenant_id() -> str:
    return "t-" + secrets.token_hex(6)


class TenantRegistry:
    """The tenants of one provider application, with the default tenant beside them."""

    def __init__(
        self,
        provider: Provider[Any, Any],
        default: MockState,
        *,
        max_tenants: int = DEFAULT_MAX_TENANTS,
        max_bytes: int = DEFAULT_MAX_BYTES,
        capacity: int = DEFAULT_TENANT_CAPACITY,
    ) -> None:
        if max_tenants < 1:
            raise ValueError("max_tenants must be at least 1")
        self.provider = provider
        self.default = default
        self.max_tenants = max_tenants
        self.max_bytes = max_bytes
        self.capacity = capacity
        self.evicted = 0
        self.created = 0
        self._by_id: OrderedDict[str, Tenant] = OrderedDict()  # least recently used first
        self._by_key: dict[str, Tenant] = {}
        self._lock = threading.Lock()
        self._created_hooks: list[Callable[[MockState], object]] = []

    def when_created(self, hook: Callable[[MockState], object]) -> None:
        """Call ``hook(state)`` for every tenant created from now on (the serve log attaches to each)."""
        self._created_hooks.append(hook)

    # --- per request -------------------------------------------------------
    def resolve(self, headers: Mapping[str, str]) -> MockState:
        """The state a provider request belongs to: its credentials' tenant, else the default."""
        if not self._by_key:  # no tenant defined: the request path of a server without tenants
            return self.default
        key = self.provider.credential_of(headers)
        tenant = self._by_key.get(key) if key else None
        if tenant is None:
            return self.default
        with self._lock:
            tenant.last_used = time.monotonic()
            if tenant.id in self._by_id:
                self._by_id.move_to_end(tenant.id)
        return tenant.state

    # --- control -----------------------------------------------------------
    def create(self, spec: Mapping[str, Any]) -> Tenant:
        """A new tenant with fresh credentials (:meth:`Provider.tenant_config`), evicting if over a bound."""
        base = self.default.config
        config = self.provider.tenant_config(_with_capacity(base, self.capacity), spec)
        key = self.provider.tenant_key(config)
        clock = MockClock()
        model = self.provider.create_tenant_model(config, clock, self.default.model)
        state = MockState.build(self.provider, config, clock, model)
        tenant = Tenant(new_tenant_id(), key, state, created_ms=clock.now_ms(), last_used=time.monotonic())
        with self._lock:
            if key in self._by_key or key == self.provider.tenant_key(base):
                raise TenantError("these credentials already belong to a tenant")
            self._make_room()
            self._by_id[tenant.id] = tenant
            self._by_key[key] = tenant
            self.created += 1
        for hook in self._created_hooks:
            hook(state)
        return tenant

    def get(self, tenant_id: str) -> MockState | None:
        """The state of ``tenant_id`` (``default`` is the application's own), None if unknown."""
        if tenant_id == DEFAULT_TENANT:
            return self.default
        tenant = self._by_id.get(tenant_id)
        return tenant.state if tenant is not None else None

    def tenant(self, tenant_id: str) -> Tenant | None:
        return self._by_id.get(tenant_id)

    def delete(self, tenant_id: str) -> bool:
        with self._lock:
            tenant = self._by_id.pop(tenant_id, None)
            if tenant is None:
                return False
            self._by_key.pop(tenant.key, None)
        tenant.state.reset()  # cancels its requests still in flight
        return True

    def clear(self) -> None:
        """Delete every tenant (the pool does this between tests: a test's tenants are its own)."""
        for tenant in self.tenants():
            self.delete(tenant.id)

    def tenants(self) -> list[Tenant]:
        with self._lock:
            return list(self._by_id.values())

    def __len__(self) -> int:
        return len(self._by_id)

    def _make_room(self) -> None:
        """Evict least recently used idle tenants until one more fits both bounds (lock held)."""
        while self._by_id and (
            len(self._by_id) >= self.max_tenants or sum(t.retained_bytes() for t in self._by_id.values()) > self.max_bytes
        ):
            victim = next((t for t in self._by_id.values() if t.state.in_flight() == 0), None)
            if victim is None:
                raise TenantError(f"tenant limit reached ({self.max_tenants}) and every tenant has a request in flight")
            del self._by_id[victim.id]
            self._by_key.pop(victim.key, None)
            self.evicted += 1


def _with_capacity(config: MockConfig, capacity: int) -> MockConfig:
    """``config`` with every ``*_capacity`` at most ``capacity`` and every ``*_max_bytes`` at most
    :data:`DEFAULT_TENANT_BYTES`: the journal's and store's, and the provider's own (stayprivate's
    ``email_max_bytes``, the registries'), which the eviction above does not see."""
    fields = {field.name: getattr(config, field.name) for field in dataclasses.fields(config)}
    scaled = {name: min(value, capacity) for name, value in fields.items() if name.endswith("_capacity")}
    scaled.update({name: min(value, DEFAULT_TENANT_BYTES) for name, value in fields.items() if name.endswith("_max_bytes")})
    return dataclasses.replace(config, **scaled)


TENANTS: web.AppKey[TenantRegistry] = web.AppKey("sealmail.tenants", TenantRegistry)
"""Application key of the :class:`TenantRegistry`."""

REQUEST_STATE: web.RequestKey[MockState] = web.RequestKey("sealmail.request_state", MockState)
"""Request key of the state (tenant) a request belongs to, set before its journal entry opens."""


def install_tenants(app: web.Application, **limits: int) -> TenantRegistry:
    """Give ``app`` (built by ``create_app``) a tenant registry beside its default state."""
    registry = TenantRegistry(app[MOCK_STATE].provider, app[MOCK_STATE], **limits)
    app[TENANTS] = registry
    return registry


def resolve_request_state(request: web.Request) -> MockState:
    """The provider request's tenant state, remembered on the request for handlers."""
    registry = request.app.get(TENANTS)
    state = request.app[MOCK_STATE] if registry is None else registry.resolve(request.headers)
    request[REQUEST_STATE] = state
    return state


def request_state(request: web.Request) -> MockState:
    """The state this request works on: its tenant's, or the application's own."""
    state = request.get(REQUEST_STATE)
    return state if state is not None else request.app[MOCK_STATE]


class UnknownTenant(LookupError):
    """A control call named a tenant this server does not have."""

    def __str__(self) -> str:
        return f"no tenant {self.args[0]!r} (deleted, evicted, or never created); GET /__mock__/tenants lists them"


def tenant_state(request: web.Request, tenant_id: Any) -> MockState:
    """The state of ``tenant_id`` on this request's application; :class:`UnknownTenant` if none."""
    registry = request.app.get(TENANTS)
    state = None
    if isinstance(tenant_id, str):
        state = registry.get(tenant_id) if registry is not None else (request.app[MOCK_STATE] if tenant_id == DEFAULT_TENANT else None)
    if state is None:
        raise UnknownTenant(tenant_id)
    return state


def scope_control_request(request: web.Request) -> None:
    """``?tenant=ID`` on a control call: it works on that tenant's state (:class:`UnknownTenant` if none)."""
    tenant_id = request.query.get("tenant")
    if tenant_id is not None:
        request[REQUEST_STATE] = tenant_state(request, tenant_id)
