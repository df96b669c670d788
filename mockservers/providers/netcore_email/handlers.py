"""HTTP layer of the netcore-email mock: parse -> authenticate -> decrypt -> validate -> store.

No state of its own: everything comes from the model on the application.
"""

from __future__ import annotations

from functools import partial

from aiohttp import web

from sealmail.mockservers.core import Rejection
from sealmail.mockservers.core import context as ctx
from sealmail.mockservers.core.content_type import content_type_detail, is_json

from . import spec
from .models import EncryptionHeaders, NetcoreEmailModel, decrypt_body, is_encrypted, parse_payload, recipients, validate_payload

MODEL: web.AppKey[NetcoreEmailModel] = web.AppKey("netcore_email.model", NetcoreEmailModel)


async def send_mail(request: web.Request) -> web.Response:
    """``POST /v6/mail/send``: plain JSON, or the seed's encrypted body."""
    model = ctx.model(request, MODEL)
    config = model.config
    model.authenticate(request.headers.get("Authorization"), request.headers.get("api_key"))
    if config.require_json_content_type and not is_json(request):
        raise Rejection(spec.INVALID_CONTENT_TYPE, "content_type_invalid", detail=content_type_detail(request.headers))

    headers = EncryptionHeaders.from_headers(request.headers)
    raw = ctx.body(request)
    encrypted = is_encrypted(headers, config)
    if encrypted:
        plaintext = decrypt_body(headers, raw, partial(ctx.diagnose_after_answer, request))
    else:
        if headers.any_aes_header:
            ctx.warn(request, "encryption_headers_without_flag")
        plaintext = raw
    ctx.note(request, encrypted=encrypted)

    payload = parse_payload(plaintext, warn=lambda warning: ctx.warn(request, warning))
    for warning in validate_payload(payload):
        ctx.warn(request, warning)

    message_id = model.new_message_id()
    ctx.store_message(
        request,
        message_id=message_id,
        kind="mail",
        payload=payload,
        payload_json=plaintext,  # the exact text payload was parsed from: stored as is
        encrypted=encrypted,
        recipients=recipients(payload),
    )
    return ctx.json_response(
        {"data": {"message_id": message_id}, "message": "OK", "status": "success"},
        status=config.success_status,
    )
