"""``GET /__mock__/openapi.json``: an OpenAPI 3.1 document of this provider's control calls.

Built from the registered ``/__mock__/`` routes and the :class:`~.control_spec.ControlCall`
each handler carries (the same declaration its route was registered from), so the document
lists exactly what the router serves. Users generate a control client from it
(docs/openapi.md shows ``openapi-typescript``).
"""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web

from .context import json_response
from .control_index import INDEX_PATH, control_calls
from .control_spec import ERROR, ControlCall, control_call, declaration, obj
from .state import MOCK_STATE

OPENAPI_PATH = "/__mock__/openapi.json"
OPENAPI_VERSION = "3.1.0"
_PATH_PARAMETER = re.compile(r"\{([^}/]+)\}")


def control_routes(app: web.Application) -> list[tuple[str, str, Any]]:
    """``(method, path, handler)`` of every ``/__mock__/`` route, in registration order (no HEAD)."""
    found = []
    for route in app.router.routes():
        path = route.resource.canonical if route.resource is not None else ""
        if path.startswith(INDEX_PATH) and route.method != "HEAD":
            found.append((route.method, path, route.handler))
    return found


def undeclared_routes(app: web.Application) -> list[str]:
    """``"METHOD path"`` of each control route whose handler has no ``@control_call`` (or a different one)."""
    missing = []
    for method, path, handler in control_routes(app):
        call = declaration(handler)
        if call is None or (call.method, call.path) != (method, path):
            missing.append(f"{method} {path}")
    return missing


def openapi_document(app: web.Application, base_url: str | None = None) -> dict[str, Any]:
    """The OpenAPI 3.1 document of ``app``'s control API (undeclared routes are left out)."""
    provider = app[MOCK_STATE].provider.id
    summaries = {(c["method"], c["path"]): c["description"] for c in control_calls(app)}
    paths: dict[str, dict[str, Any]] = {}
    for method, path, handler in control_routes(app):
        call = declaration(handler)
        if call is None:
            continue
        operation = _operation(call, summaries.get((method, path), ""), handler)
        paths.setdefault(path, {})[method.lower()] = operation
    document: dict[str, Any] = {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": f"sealmail {provider} mock: control API",
            "version": _sealmail_version(),
            "description": (
                f"The /__mock__/ calls of the {provider} mock: journal, messages, faults, clock, reset and "
                "the provider's own extras. Every 4xx answer is {\"error\": \"...\"}."
            ),
        },
        "paths": paths,
        "components": {"schemas": {"Error": ERROR}},
    }
    if base_url:
        document["servers"] = [{"url": base_url}]
    return document


def _operation(call: ControlCall, summary: str, handler: Any) -> dict[str, Any]:
    name = getattr(handler, "__name__", "call")
    operation: dict[str, Any] = {"operationId": _camel(name), "summary": summary, "responses": {}}
    more = (handler.__doc__ or "").strip().partition("\n")[2].strip()
    if more:
        operation["description"] = more
    parameters = [
        {"name": p, "in": "path", "required": True, "schema": {"type": "string"}}
        for p in _PATH_PARAMETER.findall(call.path)
    ] + [{"name": q, "in": "query", "required": False, "schema": s} for q, s in call.query.items()]
    if not call.path.startswith("/__mock__/tenants"):  # core/tenants.scope_control_request: every other call takes it
        parameters.append({"name": "tenant", "in": "query", "required": False, "schema": {"type": "string"},
                           "description": "work on this tenant (docs/tenants.md); without it, the default tenant; unknown: 404"})
    if parameters:
        operation["parameters"] = parameters
    if call.request is not None:
        content: dict[str, Any] = {"schema": call.request}
        if call.example_request is not None:
            content["example"] = call.example_request
        operation["requestBody"] = {"required": call.request_required, "content": {"application/json": content}}
    for status, schema in call.responses.items():
        body: dict[str, Any] = {"schema": schema}
        if call.example_response is not None and call.media_type == "application/json":
            body["example"] = call.example_response
        operation["responses"][str(status)] = {"description": _reason(status), "content": {call.media_type: body}}
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for status, when in call.errors.items():
        operation["responses"][str(status)] = {"description": when, "content": error}
    operation["responses"]["4XX"] = {
        "description": "a bad control request: unreadable or oversized body, unknown method",
        "content": error,
    }
    operation["responses"]["503"] = {  # core/answers.py: any answer of 64 KiB or more
        "description": "a large answer while large answers not yet read by their clients fill control_answer_bytes "
                       "(docs/memory.md); retry after Retry-After seconds",
        "content": error,
    }
    return operation


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _reason(status: int) -> str:
    return {200: "OK", 201: "Created"}.get(status, str(status))


def _sealmail_version() -> str:
    # Imported here: importlib.metadata costs every ``sealmail serve`` start-up ~10 ms, and only this call needs it.
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("sealmail")
    except PackageNotFoundError:  # running from a checkout that was never installed
        return "0"


@control_call("GET", OPENAPI_PATH, responses={200: obj({"openapi": {"const": OPENAPI_VERSION}, "paths": {"type": "object"}}, required=("openapi", "info", "paths"))})
async def openapi_json(request: web.Request) -> web.Response:
    """This OpenAPI 3.1 document of every control call of this provider (generate a client from it)."""
    return json_response(openapi_document(request.app, f"{request.scheme}://{request.host}"))
