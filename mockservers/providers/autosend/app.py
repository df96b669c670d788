"""The autosend :class:`Provider`: wiring, error shape, CLI flags, and what ``/__mock__/config`` shows."""

from __future__ import annotations

import argparse
import re
from typing import Any

from aiohttp import web

from sealmail.mockservers.core import ErrorKind, MockClock, Provider, Rejection, RenderedError

from . import handlers, spec
from .handlers import MODEL
from .models import AutoSendConfig, AutoSendModel

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$")
_UNIT_S = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


def parse_duration(text: str) -> float:
    """``90``, ``30s``, ``15m``, ``1h``, ``1d`` -> seconds; ``ValueError`` otherwise."""
    match = _DURATION.match(text)
    if not match:
        raise ValueError(f"not a duration: {text!r} (examples: 30s, 15m, 1h, 1d)")
    return float(match.group(1)) * _UNIT_S[match.group(2) or "s"]


class AutoSendProvider(Provider[AutoSendConfig, AutoSendModel]):
    id = spec.PROVIDER_ID
    title = "AutoSend API (JWE RSA-OAEP-256 + A256GCM requests, rotating JWKS)"
    port_offset = 2
    api_hosts = spec.API_HOSTS
    config_type = AutoSendConfig
    model_key = MODEL
    singleton_headers = spec.SINGLETON_HEADERS

    def create_model(self, config: AutoSendConfig, clock: MockClock) -> AutoSendModel:
        return AutoSendModel(config, clock)

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get(spec.JWKS_PATH, handlers.jwks)
        app.router.add_post(spec.UPSERT_CONTACT_PATH, handlers.upsert_contact)
        app.router.add_post(spec.CREATE_CONTACT_PATH, handlers.create_contact)
        app.router.add_post(spec.SEND_PATH, handlers.send_mail)
        app.router.add_post(spec.BULK_PATH, handlers.send_bulk)
        app.router.add_get(spec.KEYS_PATH, handlers.list_keys)
        app.router.add_post(spec.ROTATE_PATH, handlers.rotate_keys)
        app.router.add_post(spec.RETIRE_PATH, handlers.retire_key)
        app.router.add_post(spec.IMPORT_KEY_PATH, handlers.import_key)
        app.router.add_get(spec.ERRORS_PATH, handlers.list_scripted)
        app.router.add_post(spec.ERRORS_PATH, handlers.script_errors)
        app.router.add_delete(spec.ERRORS_PATH, handlers.clear_scripted)

    def error_kind_for_status(self, status: int) -> ErrorKind:
        return spec.STATUS_KINDS.get(status) or ErrorKind(status, f"HTTP_{status}", "Request failed")

    def render_error(self, rejection: Rejection) -> RenderedError:
        """fact sheet [docs]: ``{"success": false, "error": {"message", "code", "details"?}}``.

        A rejection naming a field (validation) lists it in ``details`` with its
        specific message; the top-level message is the kind's (``Validation failed``).
        """
        error: dict[str, Any] = {"message": rejection.kind.message, "code": rejection.code}
        if rejection.field is not None:
            error["details"] = [{"field": rejection.field, "message": rejection.message}]
        return RenderedError(rejection.status, {"success": False, "error": error})

    def describe(self, model: AutoSendModel, base_url: str) -> dict[str, Any]:
        model.catch_up_rotation()
        return {
            "api_key": model.api_key,
            "jwks_url": base_url + spec.JWKS_PATH,
            "active_kid": model.ring.active.kid,
            "kids": model.ring.kids(),
            "project_id": model.config.project_id,
            "encryption": {"alg": spec.ALG, "enc": spec.ENC, "serialization": "compact",
                           "headers": {spec.HEADER_ENCRYPTION: spec.ENCRYPTION_JWE, spec.HEADER_KEY_ID: "<kid>"}},
            "endpoints": {
                "upsert_contact": base_url + spec.UPSERT_CONTACT_PATH,
                "create_contact": base_url + spec.CREATE_CONTACT_PATH,
                "send": base_url + spec.SEND_PATH,
                "bulk": base_url + spec.BULK_PATH,
            },
            "headers": {"Authorization": f"Bearer {model.api_key}"},
        }

    # --- CLI ------------------------------------------------------------------------------------
    def add_cli_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--autosend-rotate-every",
            metavar="DURATION",
            help="autosend: rotate the JWKS key on this period of the mock clock (e.g. 1h, 30m); old keys "
                 "stay listed up to autosend.auto_rotate_keep",
        )

    def settings_from_cli(self, args: argparse.Namespace) -> dict[str, Any]:
        value = getattr(args, "autosend_rotate_every", None)
        if value is None:
            return {}
        return {"rotate_every_s": parse_duration(value)}


PROVIDER = AutoSendProvider()
