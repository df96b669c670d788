"""One declaration per control call: what registers its route and what ``/__mock__/openapi.json`` documents.

A control handler carries its :class:`ControlCall` (``@control_call(...)`` above it): method,
path, query parameters, request and response JSON Schemas (2020-12, the dialect of OpenAPI 3.1)
and examples. :func:`add_control_route` registers the route from that declaration and
:mod:`.openapi` builds the document from the registered routes' declarations, so the route and
its documentation cannot part ways; tests/openapi fails on a ``/__mock__/`` route without one.
The summary is the handler's docstring, as in ``GET /__mock__/``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Mapping, TypeVar

from aiohttp import web

JsonSchema = dict[str, Any]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
H = TypeVar("H", bound=Handler)

_ATTRIBUTE = "__sealmail_control_call__"


@dataclass(frozen=True)
class ControlCall:
    """The declared shape of one ``/__mock__/`` call."""

    method: str
    path: str
    responses: Mapping[int, JsonSchema]
    """Success status -> JSON Schema of the body (every 4xx answers :data:`ERROR`)."""
    request: JsonSchema | None = None
    """JSON Schema of the request body; ``None``: the call takes no body."""
    request_required: bool = False
    query: Mapping[str, JsonSchema] = field(default_factory=dict)
    errors: Mapping[int, str] = field(default_factory=dict)
    """4xx statuses the handler itself answers, with when."""
    example_request: Any = None
    example_response: Any = None
    media_type: str = "application/json"
    """Of the success body; ``*/*``: stored bytes served with their own content type (an attachment)."""


def control_call(method: str, path: str, **shape: Any) -> Callable[[H], H]:
    """Declare the handler below as ``method path`` with ``shape`` (the :class:`ControlCall` fields)."""

    def declare(handler: H) -> H:
        setattr(handler, _ATTRIBUTE, ControlCall(method=method, path=path, **shape))
        return handler

    return declare


def declaration(handler: Any) -> ControlCall | None:
    """The :class:`ControlCall` a handler carries, if any."""
    return getattr(handler, _ATTRIBUTE, None)


def add_control_route(app: web.Application, handler: Handler) -> None:
    """Register ``handler`` at the method and path its ``@control_call`` declares."""
    call = declaration(handler)
    if call is None:
        raise TypeError(f"{handler.__qualname__} has no @control_call declaration")
    app.router.add_route(call.method, call.path, handler)


# --- JSON Schema building blocks ---------------------------------------------------------------

def obj(properties: Mapping[str, JsonSchema] | None = None, *, required: tuple[str, ...] = (), closed: bool = False) -> JsonSchema:
    """An object schema; ``closed`` refuses other fields (request bodies that reject unknown ones)."""
    schema: JsonSchema = {"type": "object", "properties": dict(properties or {})}
    if required:
        schema["required"] = list(required)
    if closed:
        schema["additionalProperties"] = False
    return schema


def array(items: JsonSchema) -> JsonSchema:
    return {"type": "array", "items": items}


def nullable(schema: JsonSchema) -> JsonSchema:
    kind = schema.get("type")
    return {**schema, "type": [kind, "null"]} if isinstance(kind, str) else {"anyOf": [schema, {"type": "null"}]}


STRING: JsonSchema = {"type": "string"}
INTEGER: JsonSchema = {"type": "integer"}
BOOLEAN: JsonSchema = {"type": "boolean"}
ANY_OBJECT: JsonSchema = {"type": "object"}
STATUS_OK = obj({"status": {"const": "ok"}}, required=("status",))

ERROR = obj({"error": {"type": "string", "description": "what was wrong, and how to fix it"}}, required=("error",))
"""The body of every 4xx control answer."""
