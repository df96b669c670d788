"""HTTP layer of the netcore-ce mock: authenticate -> headers -> body -> decrypt -> validate -> store.

No state of its own: everything comes from the model on the application.
"""

from __future__ import annotations

from functools import partial
from typing import Mapping

from aiohttp import web

from sealmail.mockservers.core import Rejection
from sealmail.mockservers.core import context as ctx
from sealmail.mockservers.core.content_type import content_type_detail, is_json
from sealmail.mockservers.core.control import ControlError, control_error, json_response, read_control_json
from sealmail.mockservers.core.control_spec import STRING, array, control_call, obj
from sealmail.mockservers.crypto import CryptoError
from sealmail.mockservers.core.jsonbody import JsonBodyError, parse_json_bytes

from . import spec
from .activities import validate_activities
from .credentials import Credential, CredentialError, parse_registration
from .envelope import Opened, diagnose, open_request
from .layout_hints import decryption_hint
from .models import NetcoreCeModel

MODEL: web.AppKey[NetcoreCeModel] = web.AppKey("netcore_ce.model", NetcoreCeModel)


async def upload_activities(request: web.Request) -> web.Response:
    """``POST /v1/activity/upload`` (seed Step 3) with one of the three eCodes."""
    model = ctx.model(request, MODEL)
    config = model.config
    headers = request.headers
    model.authenticate(headers.get(spec.HEADER_AUTHORIZATION))
    if config.require_json_content_type and not is_json(request):
        raise Rejection(spec.INVALID_CONTENT_TYPE, "content_type_invalid", detail=content_type_detail(headers))
    ecode_text = _required_header(headers, spec.HEADER_ECODE)
    asset = _required_header(headers, spec.HEADER_ASSET)
    method = _method(ecode_text)
    credential = model.credential_for(asset, method)
    ctx.note(request, ecode=method.ecode, method=method.name, asset=asset)

    text = _encrypted_request(request)
    try:
        opened = open_request(method, credential, text, hex_case=config.hex_case)
    except CryptoError as error:
        # One answer for every failure (spec.DECRYPTION_FAILED); the reason goes to the journal only.
        hint = diagnose(method, text, error.reason)
        if hint:
            ctx.note(request, hint=hint)
        ctx.diagnose_after_answer(request, partial(decryption_hint, method, credential, text, error.reason))
        detail = f"{error.detail}; {hint}" if error.detail and hint else (error.detail or hint or None)
        raise Rejection(spec.DECRYPTION_FAILED, error.reason, detail=detail) from None
    entry = ctx.entry(request)
    entry.details["ciphertext_bytes"] = opened.ciphertext_bytes
    warnings = entry.warnings
    if method.encoding == "hex" and text != text.lower():
        warnings.append("hex_upper_case: accepted (hex_case=any); Python's bytes.hex() and most clients send lowercase")
    warnings.extend(opened.warnings)
    if opened.nonce is not None:
        _check_nonce(request, model, credential, opened)

    # The request's arrival on the mock clock, read when its journal entry opened: no second clock read.
    warnings.extend(validate_activities(opened.payload, asset, model.rules, entry.time_ms))
    transaction_id = model.new_transaction_id()
    for index, activity in enumerate(opened.payload):
        ctx.store_message(
            request,
            message_id=f"{transaction_id}-{index}",
            kind="activity",
            payload=activity,
            asset=asset,
            ecode=method.ecode,
            method=method.name,
            transaction_id=transaction_id,
            index=index,
        )
    return ctx.json_response(
        {
            "status": "success",
            "message": "Activities uploaded successfully",
            "data": {"transaction_id": transaction_id, "count": len(opened.payload)},
        },
        status=config.success_status,
    )


def _check_nonce(request: web.Request, model: NetcoreCeModel, credential: Credential, opened: Opened) -> None:
    """11258: remember the nonce; a replay is a warning, a reuse for other data a warning or a rejection."""
    assert opened.nonce is not None and opened.fingerprint is not None  # GCM sets both
    nonce_hex = opened.nonce.hex()
    ctx.note(request, nonce=nonce_hex)
    use = model.remember_nonce(credential, opened.nonce, opened.fingerprint)
    if use == "replay":
        ctx.warn(request, "gcm_replay")
    elif use == "reused":
        if model.config.gcm_nonce_reuse == "reject":
            raise Rejection(spec.NONCE_REUSED, "gcm_nonce_reused", detail=f"nonce {nonce_hex} already used with this key for other data")
        ctx.warn(request, "gcm_nonce_reused")


