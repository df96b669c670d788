"""HTTP layer of the stayprivate mock: authenticate -> parse -> model -> store -> respond.

No state of its own: everything comes from the model on the application. Every
handler journals the company id, the token's (unverified) header and claims,
and the email / file references it touched, so a test or conformance check can
read the whole flow back from ``/__mock__/requests``.
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

from sealmail.mockservers.core import Rejection
from sealmail.mockservers.core import context as ctx
from sealmail.mockservers.core.content_type import content_type_detail, is_json
from sealmail.mockservers.crypto.jwt import in_milliseconds, peek
from sealmail.mockservers.core.jsonbody import JsonBodyError, parse_json_bytes

from . import spec
from .companies import Company
from .models import Email, SendRequest, StayPrivateModel
from .uploads import FormPart, parse_upload, read_upload

MODEL: web.AppKey[StayPrivateModel] = web.AppKey("stayprivate.model", StayPrivateModel)

_CLAIMS_NOTE_LIMIT = 2048
"""Tokens longer than this keep only iss/exp/iat/nbf of their claims in the journal."""
_FIELD_VALUE_NOTE_LIMIT = 64


def success(data: dict[str, Any]) -> web.Response:
    """seed: ``{"success": true, "data": {...}}`` with HTTP 200."""
    return ctx.json_response({"success": True, "data": data})


# --- shared steps -------------------------------------------------------------
def authenticate(request: web.Request) -> Company:
    """seed, "Authorisation": every call carries SP-Company-Api-Id and a bearer JWT."""
    model = ctx.model(request, MODEL)
    company_id = request.headers.get(spec.HEADER_COMPANY_ID)
    authorization = request.headers.get(spec.HEADER_AUTHORIZATION)
    ctx.note(request, company_api_id=company_id)
    try:
        company, verified = model.authenticate(company_id, authorization)
    except Rejection:
        ctx.note(request, jwt=_token_notes(authorization, model.clock.now_s()))
        raise
    claims = _trimmed(verified.claims, len(authorization or ""))
    notes = _claims_notes(verified.header, claims, model.clock.now_s(), verified=True)
    ctx.note(request, jwt=notes, jwt_algorithm=verified.algorithm)
    if in_milliseconds(verified.claims.get("exp")):  # accepted: the seed sets no maximum lifetime (FIDELITY.md)
        ctx.warn(request, "exp_in_milliseconds: exp counts milliseconds (Date.now(), System.currentTimeMillis()); "
                          "a JWT NumericDate counts seconds (RFC 7519 section 2), so this token never expires")
    return company


def _token_notes(authorization: str | None, now_s: float) -> dict[str, Any] | None:
    """What a refused token says about itself, unverified (for diagnosis and conformance checks)."""
    if not authorization:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != spec.BEARER_SCHEME or not token.strip():
        return None
    seen = peek(token.strip())
    return _claims_notes(seen.header, _trimmed(seen.claims, len(token)), now_s, verified=False)


def _trimmed(claims: dict[str, Any] | None, token_length: int) -> dict[str, Any] | None:
    """Claims of a big token keep only the registered time and issuer claims in the journal."""
    if claims is None or token_length <= _CLAIMS_NOTE_LIMIT:
        return claims
    return {name: claims[name] for name in ("iss", "exp", "iat", "nbf") if name in claims}


def _claims_notes(header: dict[str, Any] | None, claims: dict[str, Any] | None, now_s: float, *, verified: bool) -> dict[str, Any]:
    notes: dict[str, Any] = {"header": header, "claims": claims, "verified": verified}
    if claims:
        exp, iat = claims.get("exp"), claims.get("iat")
        if _is_number(exp):
            notes["expires_in_s"] = round(float(exp) - now_s, 3)
            if _is_number(iat):
                notes["lifetime_s"] = round(float(exp) - float(iat), 3)
    return notes


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and abs(value) < 1e15


def _form_field_note(part: FormPart) -> dict[str, Any]:
    """Name, file name, size and content type of a part; short plain fields keep their value."""
    note: dict[str, Any] = {"name": part.name, "filename": part.filename, "content_type": part.content_type, "size": len(part.data)}
    if part.filename is None and len(part.data) <= _FIELD_VALUE_NOTE_LIMIT:
        note["value"] = part.data.decode("utf-8", errors="replace")
    return note


def read_json(request: web.Request) -> Any:
    """The JSON body of prepare / send (seed: ``Content-Type: application/json``)."""
    model = ctx.model(request, MODEL)
    if model.config.require_content_type and not is_json(request):
        raise Rejection(spec.INVALID_CONTENT_TYPE, "content_type_not_json",
                        detail=content_type_detail(request.headers, spec.JSON_CONTENT_TYPE))
    raw = ctx.body(request)
    if not raw.strip():
        raise Rejection(spec.INVALID_JSON, "body_empty")
    try:
        payload = parse_json_bytes(raw, warn=lambda warning: ctx.warn(request, warning))
    except JsonBodyError as error:
        # The seed's own send example ('"emailSubject":"...", ...}') lands here as body_not_json.
        raise Rejection(spec.INVALID_JSON, error.reason, detail=error.detail) from None
    if not isinstance(payload, dict):
        raise Rejection(spec.INVALID_JSON, "body_not_object", detail=f"JSON {type(payload).__name__}")
    return payload


def _warn_all(request: web.Request, warnings: list[str] | tuple[str, ...]) -> None:
    for warning in warnings:
        ctx.warn(request, warning)


def _store_sent(request: web.Request, email: Email, send: SendRequest) -> None:
    payload = email.to_json()
    recipients = [a for name in spec.ADDRESS_LIST_FIELDS for a in send.recipients.get(name, [])]
    ctx.store_message(
        request,
        message_id=email.email_ref,
        kind="email",
        payload=payload,
        email_ref=email.email_ref,
        company_api_id=email.company_api_id,
        prepared=email.prepared,
        recipients=recipients,
        attachments=len(email.attachments),
    )


# --- prepare ------------------------------------------------------------------
async def prepare_new(request: web.Request) -> web.Response:
    """``POST /1.0/emails/prepare``."""
    return _prepare(request, None)


async def prepare_draft(request: web.Request) -> web.Response:
    """``POST /1.0/emails/<emailRef>/prepare``."""
    return _prepare(request, request.match_info["emailRef"])


def _prepare(request: web.Request, email_ref: str | None) -> web.Response:
    model = ctx.model(request, MODEL)
    company = authenticate(request)
    if email_ref is not None:
        ctx.note(request, email_ref=email_ref)
    payload = read_json(request)
    email, warnings = model.prepare(company, email_ref, payload)
    _warn_all(request, warnings)
    ctx.note(request, email_ref=email.email_ref, drafts=email.drafts)
    return success({"emailRef": email.email_ref})


# --- upload ---------------------------------------------------------------------
async def upload_new(request: web.Request) -> web.Response:
    """``POST /1.0/emails/<emailRef>/attachments/upload``."""
    return await _upload(request, request.match_info["emailRef"], None)


async def upload_replace(request: web.Request) -> web.Response:
    """``POST /1.0/emails/<emailRef>/attachments/<fileRef>/upload``."""
    return await _upload(request, request.match_info["emailRef"], request.match_info["fileRef"])


async def _upload(request: web.Request, email_ref: str, file_ref: str | None) -> web.Response:
    model = ctx.model(request, MODEL)
    config = model.config
    company = authenticate(request)
    ctx.note(request, email_ref=email_ref, file_ref=file_ref)
    if config.require_content_type and request.content_type != spec.MULTIPART_CONTENT_TYPE:
        detail = f"Content-Type {request.headers.get('Content-Type')!r}, expected multipart/form-data"
        if ctx.body(request).startswith(b"--"):  # RFC 7578: a multipart body opens with its boundary delimiter
            detail += ("; the body is multipart, but the header says otherwise: let the HTTP library set Content-Type "
                       "with the boundary (FormData, files=) instead of a default Content-Type of your own")
        raise Rejection(spec.INVALID_CONTENT_TYPE, "content_type_not_multipart", detail=detail)
    model.check_uploadable(company, email_ref, file_ref)
    parsed = await parse_upload(request.headers.get("Content-Type", ""), ctx.body(request), config.multipart_limits)
    parts = parsed.parts
    _warn_all(request, parsed.warnings)
    ctx.note(request, form_fields=[_form_field_note(p) for p in parts])
    form = read_upload(parts, max_bytes=config.max_attachment_bytes, allow_empty=config.allow_empty_attachment)
    _warn_all(request, form.warnings)
    _warn_all(request, [f"unknown_form_field:{name}" for name in form.unknown_fields])
    ctx.note(
        request,
        upload={
            "fileName": form.file.file_name,
            "contentType": form.file.content_type,
            "size": form.file.size,
            "sha256": form.file.sha256,
            "reqESignFlag": "Y" if form.esign else "N",
            "reqESignFlag_given": form.esign_given,
        },
    )
    model.begin_upload(email_ref)
    try:
        if config.upload_latency_ms:
            await asyncio.sleep(config.upload_latency_ms / 1000)  # simulated storage time (see the config field)
        attachment = model.upload(company, email_ref, file_ref, form)
    finally:
        model.end_upload(email_ref)
    ctx.note(request, file_ref=attachment.file_ref, replaced=file_ref is not None)
    return success({"fileRef": attachment.file_ref, "emailRef": email_ref})


# --- delete ----------------------------------------------------------------------
async def delete_attachment(request: web.Request) -> web.Response:
    """``DELETE /1.0/emails/<emailRef>/attachments/<fileRef>`` (seed: "Request body: none")."""
    model = ctx.model(request, MODEL)
    company = authenticate(request)
    email_ref, file_ref = request.match_info["emailRef"], request.match_info["fileRef"]
    ctx.note(request, email_ref=email_ref, file_ref=file_ref)
    if ctx.body(request).strip():
        ctx.warn(request, "delete_body_ignored")
    model.delete_attachment(company, email_ref, file_ref)
    return success({"emailRef": email_ref})


# --- send ------------------------------------------------------------------------
async def send_new(request: web.Request) -> web.Response:
    """``POST /1.0/emails/send``: create and send in one call (no attachments)."""
    model = ctx.model(request, MODEL)
    company = authenticate(request)
    payload = read_json(request)
    email, send = model.send_new(company, payload)
    _warn_all(request, send.warnings)
    ctx.note(request, email_ref=email.email_ref, prepared=False)
    _store_sent(request, email, send)
    return success({"status": spec.SENT_STATUS})


async def send_prepared(request: web.Request) -> web.Response:
    """``POST /1.0/emails/<emailRef>/send``: send a prepared email with its attachments."""
    model = ctx.model(request, MODEL)
    company = authenticate(request)
    email_ref = request.match_info["emailRef"]
    ctx.note(request, email_ref=email_ref, prepared=True)
    payload = read_json(request)
    email, send, in_flight = model.send_prepared(company, email_ref, payload)
    _warn_all(request, send.warnings)
    if in_flight:
        ctx.warn(request, "send_while_upload_in_flight")
    ctx.note(request, uploads_in_flight=in_flight, attachments=len(email.attachments))
    _store_sent(request, email, send)
    return success({"status": spec.SENT_STATUS})
