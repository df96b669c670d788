"""The sealmail pytest plugin (entry point ``pytest11: sealmail``): fixtures only.

- ``mock_server(provider_id, **settings)``: factory fixture, returns a reset
  :class:`~mockservers.core.MockHandle`.
- ``<provider>_mock`` (``netcore_email_mock``, ...): one per implemented
  provider, default settings.
- ``sealmail_pool``: the session's :class:`~mockservers.core.MockPool`.

Servers live for the whole session on their own loop thread (so blocking
clients in sync tests never deadlock) and are reset before each test. When a
test using a mock fails, its report gains a "sealmail journal" section listing
every request and the exact reason of each rejection.
"""

from __future__ import annotations

from typing import Any, Callable, Generator, Iterator, Protocol

import pytest

from mockservers.core import MockHandle, MockPool, providers

_HANDLES = pytest.StashKey[list[MockHandle]]()


class MockServerFactory(Protocol):
    """Type of the ``mock_server`` fixture."""

    def __call__(self, provider_id: str, **settings: Any) -> MockHandle: ...


@pytest.fixture(scope="session")
def sealmail_pool() -> Iterator[MockPool]:
    """All mocks of this test session (per xdist worker), on ephemeral 127.0.0.1 ports."""
    with MockPool() as pool:
        yield pool


@pytest.fixture
def mock_server(sealmail_pool: MockPool, request: pytest.FixtureRequest) -> MockServerFactory:
    """Factory: ``mock_server("netcore-email", api_key="k")`` gives a reset mock with those settings."""
    used = request.node.stash.setdefault(_HANDLES, [])

    def acquire(provider_id: str, **settings: Any) -> MockHandle:
        handle = sealmail_pool.acquire(provider_id, **settings)
        used.append(handle)
        return handle

    return acquire


def _named_fixture(provider_id: str) -> Callable[..., MockHandle]:
    def fixture(mock_server: MockServerFactory) -> MockHandle:
        return mock_server(provider_id)

    fixture.__doc__ = f"The {provider_id} mock with default settings, reset for this test."
    fixture.__name__ = provider_id.replace("-", "_") + "_mock"
    return pytest.fixture(name=fixture.__name__)(fixture)


for _provider_id in providers():
    globals()[_provider_id.replace("-", "_") + "_mock"] = _named_fixture(_provider_id)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, None]:
    outcome = yield
    report = outcome.get_result()
    if report.when != "call" or not report.failed:
        return
    for handle in dict.fromkeys(item.stash.get(_HANDLES, [])):
        report.sections.append((f"sealmail journal: {handle.provider_id}", handle.explain()))
