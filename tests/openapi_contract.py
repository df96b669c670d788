"""Every control response the suite produces, checked against its provider's OpenAPI document.

:func:`install` wraps the middleware's control dispatch (``core.middleware._control``, the one
place every ``/__mock__/`` answer passes) of the mocks this test process runs, and
:data:`CONTRACT` validates each answer with ``jsonschema`` against the schema the document
declares for its route, method and status (``"4XX"`` for an error without its own entry).
tests/conftest.py fails the test during which a violation happened. ``SEALMAIL_OPENAPI_CHECK=0``
turns the check off (to tell a schema problem from a behaviour change).
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from sealmail.mockservers.core import middleware
from sealmail.mockservers.core.openapi import openapi_document
from sealmail.mockservers.core.state import MOCK_STATE

_DOCUMENT_URI = "urn:sealmail:control-openapi"


@dataclass
class ControlContract:
    """Checks answers against each provider's document; keeps the violations and what it saw."""

    violations: list[str] = field(default_factory=list)
    seen: set[tuple[str, str, str, int]] = field(default_factory=set)
    """``(host:port, method, path template, status)`` of every checked answer."""
    _documents: dict[str, tuple[dict[str, Any], Registry[Any]]] = field(default_factory=dict)
    _validators: dict[tuple[str, str], Draft202012Validator] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def document(self, app: web.Application) -> tuple[dict[str, Any], Registry[Any]]:
        provider = app[MOCK_STATE].provider.id
        with self._lock:
            if provider not in self._documents:
                document = openapi_document(app)
                registry: Registry[Any] = Registry().with_resource(_DOCUMENT_URI, Resource(document, DRAFT202012))
                self._documents[provider] = (document, registry)
            return self._documents[provider]

    def check(self, request: web.Request, response: web.StreamResponse) -> None:
        route = request.match_info.route
        path = route.resource.canonical if route.resource is not None else ""
        provider = request.app[MOCK_STATE].provider.id
        where = f"{provider} {request.method} {request.path} -> {response.status}"
        document, registry = self.document(request.app)
        operation = document["paths"].get(path, {}).get(request.method.lower())
        if operation is None:
            # The catch-all answers unknown calls (404/405), the exposure guard refuses requests before routing
            # (401 token, 403 cross-origin, 421 foreign Host) and a body that cannot be read is refused before
            # its handler (400, 413): those are not calls of the document.
            if response.status not in (400, 401, 403, 404, 405, 413, 421):
                self._violate(f"{where}: {request.method} {path} is not in the OpenAPI document")
            return
        self.seen.add((request.host, request.method, path, response.status))
        responses = operation["responses"]
        status_key = str(response.status) if str(response.status) in responses else f"{response.status // 100}XX"
        if status_key not in responses:
            self._violate(f"{where}: status {response.status} is not documented (documented: {sorted(responses)})")
            return
        content = responses[status_key]["content"]
        if "*/*" in content:
            return
        media = response.content_type
        if media not in content:
            self._violate(f"{where}: content type {media} is not documented ({sorted(content)})")
            return
        body = getattr(response, "body", None)
        if not isinstance(body, bytes):
            self._violate(f"{where}: a streamed JSON answer cannot be checked")
            return
        pointer = "/".join(["#", "paths", _escape(path), request.method.lower(), "responses", status_key, "content", _escape(media), "schema"])
        validator = self._validators.get((provider, pointer))
        if validator is None:
            validator = self._validators[(provider, pointer)] = Draft202012Validator({"$ref": _DOCUMENT_URI + pointer}, registry=registry)
        errors = sorted(validator.iter_errors(json.loads(body)), key=lambda e: list(e.absolute_path))
        for error in errors[:3]:
            self._violate(f"{where}: {'/'.join(map(str, error.absolute_path)) or 'body'}: {error.message[:300]}")

    def take(self) -> list[str]:
        with self._lock:
            taken, self.violations = self.violations, []
            return taken

    def _violate(self, text: str) -> None:
        with self._lock:
            self.violations.append(text)


def _escape(part: str) -> str:
    """A JSON Pointer token (RFC 6901 section 3)."""
    return part.replace("~", "~0").replace("/", "~1")


CONTRACT = ControlContract()
_installed = False


def install() -> None:
    """Check every control answer of the mocks in this process from now on (idempotent)."""
    global _installed
    if _installed:
        return
    dispatch = middleware._control

    async def checked(request: web.Request, handler: middleware.Handler) -> web.StreamResponse:
        response = await dispatch(request, handler)
        try:
            CONTRACT.check(request, response)
        except Exception as error:  # a broken check must fail the test, never the mock's answer
            CONTRACT._violate(f"{request.method} {request.path}: the check itself failed: {error!r}")
        return response

    middleware._control = checked  # type: ignore[assignment]
    _installed = True
