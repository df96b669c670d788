"""The application factory: one aiohttp application per provider mock."""

from __future__ import annotations

import warnings
from typing import Any, Mapping

from aiohttp import web

from .answers import ANSWER_BUDGET, AnswerBudget
from .clock import MockClock
from .control import add_control_routes
from .inflight import BODY_GATE, BodyGate
from .middleware import mock_middleware
from .provider import MockConfig, Provider
from .routing import MockRouter, finish_routes
from .state import MOCK_STATE, MockState
from .tenants import install_tenants
from .tenants_control import add_tenant_routes


def create_app(
    provider: Provider[Any, Any] | str,
    config: MockConfig | Mapping[str, Any] | None = None,
    *,
    clock: MockClock | None = None,
) -> web.Application:
    """Build the mock application for ``provider`` (an id or a :class:`Provider`).

    ``config`` is the provider's config object, or a mapping of overrides applied
    to its defaults. The returned app is ready for ``web.run_app``, an
    ``AppRunner``, or ``aiohttp_client``.
    """
    if isinstance(provider, str):
        from .registry import get_provider

        provider = get_provider(provider)
    if config is None or isinstance(config, Mapping):
        config = provider.make_config(config or {})
    clock = clock or MockClock()
    with warnings.catch_warnings():
        # aiohttp marks ``router=`` deprecated but offers no other way to route
        # requests no resource can match (routing.MockRouter).
        warnings.simplefilter("ignore", DeprecationWarning)
        app = web.Application(
            middlewares=[mock_middleware, *provider.middlewares()],
            client_max_size=config.max_body_bytes,
            router=MockRouter(),
        )
    model = provider.create_model(config, clock)
    app[MOCK_STATE] = MockState.build(provider, config, clock, model)
    app[ANSWER_BUDGET] = AnswerBudget(config.control_answer_bytes)
    app[BODY_GATE] = BodyGate(config.body_bytes_in_flight)
    app[provider.model_key] = model
    add_control_routes(app)
    install_tenants(app)
    add_tenant_routes(app)
    provider.add_routes(app)
    finish_routes(app)
    return app
