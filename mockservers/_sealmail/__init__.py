"""sealmail: strict mock servers, a pytest plugin, a conformance suite and test vectors
for email and event APIs that encrypt or sign their requests.

The one import name of the distribution. Its parts:

- :mod:`sealmail.mockservers`: the provider mocks (aiohttp) and their control API.
- :mod:`sealmail.conformance`: the pytest plugin, reference clients and the conformance suite.
- :mod:`sealmail.vectors`: the test vectors, their generators and independent verifier.

The types a test annotates its fixtures with are importable from here:
``from sealmail import MockHandle, MockServerFactory`` and one handle type per provider
(``NetcoreEmailMock``, ``AutoSendMock``, ``NcpMailerMock``, ``NetcoreCeMock``,
``StayPrivateMock``: ``MockHandle`` bound to that provider's model, so ``.model`` is typed).
They are loaded lazily so that ``import sealmail`` (and ``sealmail --version``) stays cheap.

In the repository this package's own files live in ``mockservers/_sealmail/`` (the
top-level layout is fixed); ``pyproject.toml`` maps them to ``sealmail``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    __version__: str
    from .mockservers.core.handle import MockHandle as MockHandle
    from .conformance.plugin import MockServerFactory as MockServerFactory
    from .handles import AutoSendMock as AutoSendMock
    from .handles import NcpMailerMock as NcpMailerMock
    from .handles import NetcoreCeMock as NetcoreCeMock
    from .handles import NetcoreEmailMock as NetcoreEmailMock
    from .handles import StayPrivateMock as StayPrivateMock

_HANDLE_TYPES = ("NetcoreEmailMock", "AutoSendMock", "NcpMailerMock", "NetcoreCeMock", "StayPrivateMock")

__all__ = ["MockHandle", "MockServerFactory", *_HANDLE_TYPES, "__version__"]

_LAZY = {
    "MockHandle": ("sealmail.mockservers.core.handle", "MockHandle"),
    "MockServerFactory": ("sealmail.conformance.plugin", "MockServerFactory"),
    **{name: ("sealmail.handles", name) for name in _HANDLE_TYPES},
}


def __getattr__(name: str) -> Any:
    """Load the public types and ``__version__`` on first use (PEP 562).

    ``__version__`` too: ``importlib.metadata`` costs ``sealmail serve`` tens of milliseconds at start.
    """
    if name == "__version__":
        from importlib import metadata

        try:
            version = metadata.version("sealmail")
        except metadata.PackageNotFoundError:  # running from a checkout that was never installed
            version = "0+unknown"
        globals()[name] = version
        return version
    try:
        module_name, attribute = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'sealmail' has no attribute {name!r}") from None
    import importlib

    value = getattr(importlib.import_module(module_name), attribute)
    globals()[name] = value
    return value
