"""Wait until a mock has started handling a request that its client is about to abandon.

A client with a short timeout (0.1 s) can give up before the mock's server thread on a
loaded machine has even read the request: measured with one CPU burner, 1 request in 300
reached the handler more than 100 ms after it was sent. The request then starts after the
next test's reset and belongs to that test. Tests that need a request *in flight* when
they end wait on :func:`handler_started`'s event after their client gave up.
"""

from __future__ import annotations

import contextlib
import inspect
import threading
from typing import Any, Iterator


@contextlib.contextmanager
def handler_started(mock: Any) -> Iterator[threading.Event]:
    """An event set once ``mock`` starts handling a request (its middleware's ``request_started``)."""
    started = threading.Event()
    state = mock.state
    original = state.request_started

    def noting(task: Any) -> int:
        try:
            return original(task)
        finally:
            started.set()

    state.request_started = noting
    try:
        yield started
    finally:
        del state.request_started


SOURCE = "\n\nimport contextlib\nimport threading\nfrom typing import Any, Iterator\n\n\n" + inspect.getsource(handler_started)
"""The helper as source text, for the test files the suite writes into user projects (pytester, the wheel)."""
