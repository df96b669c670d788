"""Route-level plumbing every provider app gets: Expect handling and a catch-all for 404/405.

aiohttp runs a route's *expect handler* before any middleware, and its default
one answers an unknown ``Expect`` with its own plain-text 417 (a 500 when the
value is not UTF-8), unjournaled and outside the provider's error shape. Here
every route gets a handler that only sends ``100 Continue`` when asked and lets
everything else reach the middleware, which rejects unsupported expectations
with the provider's 417 (RFC 9110 section 10.1.1).

The catch-all route (added last) does the same for paths no provider route
matches, and raises the 404 or 405 the router would have chosen, so that the
middleware renders it in the provider's shape. A request no route can match at
all (``CONNECT host:443``, ``OPTIONS *``: a target that is not a path) gets
aiohttp's error route; :class:`MockRouter` gives that one the same handler.
"""

from __future__ import annotations

from aiohttp import web
from aiohttp.http import HttpVersion11

from .exposure import exposure_of
from .middleware import CONTROL_PREFIX
from .state import MOCK_STATE

CONTINUE = "100-continue"


async def expect_continue_only(request: web.Request) -> None:
    """Send ``100 Continue`` for ``Expect: 100-continue``; leave any other value to the middleware.

    RFC 9110 section 10.1.1: a server that will refuse the request anyway answers
    with the final status instead of inviting the body. No ``100 Continue``, then,
    for a declared ``Content-Length`` over ``max_body_bytes`` (the middleware
    answers 413 without reading) or a request the exposure guard turns away.
    """
    if request.version != HttpVersion11 or request.headers.get("Expect", "").lower() != CONTINUE:
        return
    limit = request.app[MOCK_STATE].config.max_body_bytes
    if request.content_length is not None and request.content_length > limit:
        return
    guard = exposure_of(request.app)
    control = request.path.startswith(CONTROL_PREFIX)
    refusal = guard.check_control(request) if control else guard.check_api(request, request.app[MOCK_STATE].provider.api_hosts)
    if refusal is None:
        await request.writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")


async def no_route(request: web.Request) -> web.StreamResponse:
    """The catch-all handler: the router's 404, or its 405 listing the allowed methods."""
    allowed: set[str] = set()
    own = request.match_info.route.resource
    for resource in request.app.router.resources():
        if resource is own:
            continue
        _match, methods = await resource.resolve(request)
        allowed |= methods
    if allowed:
        raise web.HTTPMethodNotAllowed(request.method, sorted(allowed))
    raise web.HTTPNotFound()


class MockRouter(web.UrlDispatcher):
    """aiohttp's router, with :func:`expect_continue_only` on its error routes too."""

    async def resolve(self, request: web.Request) -> web.UrlMappingMatchInfo:
        match = await super().resolve(request)
        if match.http_exception is not None:
            # A fresh SystemRoute per unmatched request (aiohttp's MatchInfoError).
            match.route._expect_handler = expect_continue_only  # type: ignore[attr-defined]
        return match


def finish_routes(app: web.Application) -> None:
    """Give every route the Expect handler above, then add the catch-all route."""
    for route in app.router.routes():
        # aiohttp offers ``expect_handler=`` only when a route is added; providers add
        # theirs with the plain helpers, so it is set here on the finished routes.
        route._expect_handler = expect_continue_only  # type: ignore[attr-defined]
    app.router.add_route("*", "/{path:.*}", no_route, expect_handler=expect_continue_only)
