"""ncp-mailer's own control routes (never journaled, never faulted, never signed).

- ``GET /__mock__/credentials``: every credential (access key, secret key, state).
- ``POST /__mock__/credentials`` ``{"accessKey"?, "secretKey"?, "state"?}``: add one (generated keys if absent); 201.
- ``DELETE /__mock__/credentials/{accessKey}``.
- ``POST /__mock__/templates`` ``{"templateSid", "title", "body", "name"?, "senderAddress"?, "senderName"?}``.
- ``POST /__mock__/mails/{mailId}/status`` ``{"status": "F"}`` (``null`` restores the simulated status).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from sealmail.mockservers.core import context as ctx
from sealmail.mockservers.core.context import json_response
from sealmail.mockservers.core.control import ControlError, control_error, read_control_json
from sealmail.mockservers.core.control_spec import INTEGER, STATUS_OK, STRING, add_control_route, array, control_call, nullable, obj

from . import spec
from .handlers import MODEL


def add_control_routes(app: web.Application) -> None:
    for handler in (list_credentials, add_credential, remove_credential, add_template, set_mail_status):
        add_control_route(app, handler)


_NON_EMPTY = {"type": "string", "minLength": 1}
CREDENTIAL = obj({"accessKey": STRING, "secretKey": STRING, "state": STRING}, required=("accessKey", "secretKey", "state"))
"""``Credential.to_json`` (models.py)."""


@control_call("GET", "/__mock__/credentials", responses={200: obj({"credentials": array(CREDENTIAL)}, required=("credentials",))})
async def list_credentials(request: web.Request) -> web.Response:
    """Every credential: access key, secret key, state."""
    return json_response({"credentials": [c.to_json() for c in ctx.model(request, MODEL).credentials()]})


@control_call(
    "POST", "/__mock__/credentials", responses={201: CREDENTIAL}, errors={400: "a field is not a non-empty string, or the state is unknown",
                                                 409: "a new access key over registry_capacity or registry_max_bytes (DELETE one, or reset)"},
    request=obj({"accessKey": _NON_EMPTY, "secretKey": _NON_EMPTY, "state": _NON_EMPTY}),
    example_request={"accessKey": "my-access-key", "secretKey": "my-secret-key", "state": "active"},
)
async def add_credential(request: web.Request) -> web.Response:
    """Add a credential {"accessKey"?, "secretKey"?, "state"?} (generated keys if absent); 201."""
    try:
        spec_ = await _object(request)
        access_key = _optional_str(spec_, "accessKey")
        secret_key = _optional_str(spec_, "secretKey")
        state = _optional_str(spec_, "state") or "active"
        credential = ctx.model(request, MODEL).add_credential(access_key, secret_key, state)
    except (ControlError, ValueError) as error:
        return control_error(str(error))
    return json_response(credential.to_json(), status=201)


@control_call("DELETE", "/__mock__/credentials/{accessKey}", responses={200: STATUS_OK}, errors={404: "no such access key"})
async def remove_credential(request: web.Request) -> web.Response:
    """Remove a credential; its access key becomes unknown."""
    if not ctx.model(request, MODEL).remove_credential(request.match_info["accessKey"]):
        return control_error("no such access key", status=404)
    return json_response({"status": "ok"})


@control_call(
    "POST", "/__mock__/templates", request_required=True, errors={400: "templateSid not an integer, or title/body not strings",
                                           409: "a new templateSid over registry_capacity or registry_max_bytes (reset)"},
    request=obj(
        {"templateSid": INTEGER, "title": STRING, "body": STRING, "name": _NON_EMPTY, "senderAddress": _NON_EMPTY, "senderName": _NON_EMPTY},
        required=("templateSid", "title", "body"),
    ),
    responses={201: obj({"templateSid": INTEGER, "name": nullable(STRING)}, required=("templateSid",))},
    example_request={"templateSid": 1001, "title": "Hello ${name}", "body": "<p>Hi ${name}</p>"},
)
async def add_template(request: web.Request) -> web.Response:
    """Store a mail template {"templateSid", "title", "body", "name"?, "senderAddress"?, "senderName"?}."""
    try:
        spec_ = await _object(request)
        sid = spec_.get("templateSid")
        if isinstance(sid, bool) or not isinstance(sid, int):
            raise ControlError("templateSid must be an integer")
        title, body = spec_.get("title"), spec_.get("body")
        if not isinstance(title, str) or not isinstance(body, str):
            raise ControlError("title and body must be strings")
        template = ctx.model(request, MODEL).add_template(
            sid, title, body, name=_optional_str(spec_, "name"),
            sender_address=_optional_str(spec_, "senderAddress"), sender_name=_optional_str(spec_, "senderName"),
        )
    except ControlError as error:
        return control_error(str(error))
    return json_response({"templateSid": template.sid, "name": template.name}, status=201)


@control_call(
    "POST", "/__mock__/mails/{mailId}/status", request=obj({"status": {"enum": [*spec.STATUS_CODES, None]}}),
    responses={200: obj({"mailId": STRING, "status": STRING}, required=("mailId", "status"))},
    errors={400: "status not one of the sendStatus codes or null", 404: "no such mail"}, example_request={"status": "F"},
)
async def set_mail_status(request: web.Request) -> web.Response:
    """Force a mail's status {"status": "F"}; null restores the simulated status."""
    try:
        spec_ = await _object(request)
        status = spec_.get("status")
        if status is not None and status not in spec.STATUS_CODES:
            raise ControlError(f"status must be one of {', '.join(spec.STATUS_CODES)} or null")
        mail = ctx.model(request, MODEL).set_mail_status(request.match_info["mailId"], status)
    except ControlError as error:
        return control_error(str(error))
    except KeyError:
        return control_error("no such mail", status=404)
    return json_response({"mailId": mail.mail_id, "status": mail.status(ctx.model(request, MODEL).clock.now_ms())})


async def _object(request: web.Request) -> dict[str, Any]:
    spec_ = await read_control_json(request, default={})
    if not isinstance(spec_, dict):
        raise ControlError("body must be a JSON object")
    return spec_


def _optional_str(spec_: dict[str, Any], key: str) -> str | None:
    value = spec_.get(key)
    if value is not None and (not isinstance(value, str) or not value):
        raise ControlError(f"{key} must be a non-empty string")
    return value
