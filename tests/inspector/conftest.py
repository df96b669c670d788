"""Fixtures for the inspector tests: every mock plus the inspector on one server thread, one Chromium.

Browser tests drive Debian's ``chromium`` through Playwright (its own browser
download is not available here). Without chromium they skip locally with the
reason; under ``CI`` they fail instead, so CI never silently skips them.
Screenshots go to ``$SEALMAIL_SCREENSHOTS`` (``make screenshots`` sets it to
docs/screenshots) or to the test's temporary directory.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Iterator

import pytest

from sealmail.mockservers.core import MockHandle, ServerThread, create_app, providers
from sealmail.mockservers.core.runner import RunningMock
from sealmail.mockservers.inspector import start_inspector

CHROMIUM = os.environ.get("SEALMAIL_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
VIEWPORT = {"width": 1280, "height": 800}


@dataclass
class Served:
    """Every provider mock and the inspector over them."""

    inspector: RunningMock
    mocks: dict[str, MockHandle]

    @property
    def url(self) -> str:
        return self.inspector.url

    def reset(self) -> None:
        for mock in self.mocks.values():
            mock.state.reset()


@pytest.fixture(scope="session")
def served() -> Iterator[Served]:
    with ServerThread(name="sealmail-inspector-tests") as thread:
        running = [thread.start(create_app(provider_id)) for provider_id in providers()]
        inspector = thread.call(start_inspector(running))
        try:
            yield Served(inspector, {r.state.provider.id: MockHandle(r) for r in running})
        finally:
            thread.call(inspector.runner.cleanup())


@pytest.fixture
def inspector(served: Served) -> Served:
    """The session's mocks and inspector, every mock reset for this test."""
    served.reset()
    return served


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Chromium for one module's tests.

    Module scope, not session: Playwright's sync API keeps an event loop running in
    the main thread while it is started, which would break every later test that
    runs its own loop (``asyncio.run``, async tests).
    """
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed (pip install -e '.[test]')")
    if not Path(CHROMIUM).exists():
        _unavailable(f"{CHROMIUM} not found: apt-get install -y chromium (.ci/run does this)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def _unavailable(message: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(message + "; browser tests must not skip under CI", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="module")
def browser_page(browser: Any, served: Served) -> Iterator[Any]:
    """One page for the module (1280x800, clipboard allowed): a new context per test costs more than the test."""
    context = browser.new_context(viewport=VIEWPORT, color_scheme="light", accept_downloads=True)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=served.url)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def page(browser_page: Any, inspector: Served) -> Iterator[Any]:
    """The inspector freshly loaded, every mock reset; fails the test on any script error in the page."""
    errors: list[str] = []
    listener = lambda error: errors.append(str(error))  # noqa: E731
    browser_page.on("pageerror", listener)
    browser_page.goto(inspector.url + "/")
    browser_page.locator("#live[data-state=open]").wait_for()
    yield browser_page
    browser_page.remove_listener("pageerror", listener)
    assert not errors, f"script errors on the inspector page: {errors}"


@pytest.fixture
def screenshot_dir(tmp_path: Path) -> Path:
    target = os.environ.get("SEALMAIL_SCREENSHOTS")
    path = Path(target) if target else tmp_path
    path.mkdir(parents=True, exist_ok=True)
    return path


class LoopbackSite:
    """A plain HTTP server on another loopback port: counts every request, serves given pages.

    Stands for remote content an email points at (any hit is a leak) and for a
    cross-origin page that tries to drive the inspector.
    """

    def __init__(self) -> None:
        self.hits: list[str] = []
        self.pages: dict[str, str] = {}
        self._lock = threading.Lock()
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                with site._lock:
                    site.hits.append(self.path)
                body = site.pages.get(self.path, "").encode()
                self.send_response(200 if self.path in site.pages else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def loopback_site() -> Iterator[LoopbackSite]:
    site = LoopbackSite()
    yield site
    site.close()
