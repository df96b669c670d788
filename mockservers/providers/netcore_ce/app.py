"""The netcore-ce :class:`Provider`: wiring, error shape, and what ``/__mock__/config`` shows."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from sealmail.mockservers.core import ErrorKind, MockClock, Provider, Rejection, RenderedError

from . import spec
from .handlers import MODEL, delete_asset, list_assets, register_asset, upload_activities
from .models import NetcoreCeConfig, NetcoreCeModel


class NetcoreCeProvider(Provider[NetcoreCeConfig, NetcoreCeModel]):
    id = spec.PROVIDER_ID
    title = "Netcore CE activity upload (AES-256-CBC 11256/11257, AES-256-GCM 11258)"
    port_offset = 4
    api_hosts = spec.API_HOSTS
    config_type = NetcoreCeConfig
    model_key = MODEL
    singleton_headers = spec.SINGLETON_HEADERS

    def create_model(self, config: NetcoreCeConfig, clock: MockClock) -> NetcoreCeModel:
        return NetcoreCeModel(config, clock)

    def add_routes(self, app: web.Application) -> None:
        app.router.add_post(spec.UPLOAD_PATH, upload_activities)
        app.router.add_get(spec.ASSETS_PATH, list_assets)
        app.router.add_post(spec.ASSETS_PATH, register_asset)
        app.router.add_delete(spec.ASSETS_PATH + "/{asset}", delete_asset)

    def error_kind_for_status(self, status: int) -> ErrorKind:
        return spec.STATUS_KINDS.get(status) or ErrorKind(status, f"http_{status}", "Request failed")

    def render_error(self, rejection: Rejection) -> RenderedError:
        """One flat error shape, every value a string (FIDELITY.md).

        ``status``/``message`` as the Netcore Email v6 answers; ``error`` repeats
        the message for clients that read ``resp["error"]`` as a string (public
        Go client of this endpoint); ``code`` is the stable catalogue code.
        """
        body: dict[str, object] = {
            "status": "error",
            "code": str(rejection.code),
            "message": rejection.message,
            "error": rejection.message,
        }
        if rejection.field:
            body["field"] = rejection.field
        return RenderedError(rejection.status, body)

    def describe(self, model: NetcoreCeModel, base_url: str) -> dict[str, Any]:
        config = model.config
        return {
            "api_key": model.api_key,
            "upload_url": base_url + spec.UPLOAD_PATH,
            "asset": config.default_asset,
            "key": config.default_key,
            "iv": config.default_iv,
            "gcm_key": config.default_gcm_key,
            "ecodes": {str(m.ecode): m.name for m in spec.METHODS.values()},
            "headers": {"Authorization": f"Bearer {model.api_key}", "x-asset": config.default_asset, "x-eCode": "11256"},
            "assets": model.assets(),
            "assets_url": base_url + spec.ASSETS_PATH,
        }


PROVIDER = NetcoreCeProvider()
