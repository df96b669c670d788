"""``--sealmail-url`` / ``SEALMAIL_URL``: run the fixtures against an external ``sealmail serve``.

The URL is the server's port base (``http://127.0.0.1:8100``: each provider listens at
the base port plus its offset, as ``sealmail serve --port-base 8100`` starts them). Each
test then gets its own tenant on that server (core/tenants.py), created before the test
and deleted after it, so any number of workers, in any language, share one server.
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

from sealmail.mockservers.core.registry import get_provider
from sealmail.mockservers.core.remote_handle import TenantHandle

URL_OPTION = "--sealmail-url"
URL_ENV = "SEALMAIL_URL"


def add_url_option(group: Any) -> None:
    group.addoption(
        URL_OPTION,
        default=None,
        metavar="BASE",
        help=f"use the sealmail server at this port base URL (each provider at base port + offset), "
        f"one tenant per test, instead of in-process mocks; default: ${URL_ENV}",
    )


def external_base(config: pytest.Config) -> str | None:
    """The external server's base URL, if the run uses one."""
    return config.getoption(URL_OPTION, default=None) or os.environ.get(URL_ENV) or None


def provider_url(base: str, provider_id: str) -> str:
    """``http://host:BASE`` -> ``http://host:BASE+offset`` of ``provider_id``.

    ``PROVIDER=URL,PROVIDER=URL`` names each provider's URL instead (a server on ephemeral ports).
    """
    if "=" in base:
        urls = dict(item.strip().split("=", 1) for item in base.split(",") if item.strip())
        if provider_id not in urls:
            pytest.skip(f"{URL_OPTION} names no URL for {provider_id}")
        return urls[provider_id].rstrip("/")
    parts = urlsplit(base)
    if parts.hostname is None or parts.port is None:
        raise pytest.UsageError(f"{URL_OPTION} needs scheme, host and port, e.g. http://127.0.0.1:8100 (got {base!r})")
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return urlunsplit((parts.scheme, f"{host}:{parts.port + get_provider(provider_id).port_offset}", "", "", ""))


_run: dict[str, Any] = {"bases": [], "pending": []}
"""The external base URL of each pytest run in this process (innermost last: pytester runs nest)
and the tenants to delete after the current test."""


def configure(config: pytest.Config) -> None:
    """Remember the run's external server, if any (the named fixtures read it without ``request``)."""
    _run["bases"].append(external_base(config))


def unconfigure() -> None:
    if _run["bases"]:
        _run["bases"].pop()


def configured_base() -> str | None:
    return _run["bases"][-1] if _run["bases"] else None  # type: ignore[no-any-return]


def tenant_until_teardown(base: str, provider_id: str) -> TenantHandle:
    """A new tenant for the running test; :func:`delete_pending` removes it at the test's teardown."""
    handle = TenantHandle.create(provider_url(base, provider_id))
    _run["pending"].append(handle)
    return handle


def delete_pending() -> None:
    """Delete the tenants the finished test made through the named fixtures."""
    while _run["pending"]:
        _run["pending"].pop().delete()


def tenant_for_test(request: pytest.FixtureRequest, base: str, provider_id: str, tls: bool, settings: dict[str, Any]) -> TenantHandle:
    """A new tenant of ``provider_id`` on the external server, deleted when the test ends."""
    if settings or tls:
        pytest.skip(f"settings and tls=True need an in-process mock; {URL_OPTION} runs use the server's own settings")
    handle = TenantHandle.create(provider_url(base, provider_id))
    request.addfinalizer(handle.delete)
    return handle
