"""The sealmail pytest plugin (entry point ``pytest11: sealmail``): fixtures only.

- ``mock_server(provider_id, tls=False, **settings)``: factory fixture, returns a reset
  :class:`~sealmail.mockservers.core.MockHandle` (``tls=True``: an ``https://`` URL and
  ``handle.ca_file``, a session CA in a temporary directory).
- ``<provider>_mock`` (``netcore_email_mock``, ...): one per implemented
  provider, default settings; typed as ``sealmail.NetcoreEmailMock``, ...
- ``sealmail_pool``: the session's :class:`~sealmail.mockservers.core.MockPool`.

Servers live for the whole session on their own loop thread (so blocking
clients in sync tests never deadlock) and are reset before each test. When a
test using a mock fails, its report gains a "sealmail journal" section listing
every request and the exact reason of each rejection.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Generator, Iterator, Literal, Protocol, overload

import pytest

from sealmail.mockservers.core import MockHandle, MockPool
from sealmail.mockservers.core.registry import provider_ids
from sealmail.mockservers.core.remote_handle import TenantHandle

from .external import add_url_option, configure, configured_base, delete_pending, unconfigure, external_base, tenant_for_test, tenant_until_teardown

if TYPE_CHECKING:  # the framework (and every provider) loads only when a conformance run needs it
    from sealmail.handles import AutoSendMock, NcpMailerMock, NetcoreCeMock, NetcoreEmailMock, StayPrivateMock

    from .framework import Report

_HANDLES = pytest.StashKey[list[MockHandle[Any]]]()


class MockServerFactory(Protocol):
    """Type of the ``mock_server`` fixture: ``mock_server("autosend", initial_keys=2)`` is an ``AutoSendMock``."""

    @overload
    def __call__(self, provider_id: Literal["netcore-email"], *, tls: bool = False, **settings: Any) -> NetcoreEmailMock: ...
    @overload
    def __call__(self, provider_id: Literal["autosend"], *, tls: bool = False, **settings: Any) -> AutoSendMock: ...
    @overload
    def __call__(self, provider_id: Literal["ncp-mailer"], *, tls: bool = False, **settings: Any) -> NcpMailerMock: ...
    @overload
    def __call__(self, provider_id: Literal["netcore-ce"], *, tls: bool = False, **settings: Any) -> NetcoreCeMock: ...
    @overload
    def __call__(self, provider_id: Literal["stayprivate"], *, tls: bool = False, **settings: Any) -> StayPrivateMock: ...
    @overload
    def __call__(self, provider_id: str, *, tls: bool = False, **settings: Any) -> MockHandle[Any]: ...


@pytest.fixture(scope="session")
def sealmail_pool() -> Iterator[MockPool]:
    """All mocks of this test session (per xdist worker), on ephemeral 127.0.0.1 ports."""
    with MockPool() as pool:
        yield pool


def _acquire(pool: MockPool, request: pytest.FixtureRequest, provider_id: str, tls: bool = False, **settings: Any) -> MockHandle[Any]:
    """A reset mock, remembered on the test so a failure report can show its journal.

    With ``--sealmail-url``: the test's own tenant on that external server instead (conformance/external.py).
    """
    base = external_base(request.config)
    handle: Any = tenant_for_test(request, base, provider_id, tls, settings) if base else pool.acquire(provider_id, tls=tls, **settings)
    request.node.stash.setdefault(_HANDLES, []).append(handle)
    return handle


@pytest.fixture
def mock_server(sealmail_pool: MockPool, request: pytest.FixtureRequest) -> MockServerFactory:
    """Factory: ``mock_server("netcore-email", api_key="k")`` gives a reset mock with those settings;
    ``tls=True`` serves it over HTTPS (``handle.ca_file`` is the CA to trust)."""

    def acquire(provider_id: str, *, tls: bool = False, **settings: Any) -> MockHandle[Any]:
        return _acquire(sealmail_pool, request, provider_id, tls, **settings)

    return acquire  # one body serves every overload (they narrow the handle type by provider id)


def _named_fixture(provider_id: str) -> Callable[..., MockHandle[Any]]:
    # Straight from the pool, not through ``mock_server``: one fixture less per test. No ``request``
    # either (pytest builds a fixture definition for it on every use): a failure report finds the
    # handle among the test's fixture values (``item.funcargs``).
    def fixture(sealmail_pool: MockPool) -> MockHandle[Any]:
        base = configured_base()  # --sealmail-url: the test's own tenant there (conformance/external.py)
        return tenant_until_teardown(base, provider_id) if base else sealmail_pool.acquire(provider_id)  # type: ignore[return-value]

    fixture.__doc__ = f"The {provider_id} mock with default settings, reset for this test."
    fixture.__name__ = provider_id.replace("-", "_") + "_mock"
    return pytest.fixture(name=fixture.__name__)(fixture)


for _provider_id in provider_ids():
    globals()[_provider_id.replace("-", "_") + "_mock"] = _named_fixture(_provider_id)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("sealmail", "sealmail conformance")
    group.addoption(
        "--conformance-client",
        action="append",
        default=[],
        metavar="ID=MODULE:FACTORY",
        help="client factory to check for a provider (repeatable); default: the reference client",
    )
    group.addoption(
        "--conformance-client-cmd",
        action="append",
        default=[],
        metavar="ID=COMMAND",
        help="a program in any language as the provider's adapter, JSON-RPC over stdin/stdout (repeatable)",
    )
    group.addoption(
        "--conformance-provider",
        action="append",
        default=[],
        metavar="ID",
        help="only run these providers' conformance suites (repeatable)",
    )
    group.addoption(
        "--conformance-properties",
        type=int,
        default=0,
        metavar="N",
        help="also drive each selected client with N generated payloads (property run); default 0: off",
    )
    group.addoption("--conformance-seed", type=int, default=None, metavar="SEED", help="seed of the property runs")
    add_url_option(group)


@pytest.fixture(scope="session")
def conformance_report(request: pytest.FixtureRequest, sealmail_pool: MockPool) -> Callable[[str], Report | None]:
    """``conformance_report(provider_id)``: the suite's report for the chosen client, run once per session."""
    from .framework import client_factory, get_suite, run_suite

    factories = _by_provider(request.config, "--conformance-client", "ID=MODULE:FACTORY")
    commands = _by_provider(request.config, "--conformance-client-cmd", "ID=COMMAND")
    both = set(factories) & set(commands)
    if both:
        raise pytest.UsageError(f"--conformance-client and --conformance-client-cmd both name {sorted(both)}")
    selected = set(request.config.getoption("--conformance-provider")) | set(factories) | set(commands)
    reports: dict[str, Report] = {}

    def report(provider_id: str) -> Report | None:
        if selected and provider_id not in selected:
            return None
        if provider_id not in reports:
            suite = get_suite(provider_id)
            spec, command = factories.get(provider_id), commands.get(provider_id)
            factory = client_factory(suite, spec, command)
            reports[provider_id] = run_suite(suite, factory, pool=sealmail_pool, client_name=spec or command)
        return reports[provider_id]

    return report


