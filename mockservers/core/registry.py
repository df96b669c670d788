"""Finds the provider mocks: every package under ``sealmail.mockservers.providers`` with a ``PROVIDER``.

Adding a provider is adding its package; nothing here changes. Convention: a
provider's id is its package name with ``-`` for ``_`` (``ncp_mailer`` is
``ncp-mailer``), so the ids are known without importing any provider
(:func:`provider_ids`), which keeps the pytest plugin's import cheap.
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
from functools import cache
from typing import Any

from .provider import Provider


@cache
def providers() -> dict[str, Provider[Any, Any]]:
    """All implemented providers by id, ordered by port offset."""
    package = importlib.import_module("sealmail.mockservers.providers")
    found: list[Provider[Any, Any]] = []
    for info in pkgutil.iter_modules(package.__path__):
        if not info.ispkg:
            continue
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        provider = getattr(module, "PROVIDER", None)
        if isinstance(provider, Provider):
            found.append(provider)
    found.sort(key=lambda p: p.port_offset)
    return {p.id: p for p in found}


@cache
def _package_ids() -> tuple[str, ...]:
    """The provider packages' ids, listed from disk once per process."""
    spec = importlib.util.find_spec("sealmail.mockservers.providers")
    locations = list(spec.submodule_search_locations or []) if spec else []
    return tuple(sorted(info.name.replace("_", "-") for info in pkgutil.iter_modules(locations) if info.ispkg))


def provider_ids() -> list[str]:
    """Provider ids from the package names alone, without importing the providers."""
    return list(_package_ids())


def get_provider(provider_id: str) -> Provider[Any, Any]:
    """The provider with this id; ``KeyError`` naming the known ids otherwise.

    Imports only that provider's package when the naming convention finds it,
    so starting one mock does not pay for importing all of them.
    """
    if provider_id in _package_ids():
        module = importlib.import_module(f"sealmail.mockservers.providers.{provider_id.replace('-', '_')}")
        provider = getattr(module, "PROVIDER", None)
        if isinstance(provider, Provider) and provider.id == provider_id:
            return provider
    known = providers()
    try:
        return known[provider_id]
    except KeyError:
        raise KeyError(f"unknown provider {provider_id!r}; known: {', '.join(known) or 'none'}") from None