def _required_header(headers: Mapping[str, str], name: str) -> str:
    value = headers.get(name)
    if value is not None:
        value = value.strip()
        if value:
            return value
    raise Rejection(
        spec.MISSING_HEADER, f"{name.lower().replace('-', '_')}_missing", field=name, message=f"Missing required header {name}"
    )


def _method(ecode_text: str) -> spec.Method:
    method = spec.METHODS_BY_HEADER.get(ecode_text)
    if method is None:
        raise Rejection(spec.INVALID_ECODE, "ecode_unknown", field=spec.HEADER_ECODE, detail=f"x-eCode {ecode_text[:40]!r}")
    return method


def _encrypted_request(request: web.Request) -> str:
    """The ``encryptedRequest`` string of the JSON body (seed Step 3 ``--data``)."""
    warnings = ctx.entry(request).warnings
    try:
        body = parse_json_bytes(ctx.body(request), warn=warnings.append)
    except JsonBodyError as error:
        raise Rejection(spec.INVALID_BODY, error.reason, detail=error.detail) from None
    if not isinstance(body, dict):
        raise Rejection(spec.INVALID_BODY, "body_not_object", detail=f"body is a JSON {type(body).__name__}")
    if spec.BODY_FIELD not in body:
        raise Rejection(spec.INVALID_BODY, "encrypted_request_missing", field=spec.BODY_FIELD)
    value = body[spec.BODY_FIELD]
    if not isinstance(value, str):
        raise Rejection(spec.INVALID_BODY, "encrypted_request_not_string", field=spec.BODY_FIELD, detail=type(value).__name__)
    if len(body) > 1:  # fast path: the usual body has only encryptedRequest
        warnings.extend(f"unknown_body_field:{name}" for name in body if name != spec.BODY_FIELD)
    return value


# --- control API: /__mock__/assets ------------------------------------------------
_ECODE = {"type": ["integer", "string"], "description": "11256, 11257 (AES-256-CBC) or 11258 (AES-256-GCM)"}
ASSET_REGISTRATION = obj(
    {"asset": {"type": "string", "pattern": f"^{spec.ASSET_ID.pattern}$"}, "key": STRING, "iv": STRING,
     "ecodes": {"type": "array", "items": _ECODE, "minItems": 1}},
    required=("asset", "key"), closed=True,
)
"""What :func:`parse_registration` checks (the key and IV formats are checked there)."""
ASSET = obj(
    {"asset": STRING, "ecodes": {"type": "object", "additionalProperties": obj({"method": STRING}, required=("method",))}},
    required=("asset", "ecodes"),
)
"""``_asset_json`` (models.py): eCode -> method and credential."""

@control_call(
    "POST", spec.ASSETS_PATH, request=ASSET_REGISTRATION, request_required=True, responses={200: ASSET},
    errors={400: "unknown field, bad asset id, a key or IV of the wrong length or alphabet, or mixed CBC/GCM eCodes",
            409: "a new asset over registry_capacity or registry_max_bytes (DELETE one, or reset)"},
    example_request={"asset": "my-asset", "key": "0123456789abcdef0123456789abcdef", "iv": "abcdef9876543210", "ecodes": [11256, 11257]},
)
async def register_asset(request: web.Request) -> web.Response:
    """``POST /__mock__/assets``: ``{"asset", "key", "iv", "ecodes"}`` as the customer shares them."""
    model = ctx.model(request, MODEL)
    try:
        body = await read_control_json(request)
        registration = parse_registration(body, strict_alphabet=model.config.strict_key_alphabet)
    except (ControlError, CredentialError) as error:
        return control_error(str(error))
    return json_response(model.register(registration))  # a full registry: 409 (core/middleware.py)


@control_call("GET", spec.ASSETS_PATH, responses={200: obj({"assets": array(ASSET)}, required=("assets",))})
async def list_assets(request: web.Request) -> web.Response:
    """Registered assets and their eCodes."""
    return json_response({"assets": ctx.model(request, MODEL).assets()})


@control_call(
    "DELETE", spec.ASSETS_PATH + "/{asset}", responses={200: obj({"deleted": STRING}, required=("deleted",))}, errors={404: "unknown asset"},
)
async def delete_asset(request: web.Request) -> web.Response:
    """Remove an asset; its uploads are refused from then on."""
    asset = request.match_info["asset"]
    if not ctx.model(request, MODEL).remove(asset):
        return control_error(f"unknown asset {asset!r}", status=404)
    return json_response({"deleted": asset})

