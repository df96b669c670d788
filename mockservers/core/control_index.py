"""``GET /__mock__/``: the control calls of this provider, read from the registered routes.

Each call's description is the first line of its handler's docstring, so the list is the
router's own and cannot miss a provider's extra route. An unknown ``/__mock__/...`` path
answers a JSON 404 pointing here (:func:`unknown_control_call`).
"""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web

from sealmail.argparsing import plain_text

from .context import json_response
from .control_spec import control_call, obj, array, STRING
from .state import MOCK_STATE

INDEX_PATH = "/__mock__/"
_CALL_PREFIX = re.compile(r"^``[A-Z]+ /__mock__/[^`]*``:?\s*")
"""A docstring that starts by naming its call (``POST /__mock__/x`` ``{...}``: ...) keeps only what follows."""


def control_calls(app: web.Application) -> list[dict[str, str]]:
    """Method, path and one-line description of every ``/__mock__/`` route, in registration order."""
    calls = []
    for route in app.router.routes():
        path = route.resource.canonical if route.resource is not None else ""
        if not path.startswith(INDEX_PATH) or route.method == "HEAD":  # HEAD rides along with every GET
            continue
        calls.append({"method": route.method, "path": path, "description": _description(route.handler)})
    return calls


def _description(handler: Any) -> str:
    lines = (handler.__doc__ or "").strip().splitlines()
    return plain_text(_CALL_PREFIX.sub("", lines[0])) if lines else ""


@control_call("GET", INDEX_PATH, responses={200: obj(
    {"provider": STRING, "calls": array(obj({"method": STRING, "path": STRING, "description": STRING}, required=("method", "path", "description")))},
    required=("provider", "calls"),
)})
async def control_index(request: web.Request) -> web.Response:
    """This list: every control call of this provider with its method, path and purpose."""
    return json_response({"provider": request.app[MOCK_STATE].provider.id, "calls": control_calls(request.app)})


def unknown_control_call(request: web.Request, error: web.HTTPException) -> web.Response:
    """The JSON answer to a ``/__mock__/`` request no control route takes (404, or 405 with ``Allow``)."""
    what = "no such control call" if error.status == 404 else "method not allowed for this control call"
    body = {"error": f"{what}: {request.method} {request.path}; GET {INDEX_PATH} lists them", "index": INDEX_PATH}
    headers = {"Allow": error.headers["Allow"]} if "Allow" in error.headers else None
    return json_response(body, status=error.status, headers=headers)