@pytest.fixture(scope="session")
def conformance_properties(request: pytest.FixtureRequest, sealmail_pool: MockPool) -> Callable[[str], Any]:
    """``conformance_properties(provider_id)``: the property run of the chosen client (``None`` when off)."""
    from .framework import client_factory, get_suite
    from .properties import run_properties

    examples: int = request.config.getoption("--conformance-properties")
    seed: int | None = request.config.getoption("--conformance-seed")
    factories = _by_provider(request.config, "--conformance-client", "ID=MODULE:FACTORY")
    commands = _by_provider(request.config, "--conformance-client-cmd", "ID=COMMAND")
    selected = set(request.config.getoption("--conformance-provider")) | set(factories) | set(commands)

    def run(provider_id: str) -> Any:
        if examples <= 0 or (selected and provider_id not in selected):
            return None
        suite = get_suite(provider_id)
        spec, command = factories.get(provider_id), commands.get(provider_id)
        return run_properties(suite, client_factory(suite, spec, command), examples, seed=seed,
                              pool=sealmail_pool, client_name=spec or command)

    return run


def _by_provider(config: pytest.Config, option: str, form: str) -> dict[str, str]:
    chosen: dict[str, str] = {}
    for item in config.getoption(option):
        provider_id, sep, value = item.partition("=")
        if not sep or not value:
            raise pytest.UsageError(f"{option} wants {form}, got {item!r}")
        chosen[provider_id] = value
    return chosen


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, None]:
    outcome = yield
    report = outcome.get_result()
    if report.when != "call" or not report.failed:
        return
    named = [value for value in (getattr(item, "funcargs", None) or {}).values() if isinstance(value, (MockHandle, TenantHandle))]
    for handle in dict.fromkeys([*item.stash.get(_HANDLES, []), *named]):
        report.sections.append((f"sealmail journal: {handle.provider_id}", handle.explain()))


def pytest_configure(config: pytest.Config) -> None:
    configure(config)


def pytest_unconfigure(config: pytest.Config) -> None:
    unconfigure()


def pytest_runtest_teardown(item: pytest.Item) -> None:
    delete_pending()  # the tenants this test's named fixtures made on an external server (none otherwise)
