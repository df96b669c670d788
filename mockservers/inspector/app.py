"""The inspector application: static page, ``/api/mocks``, ``/api/snippets/<id>``, ``/events``, ``/p/<id>/__mock__/...``."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, AsyncIterator, Mapping, Sequence

from aiohttp import web

from ..core.control import describe
from ..core.runner import DEFAULT_HOST, RunningMock, start_mock
from .events import EventHub
from .guard import guard_middleware
from .proxy import ControlProxy
from .snippets import snippets_for

STATIC = Path(__file__).with_name("static")

INSPECTOR_MOCKS: web.AppKey[dict[str, RunningMock]] = web.AppKey("sealmail.inspector_mocks", dict)
"""Provider id -> the running mock the inspector shows."""
_HUB: web.AppKey[EventHub] = web.AppKey("sealmail.inspector_hub", EventHub)

SECURITY_HEADERS = {
    # The page's own script and style only; email previews are srcdoc frames with their own, stricter policy.
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "frame-ancestors 'self'; base-uri 'none'; form-action 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


async def _security_headers(request: web.Request, response: web.StreamResponse) -> None:
    """``on_response_prepare``: every answer gets them, streamed ones (forwarded control answers) included."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)


def create_inspector_app(
    mocks: Sequence[RunningMock], *, ssl: Any = None, control_headers: Mapping[str, str] | None = None
) -> web.Application:
    """The inspector over ``mocks`` (each a started provider mock).

    ``ssl`` and ``control_headers`` are handed to the control proxy (see :class:`ControlProxy`).
    """
    # Security headers on every answer about to be sent: the guard's refusals (which quote the refused Origin) too.
    app = web.Application(middlewares=[guard_middleware])
    app.on_response_prepare.append(_security_headers)
    by_id = {mock.state.provider.id: mock for mock in mocks}
    app[INSPECTOR_MOCKS] = by_id
    proxy = ControlProxy({pid: mock.url for pid, mock in by_id.items()}, ssl=ssl, extra_headers=control_headers)
    app.cleanup_ctx.append(proxy.open)
    app[_HUB] = EventHub()
    app.cleanup_ctx.append(_event_hub)
    app.on_shutdown.append(_end_streams)
    app.router.add_get("/", _index)
    app.router.add_get("/api/mocks", _list_mocks)
    app.router.add_get("/api/snippets/{provider}", _snippets)
    app.router.add_get("/events", _events)
    app.router.add_route("*", "/p/{provider}/__mock__/{tail:.*}", proxy.forward)
    app.router.add_static("/static/", STATIC, show_index=False, follow_symlinks=False)
    return app


async def _event_hub(app: web.Application) -> AsyncIterator[None]:
    hub = app[_HUB]
    hub.attach(asyncio.get_running_loop(), {pid: mock.state for pid, mock in app[INSPECTOR_MOCKS].items()})
    yield
    hub.close()  # already closed on shutdown; detaching twice is harmless


async def _end_streams(app: web.Application) -> None:
    """``on_shutdown``: end open event streams first, so stopping never waits for a page to hang up."""
    app[_HUB].close()


async def start_inspector(
    mocks: Sequence[RunningMock], host: str = DEFAULT_HOST, port: int = 0, *, connection_cap: int | None = None,
    **options: Any,
) -> RunningMock:
    """Serve the inspector over ``mocks`` on ``host:port`` (0: ephemeral) in the running loop.

    ``connection_cap`` lowers its ``max_connections`` as for a mock (its share of the open-file limit).
    Returns the started server (``.url``, ``.runner``; stop with ``await server.runner.cleanup()``).
    """
    return await start_mock(create_inspector_app(mocks, **options), host, port, connection_cap=connection_cap)


async def _index(request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC / "index.html")


async def _list_mocks(request: web.Request) -> web.Response:
    mocks = request.app[INSPECTOR_MOCKS]
    return web.json_response(
        {"mocks": [{"provider": pid, "title": m.state.provider.title, "base_url": m.url, "control": f"/p/{pid}/__mock__"}
                   for pid, m in mocks.items()]}
    )


async def _snippets(request: web.Request) -> web.Response:
    mock = request.app[INSPECTOR_MOCKS].get(request.match_info["provider"])
    if mock is None:
        return web.json_response({"error": "no such provider"}, status=404)
    return web.json_response(snippets_for(describe(mock.state, mock.url)))


async def _events(request: web.Request) -> web.StreamResponse:
    return await request.app[_HUB].stream(request)
