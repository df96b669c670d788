"""HTTP layer of the autosend mock: authenticate -> open the envelope -> validate -> store -> answer.

Stateless: everything comes from the model on the application. The control
routes under ``/__mock__/keys`` and ``/__mock__/errors`` are here too.
"""

from __future__ import annotations

import asyncio

import json
from functools import partial
from typing import Any

from aiohttp import web

from sealmail.mockservers.core import Rejection
from sealmail.mockservers.core import context as ctx
from sealmail.mockservers.core.content_type import content_type_detail, is_json
from sealmail.mockservers.core.control import ControlError, control_error, read_control_json
from sealmail.mockservers.core.control_spec import ANY_OBJECT, BOOLEAN, INTEGER, STRING, JsonSchema, array, control_call, nullable, obj
from sealmail.mockservers.crypto.jwe import KeyRejected

from . import spec
from .envelope import OpenedBody, open_body
from .models import AutoSendModel, new_batch_id, new_object_id
from .payloads import validate_bulk, validate_contact, validate_mail

MODEL: web.AppKey[AutoSendModel] = web.AppKey("autosend.model", AutoSendModel)


# --- public API ---------------------------------------------------------------------------------

async def jwks(request: web.Request) -> web.Response:
    """``GET /v1/jwks.json``: public keys only, active first, with cache headers (seed "Fetch the public key")."""
    model = ctx.model(request, MODEL)
    _rotate_if_due(request, model)
    if model.config.jwks_requires_auth:
        model.authenticate(request.headers.get("Authorization"))
    body, etag = model.ring.jwks_document()
    headers = {"Cache-Control": f"public, max-age={model.config.jwks_max_age_s}", "ETag": etag}
    ctx.note(request, kids=model.ring.kids())
    matching = _etags(request.headers.get("If-None-Match"))
    if etag in matching or "*" in matching:  # RFC 9110 13.1.2
        return web.Response(status=304, headers=headers)
    return web.Response(body=body, status=200, content_type="application/json", headers=headers)


async def upsert_contact(request: web.Request) -> web.Response:
    """``POST /v1/contacts/email``: create or update by email; answers the stored contact."""
    model, opened = _accept(request)
    fields, warnings = validate_contact(opened.payload, reject_unknown=model.config.reject_unknown_fields)
    _warn(request, warnings)
    contact, created = model.contacts.save(fields, now=model.now_iso(), project_id=model.config.project_id, allow_update=True)
    _store(request, opened, message_id=contact["id"], kind="contact.upsert", created=created, email=contact["email"])
    return ctx.json_response({"success": True, "data": contact})


async def create_contact(request: web.Request) -> web.Response:
    """``POST /v1/contacts``: create a contact known to be new (docs "Create Contact")."""
    model, opened = _accept(request)
    fields, warnings = validate_contact(opened.payload, reject_unknown=model.config.reject_unknown_fields)
    _warn(request, warnings)
    allow_update = model.config.create_existing_contact == "upsert"
    contact, created = model.contacts.save(fields, now=model.now_iso(), project_id=model.config.project_id, allow_update=allow_update)
    _store(request, opened, message_id=contact["id"], kind="contact.create", created=created, email=contact["email"])
    return ctx.json_response({"success": True, "data": contact})


async def send_mail(request: web.Request) -> web.Response:
    """``POST /v1/mails/send``: one recipient; answers ``emailId`` (docs "Send Email")."""
    model, opened = _accept(request)
    mail, warnings = validate_mail(opened.payload, reject_unknown=model.config.reject_unknown_fields)
    _warn(request, warnings)
    email_id = new_object_id()
    _store(request, opened, message_id=email_id, kind="mail", recipients=[mail["to"]["email"]])
    data = {"emailId": email_id, "message": "Email queued successfully.", "totalRecipients": 1}
    return ctx.json_response({"success": True, "data": data})


async def send_bulk(request: web.Request) -> web.Response:
    """``POST /v1/mails/bulk``: up to 100 recipients; answers ``batchId`` and counts (docs "Send Bulk Email")."""
    model, opened = _accept(request)
    mail, warnings = validate_bulk(
        opened.payload, max_recipients=model.config.bulk_max_recipients, reject_unknown=model.config.reject_unknown_fields
    )
    _warn(request, warnings)
    batch_id = new_batch_id()
    recipients = [r["email"] for r in mail["recipients"]]
    _store(request, opened, message_id=batch_id, kind="mail.bulk", recipients=recipients)
    data = {"batchId": batch_id, "totalRecipients": len(recipients), "successCount": len(recipients), "failedCount": 0}
    return ctx.json_response({"success": True, "data": data})


