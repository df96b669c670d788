"""The stayprivate :class:`Provider`: wiring, error shape, and what ``/__mock__/config`` shows."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from sealmail.mockservers.core import ErrorKind, MockClock, Provider, Rejection, RenderedError
from sealmail.mockservers.crypto.jwt import sign_jwt

from . import spec
from .control import add_control_routes
from .handlers import (
    MODEL,
    delete_attachment,
    prepare_draft,
    prepare_new,
    send_new,
    send_prepared,
    upload_new,
    upload_replace,
)
from .models import StayPrivateConfig, StayPrivateModel

SAMPLE_TOKEN_LIFETIME_S = 3600
"""``sample_bearer_token`` in ``/__mock__/config`` expires this long after the config was read."""


class StayPrivateProvider(Provider[StayPrivateConfig, StayPrivateModel]):
    id = spec.PROVIDER_ID
    title = "StayPrivate secure email API (RS256 JWT; prepare / upload / send)"
    port_offset = 5
    api_hosts = spec.API_HOSTS
    config_type = StayPrivateConfig
    model_key = MODEL
    singleton_headers = spec.SINGLETON_HEADERS

    def create_model(self, config: StayPrivateConfig, clock: MockClock) -> StayPrivateModel:
        return StayPrivateModel(config, clock)

    def add_routes(self, app: web.Application) -> None:
        router = app.router
        router.add_post(spec.PREPARE_NEW_PATH, prepare_new)
        router.add_post(spec.PREPARE_DRAFT_PATH, prepare_draft)
        router.add_post(spec.UPLOAD_NEW_PATH, upload_new)
        router.add_post(spec.UPLOAD_REPLACE_PATH, upload_replace)
        router.add_delete(spec.DELETE_ATTACHMENT_PATH, delete_attachment)
        router.add_post(spec.SEND_NEW_PATH, send_new)
        router.add_post(spec.SEND_PREPARED_PATH, send_prepared)
        add_control_routes(app)

    def error_kind_for_status(self, status: int) -> ErrorKind:
        return spec.STATUS_KINDS.get(status) or ErrorKind(status, f"http_{status}", "Request failed")

    def render_error(self, rejection: Rejection) -> RenderedError:
        """seed: ``{"success": false, "error": {"code": <the error code>, "message": <the error message>}}``.

        ``field`` (when a rule names one) is added inside ``error``: extra
        members are harmless to clients that read code and message.
        """
        error: dict[str, Any] = {"code": rejection.code, "message": rejection.message}
        if rejection.field:
            error["field"] = rejection.field
        return RenderedError(rejection.status, {"success": False, "error": error})

    def describe(self, model: StayPrivateModel, base_url: str) -> dict[str, Any]:
        config = model.config
        keys = model.default_keys
        now_s = int(model.clock.now_s())
        sample = sign_jwt(
            {"iss": config.company_api_id, "iat": now_s, "exp": now_s + SAMPLE_TOKEN_LIFETIME_S},
            keys.private_key,
            algorithm="RS256",
        )
        api = base_url + spec.API_BASE
        return {
            "company_api_id": config.company_api_id,
            "domains": list(config.company_domains),
            "sender_email": f"sender@{config.company_domains[0]}" if config.company_domains else None,
            "algorithms": list(config.allowed_algorithms),
            "leeway_s": config.leeway_s,
            "private_key_pem": keys.private_key_pem,
            "public_key_pem": keys.public_key_pem,
            "key_note": "public test key pair, published in the sealmail repository: never use it outside local testing",
            "sample_bearer_token": sample,
            "sample_bearer_token_expires": now_s + SAMPLE_TOKEN_LIFETIME_S,
            "headers": {
                spec.HEADER_COMPANY_ID: config.company_api_id,
                spec.HEADER_AUTHORIZATION: "Bearer <RS256 JWT: iss=company_api_id, exp=now+300, signed with private_key_pem>",
            },
            "attachment_field": spec.ATTACHMENT_FIELD,
            "max_attachment_bytes": config.max_attachment_bytes,
            "urls": {
                "prepare": api + "/prepare",
                "prepare_draft": api + "/{emailRef}/prepare",
                "upload": api + "/{emailRef}/attachments/upload",
                "upload_replace": api + "/{emailRef}/attachments/{fileRef}/upload",
                "delete_attachment": api + "/{emailRef}/attachments/{fileRef}",
                "send": api + "/send",
                "send_prepared": api + "/{emailRef}/send",
                "companies": base_url + spec.COMPANIES_CONTROL_PATH,
                "emails": base_url + spec.EMAILS_CONTROL_PATH,
            },
        }


PROVIDER = StayPrivateProvider()
