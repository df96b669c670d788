"""The ncp-mailer :class:`Provider`: routes under three regional prefixes, error shape, ``/__mock__/config``."""

from __future__ import annotations

from typing import Any, Sequence

from aiohttp import web

from sealmail.mockservers.core import ErrorKind, MockClock, Provider, Rejection, RenderedError
from sealmail.mockservers.core.provider import Middleware

from . import spec
from .control import add_control_routes
from .errors import MailerRejection, localized_message
from .handlers import MODEL, create_mail_request, gateway_middleware, get_mail, get_request_status, list_request_mails
from .models import NcpMailerConfig, NcpMailerModel


class NcpMailerProvider(Provider[NcpMailerConfig, NcpMailerModel]):
    id = spec.PROVIDER_ID
    title = "NAVER Cloud Outbound Mailer (API Gateway signature v2)"
    port_offset = 3
    api_hosts = spec.API_HOSTS
    config_type = NcpMailerConfig
    model_key = MODEL
    singleton_headers = spec.SINGLETON_HEADERS

    def create_model(self, config: NcpMailerConfig, clock: MockClock) -> NcpMailerModel:
        return NcpMailerModel(config, clock)

    def middlewares(self) -> Sequence[Middleware]:
        # The gateway check runs inside the core middleware, before every API handler and
        # before the router's 404/405, as the real API Gateway does.
        return (gateway_middleware,)

    def add_routes(self, app: web.Application) -> None:
        for prefix in spec.REGION_PREFIXES.values():
            app.router.add_post(prefix + spec.MAILS, create_mail_request)
            app.router.add_get(prefix + spec.REQUEST_STATUS, get_request_status)
            app.router.add_get(prefix + spec.REQUEST_MAILS, list_request_mails)
            app.router.add_get(prefix + spec.MAIL, get_mail)
        add_control_routes(app)

    def error_kind_for_status(self, status: int) -> ErrorKind:
        return spec.STATUS_KINDS.get(status) or ErrorKind(status, spec.GW_UNEXPECTED.code, spec.GW_UNEXPECTED.message)

    def render_error(self, rejection: Rejection) -> RenderedError:
        """``{"error": {"errorCode": "...", "message": "...", "details": "..."}}`` for gateway and mailer alike.

        fact sheet [open]: the widely reported gateway body; the mailer's errors use the
        same envelope, ``message`` in the ``x-ncp-lang`` language, ``details`` saying what was wrong.
        """
        kind = rejection.kind
        if isinstance(rejection, MailerRejection):
            message = localized_message(kind, rejection.lang)
            details = rejection.details
        else:
            message = localized_message(kind, spec.DEFAULT_LANGUAGE) if kind in spec.SERVICE_KINDS else kind.message
            details = None
        error: dict[str, Any] = {"errorCode": str(kind.code), "message": message}
        details = details or kind.help or None
        if details:
            error["details"] = details
        return RenderedError(rejection.status, {"error": error})

    def describe(self, model: NcpMailerModel, base_url: str) -> dict[str, Any]:
        return {
            "access_key": model.access_key,
            "secret_key": model.secret_key,
            "api_urls": {region: base_url + prefix for region, prefix in spec.REGION_PREFIXES.items()},
            "send_url": base_url + spec.REGION_PREFIXES["KR"] + spec.MAILS,
            "signature_check": model.config.verify_signature,
            "timestamp_tolerance_ms": model.config.timestamp_tolerance_ms,
            "headers": [spec.HEADER_TIMESTAMP, spec.HEADER_ACCESS_KEY, spec.HEADER_SIGNATURE],
        }


PROVIDER = NcpMailerProvider()