def _accept(request: web.Request) -> tuple[AutoSendModel, OpenedBody]:
    """What every /v1 POST does first: rotation schedule, auth, scripted errors, content type, envelope."""
    model = ctx.model(request, MODEL)
    _rotate_if_due(request, model)
    model.authenticate(request.headers.get("Authorization"))
    scripted = model.take_scripted()
    if scripted is not None:
        raise Rejection(scripted, "scripted_error", detail=f"scripted {scripted.code} (POST /__mock__/errors)")
    if model.config.require_json_content_type and not is_json(request):
        raise Rejection(spec.INVALID_CONTENT_TYPE, "content_type_invalid", detail=content_type_detail(request.headers))
    opened = open_body(request.headers, ctx.body(request), model.config, model.ring, partial(ctx.diagnose_after_answer, request))
    ctx.note(request, encrypted=opened.encrypted, kid=opened.kid, kid_source=opened.kid_source)
    _warn(request, opened.warnings)
    if opened.encrypted:
        # The decrypted payload, for debugging validation failures of encrypted requests.
        limit = ctx.mock_state(request).config.journal_body_limit
        ctx.note(request, plaintext=_clip(opened.payload, limit))
    return model, opened


def _store(request: web.Request, opened: OpenedBody, *, message_id: str, kind: str, **meta: Any) -> None:
    ctx.store_message(
        request, message_id=message_id, kind=kind, payload=opened.payload,
        encrypted=opened.encrypted, kid=opened.kid, **meta,
    )


def _rotate_if_due(request: web.Request, model: AutoSendModel) -> None:
    rotated = model.catch_up_rotation()
    if rotated:
        ctx.note(request, auto_rotated=rotated)


def _warn(request: web.Request, warnings: list[str]) -> None:
    for warning in warnings:
        ctx.warn(request, warning)


def _etags(header: str | None) -> set[str]:
    if not header:
        return set()
    return {tag.strip().removeprefix("W/") for tag in header.split(",")}


def _clip(payload: Any, limit: int) -> Any:
    text = json.dumps(payload, ensure_ascii=False)
    return payload if len(text) <= limit else text[:limit] + "..."


# --- control API extras ---------------------------------------------------------------------------
KEYS = obj(
    {
        "active": STRING, "next_rotation_ms": nullable(INTEGER),
        "keys": array(obj({"kid": STRING, "number": nullable(INTEGER), "added_ms": INTEGER, "jwk": ANY_OBJECT, "private_jwk": ANY_OBJECT},
                          required=("kid", "number", "added_ms", "jwk"))),
    },
    required=("active", "keys", "next_rotation_ms"),
)
""":func:`keys_state`."""
PENDING = obj({"pending": array(STRING)}, required=("pending",))
SCRIPT_ERRORS = obj(
    {"code": {"enum": sorted(str(code) for code in spec.SCRIPTABLE_ERRORS)}, "times": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 1}},
    required=("code",),
)


def _with(schema: JsonSchema, **fields: JsonSchema) -> JsonSchema:
    """``schema`` with more required fields (a key call answers its key and the ring)."""
    return {**schema, "properties": {**schema["properties"], **fields}, "required": [*schema["required"], *fields]}



def keys_state(model: AutoSendModel, *, private: bool = False) -> dict[str, Any]:
    keys = []
    for key in model.ring.keys():
        entry: dict[str, Any] = {"kid": key.kid, "number": key.number, "added_ms": key.added_ms, "jwk": key.jwk}
        if private:
            entry["private_jwk"] = {**key.private.export_private(as_dict=True), "kid": key.kid}
        keys.append(entry)
    return {
        "active": model.ring.active.kid,
        "keys": keys,
        "next_rotation_ms": model.next_rotation_ms,
    }


@control_call("GET", spec.KEYS_PATH, responses={200: KEYS}, query={"private": {"enum": ["1", "true"]}})
async def list_keys(request: web.Request) -> web.Response:
    """``GET /__mock__/keys[?private=1]``: listed keys, active first (private JWKs on request)."""
    model = ctx.model(request, MODEL)
    model.catch_up_rotation()
    return ctx.json_response(keys_state(model, private=request.query.get("private") in {"1", "true"}))


@control_call("POST", spec.ROTATE_PATH, responses={200: _with(KEYS, rotated=STRING)},
              errors={409: "max_listed_keys keys are listed already (retire some, or reset)"})
