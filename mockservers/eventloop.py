"""Which event loop ``sealmail serve`` runs on: uvloop when installed (``pip install "sealmail[fast]"``), else asyncio.

``--loop auto|asyncio|uvloop`` (environment ``SEALMAIL_LOOP``; the option wins) picks it:

- ``auto`` (default): uvloop if it can be imported, otherwise the standard asyncio loop;
- ``asyncio``: always the standard loop (the off switch);
- ``uvloop``: uvloop, or a usage error when it is not installed.

The pytest fixtures' server thread follows the same rule (:func:`fixture_loop`). The mocks'
behaviour does not depend on the loop; only their speed does (docs/benchmarks.md).
"""

from __future__ import annotations

import asyncio
import importlib
import os
from dataclasses import dataclass
from typing import Any, Callable, Coroutine, TypeVar

LOOP_CHOICES = ("auto", "asyncio", "uvloop")
LOOP_ENV = "SEALMAIL_LOOP"
T = TypeVar("T")


class LoopUnavailable(ValueError):
    """The event loop asked for cannot be used here (not installed, or an unknown name)."""


@dataclass(frozen=True)
class EventLoopChoice:
    """The loop to run on: its name for the banner and the factory ``asyncio.Runner`` takes."""

    name: str
    factory: Callable[[], asyncio.AbstractEventLoop] | None
    """None: asyncio's default loop."""

    def new_loop(self) -> asyncio.AbstractEventLoop:
        return self.factory() if self.factory is not None else asyncio.new_event_loop()

    def run(self, main: Coroutine[Any, Any, T]) -> T:
        """``asyncio.run(main)`` on this loop."""
        with asyncio.Runner(loop_factory=self.factory) as runner:
            return runner.run(main)


def requested_loop(option: str | None) -> str:
    """The loop name asked for: the option if given, else ``SEALMAIL_LOOP``, else ``auto``."""
    return (option or os.environ.get(LOOP_ENV) or "auto").strip().lower()


def choose_loop(name: str) -> EventLoopChoice:
    """Resolve ``auto|asyncio|uvloop``; raises :class:`LoopUnavailable` for ``uvloop`` without uvloop."""
    if name not in LOOP_CHOICES:
        raise LoopUnavailable(f"unknown event loop {name!r}: choose one of {', '.join(LOOP_CHOICES)}")
    if name == "asyncio":
        return EventLoopChoice("asyncio", None)
    try:
        uvloop = importlib.import_module("uvloop")
    except ImportError:
        if name == "uvloop":
            raise LoopUnavailable('uvloop is not installed: pip install "sealmail[fast]", or use --loop asyncio') from None
        return EventLoopChoice("asyncio", None)
    return EventLoopChoice("uvloop", uvloop.new_event_loop)


def fixture_loop() -> EventLoopChoice:
    """The loop of the fixtures' server thread: ``SEALMAIL_LOOP`` if set, else ``auto`` (uvloop when installed).

    Measured with whole pytest processes of 300 one-request tests (docs/benchmarks.md): uvloop
    lowered the process's CPU by about 8% and its wall time by about 3%; the suite passes on both.
    ``SEALMAIL_LOOP=uvloop`` without uvloop raises :class:`LoopUnavailable` when the first mock starts.
    """
    return choose_loop(requested_loop(None))


def running_loop_name() -> str | None:
    """``uvloop`` or ``asyncio``: what the running loop is (for banners and benchmark records); None outside a loop."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return None
    return "uvloop" if type(loop).__module__.startswith("uvloop") else "asyncio"
