"""A provider's endpoints, read from its own aiohttp app router (nothing to register)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from sealmail.mockservers.core.middleware import CONTROL_PREFIX

_PLACEHOLDER = re.compile(r"\{([^{}:]+)(?::[^{}]*)?\}")


@dataclass(frozen=True)
class Endpoint:
    method: str
    template: str
    """The route's path, ``{name}`` for each dynamic segment (``/1.0/emails/{emailRef}/send``)."""

    @property
    def control(self) -> bool:
        """A ``/__mock__/`` route: sealmail's control API, not the provider's."""
        return self.template.startswith(CONTROL_PREFIX)

    @property
    def params(self) -> tuple[str, ...]:
        return tuple(m.group(1) for m in _PLACEHOLDER.finditer(self.template))

    def fill(self, values: dict[str, str]) -> str:
        """The path with each ``{name}`` replaced (values are used as given: already encoded)."""
        return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), "x"), self.template)


def endpoints(app: web.Application) -> list[Endpoint]:
    """Every (method, path template) the app routes, HEAD twins of GET routes left out."""
    found: dict[tuple[str, str], Endpoint] = {}
    for route in app.router.routes():
        resource: Any = route.resource
        if resource is None:
            continue
        info = resource.get_info()
        template = info.get("path") or info.get("formatter") or resource.canonical
        if route.method == "HEAD":
            continue
        found[(route.method, template)] = Endpoint(route.method, template)
    return sorted(found.values(), key=lambda e: (e.control, e.template, e.method))


def provider_endpoints(app: web.Application) -> list[Endpoint]:
    return [e for e in endpoints(app) if not e.control]


def control_endpoints(app: web.Application) -> list[Endpoint]:
    return [e for e in endpoints(app) if e.control]
