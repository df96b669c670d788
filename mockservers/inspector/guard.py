"""The inspector's request guard: loopback Host only, same-origin state changes only, no CORS.

- A Host header that is not a loopback name defeats DNS rebinding: a page on
  ``evil.example`` re-pointed at 127.0.0.1 still sends ``Host: evil.example``.
- A state-changing request (anything but GET/HEAD) from a browser must come from
  the inspector's own origin: ``Origin`` (when sent) must equal it, and
  ``Sec-Fetch-Site`` (when sent) must be ``same-origin``. Another local page,
  even on another loopback port, is a different origin and is refused.
- Data and control paths (``/p/...``, ``/api/...``, ``/events``) answer no other
  site, whatever the method: a cross-site ``GET`` (an ``<img>``, a ``<script>``, an
  ``EventSource``) would otherwise reach the mock's control API through the proxy,
  which does not forward ``Sec-Fetch-Site`` (the mock's own guard then cannot refuse
  it), and its timing leaks what the mock holds (``?wait_for=N`` answers when the
  N-th message arrives). Only the page and its static files may be navigated to
  from anywhere.
- No ``Access-Control-Allow-*`` header is ever sent, so other origins cannot
  read any answer either.

Kept in this one module so it can be swapped for the control API's shared guard.
"""

from __future__ import annotations

from ipaddress import ip_address

from aiohttp import web

from ..core.middleware import Handler

SAFE_METHODS = frozenset({"GET", "HEAD"})
READ_FETCH_SITES = frozenset({"same-origin", "none"})
"""Fetch Metadata (W3C) values a read of a data path may carry: the page itself, or a typed URL."""
NAVIGABLE_PATHS = ("/", "/static/")
LOOPBACK_NAMES = frozenset({"localhost"})


def is_loopback_host(host: str | None) -> bool:
    """``127.0.0.1:8100``, ``localhost``, ``[::1]:8100`` -> True; any other name or address -> False."""
    if not host:
        return False
    name = host.strip()
    if name.startswith("["):
        name = name[1:].partition("]")[0]
    elif name.count(":") == 1:
        name = name.partition(":")[0]
    name = name.rstrip(".").lower()
    if name in LOOPBACK_NAMES or name.endswith(".localhost"):
        return True
    try:
        return ip_address(name).is_loopback
    except ValueError:
        return False


def refusal(request: web.Request) -> str | None:
    """Why ``request`` is refused, or None when it may proceed."""
    if not is_loopback_host(request.host):
        return f"Host {request.host!r} is not a loopback name (DNS rebinding guard)"
    origin = request.headers.get("Origin")
    own_origin = f"{request.scheme}://{request.host}"
    if request.method in SAFE_METHODS:
        return None if _navigable(request.path) else _cross_site_read(request, origin, own_origin)
    if origin is not None and origin != own_origin:
        return f"cross-origin request from {origin!r} refused (only {own_origin} may change state)"
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None and fetch_site != "same-origin":
        return f"Sec-Fetch-Site {fetch_site!r} refused: state changes must come from the inspector page itself"
    return None


def _navigable(path: str) -> bool:
    return path == "/" or path.startswith(NAVIGABLE_PATHS[1])


def _cross_site_read(request: web.Request, origin: str | None, own_origin: str) -> str | None:
    if origin is not None and origin != own_origin:
        return f"cross-origin read from {origin!r} refused (only the inspector page may read {request.path})"
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None and fetch_site.lower() not in READ_FETCH_SITES:
        return f"Sec-Fetch-Site {fetch_site!r} refused: only the inspector page itself may read {request.path}"
    return None


@web.middleware
async def guard_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """403 ``{"error": why}`` for a refused request (see :func:`refusal`)."""
    reason = refusal(request)
    if reason is not None:
        return web.json_response({"error": reason}, status=403)
    return await handler(request)
