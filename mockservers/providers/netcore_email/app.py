"""The netcore-email :class:`Provider`: wiring, error shape, and what ``/__mock__/config`` shows."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from sealmail.mockservers.core import ErrorKind, MockClock, Provider, Rejection, RenderedError

from . import spec
from .handlers import MODEL, send_mail
from .models import NetcoreEmailConfig, NetcoreEmailModel


class NetcoreEmailProvider(Provider[NetcoreEmailConfig, NetcoreEmailModel]):
    id = spec.PROVIDER_ID
    title = "Netcore Email API v6 (AES-256-GCM)"
    port_offset = 1
    api_hosts = spec.API_HOSTS
    config_type = NetcoreEmailConfig
    model_key = MODEL
    singleton_headers = spec.SINGLETON_HEADERS

    def create_model(self, config: NetcoreEmailConfig, clock: MockClock) -> NetcoreEmailModel:
        return NetcoreEmailModel(config, clock)

    def add_routes(self, app: web.Application) -> None:
        app.router.add_post(spec.SEND_PATH, send_mail)

    def error_kind_for_status(self, status: int) -> ErrorKind:
        return spec.STATUS_KINDS.get(status) or ErrorKind(status, f"http_{status}", "Request failed")

    def render_error(self, rejection: Rejection) -> RenderedError:
        """One v6 error shape (FIDELITY.md): top-level ``message`` and an ``error`` list.

        Satisfies both readings in client code (fact sheet [code]):
        ``result["error"][0]["message"]`` and a top-level ``message``.
        """
        item: dict[str, Any] = {"code": rejection.code, "message": rejection.message}
        if rejection.kind.help:
            item["help"] = rejection.kind.help
        if rejection.field:
            item["field"] = rejection.field
        body = {"data": [], "message": rejection.message, "status": "error", "error": [item]}
        return RenderedError(rejection.status, body)

    def describe(self, model: NetcoreEmailModel, base_url: str) -> dict[str, Any]:
        return {
            "api_key": model.api_key,
            "send_url": base_url + spec.SEND_PATH,
            "headers": {"Authorization": f"Bearer {model.api_key}"},
        }


PROVIDER = NetcoreEmailProvider()