async def rotate_keys(request: web.Request) -> web.Response:
    """``POST /__mock__/keys/rotate``: a new active key, listed first; the others stay usable."""
    model = ctx.model(request, MODEL)
    # Off the loop: past the committed keys a new RSA key may still be generating (~0.1 s each), and
    # waiting for it here stalled every mock on the shared loop.
    key = await asyncio.to_thread(model.rotate, capped=True)  # RingFull: 409 (core/middleware.py)
    return ctx.json_response({"rotated": key.kid, **keys_state(model)})


@control_call(
    "POST", spec.RETIRE_PATH, request=obj({"kid": {"type": "string", "minLength": 1}}, required=("kid",)), request_required=True,
    responses={200: _with(KEYS, retired=STRING)}, example_request={"kid": "key-1"},
    errors={400: "no kid given", 404: "the kid is not listed", 409: "the key is the active one, or the last"},
)
async def retire_key(request: web.Request) -> web.Response:
    """``POST /__mock__/keys/retire`` ``{"kid": "..."}``: remove a key; its kid becomes unknown."""
    model = ctx.model(request, MODEL)
    try:
        spec_body = await read_control_json(request, default={})
        kid = spec_body.get("kid") if isinstance(spec_body, dict) else None
        if not isinstance(kid, str) or not kid:
            raise ControlError('give {"kid": "<kid to retire>"}')
        model.retire(kid)
    except ControlError as error:
        return control_error(str(error))
    except KeyError:
        return control_error(f"kid {kid!r} is not listed; listed: {model.ring.kids()}", status=404)
    except ValueError as error:
        return control_error(str(error), status=409)
    return ctx.json_response({"retired": kid, **keys_state(model)})


@control_call(
    "POST", spec.IMPORT_KEY_PATH, request=obj({"jwk": ANY_OBJECT, "active": BOOLEAN}, required=("jwk",)), request_required=True,
    responses={200: _with(KEYS, imported=STRING)},
    errors={400: "not an RSA private JWK with a kid, or a kid already listed", 409: "max_listed_keys keys are listed already"},
)
async def import_key(request: web.Request) -> web.Response:
    """``POST /__mock__/keys/import`` ``{"jwk": {<RSA private JWK with kid>}, "active": true}``: add your own key to the ring."""
    model = ctx.model(request, MODEL)
    try:
        body = await read_control_json(request, default={})
        if not isinstance(body, dict) or not isinstance(body.get("jwk"), dict):
            raise ControlError('give {"jwk": {...RSA private JWK with a kid...}, "active": true|false}')
        active = body.get("active", True)
        if not isinstance(active, bool):
            raise ControlError("active must be true or false")
        key = model.ring.import_key(body["jwk"], model.clock.now_ms(), active=active)
    except ControlError as error:
        return control_error(str(error))
    except KeyRejected as error:
        return control_error(f"key rejected: {error.reason}: {error.detail}")
    return ctx.json_response({"imported": key.kid, **keys_state(model)})


@control_call(
    "POST", spec.ERRORS_PATH, request=SCRIPT_ERRORS, request_required=True, responses={200: PENDING},
    errors={400: "unknown code, times outside 1-1000, or more than 1000 pending"}, example_request={"code": "UNKNOWN_KEY_ID", "times": 1},
)
async def script_errors(request: web.Request) -> web.Response:
    """``POST /__mock__/errors`` ``{"code": "UNKNOWN_KEY_ID", "times": 1}``: answer the next API requests with it."""
    model = ctx.model(request, MODEL)
    try:
        body = await read_control_json(request, default={})
        if not isinstance(body, dict):
            raise ControlError("body must be a JSON object")
        code, times = body.get("code"), body.get("times", 1)
        if code not in spec.SCRIPTABLE_ERRORS:
            raise ControlError(f"code must be one of {sorted(spec.SCRIPTABLE_ERRORS)}")
        if isinstance(times, bool) or not isinstance(times, int) or not 1 <= times <= 1000:
            raise ControlError("times must be an integer between 1 and 1000")
        model.script_errors(spec.SCRIPTABLE_ERRORS[code], times)
    except (ControlError, ValueError) as error:
        return control_error(str(error))
    return ctx.json_response({"pending": model.scripted_pending()})


@control_call("GET", spec.ERRORS_PATH, responses={200: PENDING})
async def list_scripted(request: web.Request) -> web.Response:
    """Scripted API errors still pending."""
    return ctx.json_response({"pending": ctx.model(request, MODEL).scripted_pending()})


@control_call("DELETE", spec.ERRORS_PATH, responses={200: PENDING}, example_response={"pending": []})
async def clear_scripted(request: web.Request) -> web.Response:
    """Drop every scripted API error."""
    ctx.model(request, MODEL).clear_scripted()
    return ctx.json_response({"pending": []})
