"""stayprivate control routes under ``/__mock__/`` (never journaled, never faulted).

- ``POST /__mock__/companies``: register or replace a company
  ``{"company_api_id", "public_key_pem", "domains": [...], "api_enabled": true}``.
- ``GET /__mock__/companies``, ``DELETE /__mock__/companies/{companyApiId}``.
- ``GET /__mock__/emails`` and ``GET /__mock__/emails/{emailRef}``: every email
  (prepared or sent) with attachment metadata.
- ``GET /__mock__/emails/{emailRef}/attachments/{fileRef}``: the attachment's bytes.
"""

from __future__ import annotations

from email.utils import encode_rfc2231
from urllib.parse import quote

from aiohttp import web

from sealmail.mockservers.core import context as ctx
from sealmail.mockservers.core.control import ControlError, control_error, json_response, read_control_json
from sealmail.mockservers.core.control_spec import (
    BOOLEAN, INTEGER, STRING, add_control_route, array, control_call, nullable, obj,
)

from . import spec
from .companies import RegistrationError, make_company
from .handlers import MODEL


def add_control_routes(app: web.Application) -> None:
    for handler in (register_company, list_companies, delete_company, list_emails, get_email, get_attachment):
        add_control_route(app, handler)


_REGISTRATION_FIELDS = ("company_api_id", "public_key_pem", "domains", "api_enabled")
COMPANY_REGISTRATION = obj(
    {
        "company_api_id": {"type": "string", "pattern": "^[!-~]{1,128}$"},
        "public_key_pem": {"type": "string", "minLength": 1, "description": "PEM RSA public key (SPKI)"},
        "domains": {"type": "array", "items": STRING, "minItems": 1},
        "api_enabled": BOOLEAN,
    },
    required=("company_api_id", "public_key_pem", "domains"), closed=True,
)
"""What :func:`make_company` checks (the key itself is parsed there)."""
COMPANY = obj(
    {"company_api_id": STRING, "domains": array(STRING), "api_enabled": BOOLEAN, "key_bits": INTEGER, "public_key_pem": STRING},
    required=_REGISTRATION_FIELDS + ("key_bits",),
)
"""``Company.to_json`` (companies.py)."""
ATTACHMENT = obj(
    {"fileRef": STRING, "fileName": STRING, "contentType": STRING, "size": INTEGER, "sha256": STRING,
     "reqESignFlag": {"enum": ["Y", "N"]}, "versions": INTEGER},
    required=("fileRef", "fileName", "contentType", "size", "sha256", "reqESignFlag"),
)
EMAIL = obj(
    {
        "emailRef": STRING, "companyApiId": STRING, "senderEmail": nullable(STRING), "emailSubject": nullable(STRING),
        "emailBody": nullable(STRING), "status": STRING, "prepared": BOOLEAN, "drafts": INTEGER, "createdMs": INTEGER,
        "sentMs": nullable(INTEGER), "recipients": {"type": "object", "additionalProperties": array(STRING)},
        "attachments": array(ATTACHMENT),
    },
    required=("emailRef", "companyApiId", "status", "prepared", "createdMs", "recipients", "attachments"),
)
"""``Email.to_json`` (models.py)."""


@control_call(
    "POST", spec.COMPANIES_CONTROL_PATH, request=COMPANY_REGISTRATION, request_required=True,
    responses={201: obj({**COMPANY["properties"], "replaced": {"const": False}}, required=("company_api_id", "replaced")),
               200: obj({**COMPANY["properties"], "replaced": {"const": True}}, required=("company_api_id", "replaced"))},
    errors={400: "unknown field, bad company id or domain, or a public key that is not RSA or too short",
            409: "a new company over registry_capacity or registry_max_bytes (DELETE one, or reset)"},
)
async def register_company(request: web.Request) -> web.Response:
    """The mock's "StayPrivate dashboard": register a company's public key and domains."""
    model = ctx.model(request, MODEL)
    try:
        spec_ = await read_control_json(request)
        if not isinstance(spec_, dict):
            raise ControlError("body must be a JSON object")
        unknown = sorted(set(spec_) - set(_REGISTRATION_FIELDS))
        if unknown:
            raise ControlError(f"unknown field(s): {', '.join(unknown)}")
        company = make_company(
            spec_.get("company_api_id"),
            spec_.get("public_key_pem"),
            spec_.get("domains"),
            api_enabled=spec_.get("api_enabled", True),
            min_key_bits=model.config.min_rsa_key_bits,
        )
    except (ControlError, RegistrationError) as error:
        return control_error(str(error))
    replaced = model.companies.register_within(company, model.config)  # a full registry: 409 (core/middleware.py)
    body = {**company.to_json(), "replaced": replaced}
    return json_response(body, status=200 if replaced else 201)


@control_call("GET", spec.COMPANIES_CONTROL_PATH, responses={200: obj({"companies": array(COMPANY)}, required=("companies",))})
async def list_companies(request: web.Request) -> web.Response:
    """Registered companies: API id, domains, key."""
    return json_response({"companies": [c.to_json() for c in ctx.model(request, MODEL).companies.all()]})


@control_call(
    "DELETE", spec.COMPANIES_CONTROL_PATH + "/{companyApiId}", responses={200: obj({"removed": STRING}, required=("removed",))},
    errors={404: "no such company"},
)
async def delete_company(request: web.Request) -> web.Response:
    """Remove a company; its tokens are refused from then on."""
    company_id = request.match_info["companyApiId"]
    if not ctx.model(request, MODEL).companies.remove(company_id):
        return control_error(f"no company {company_id!r}", status=404)
    return json_response({"removed": company_id})


@control_call(
    "GET", spec.EMAILS_CONTROL_PATH, responses={200: obj({"emails": array(EMAIL), "evicted": INTEGER}, required=("emails", "evicted"))},
)
async def list_emails(request: web.Request) -> web.Response:
    """Stored emails (drafts and sent), oldest first."""
    model = ctx.model(request, MODEL)
    return json_response({"emails": [e.to_json() for e in model.emails()], "evicted": model.evicted_emails})


@control_call("GET", spec.EMAILS_CONTROL_PATH + "/{emailRef}", responses={200: EMAIL}, errors={404: "no such emailRef"})
async def get_email(request: web.Request) -> web.Response:
    """One stored email with its attachments."""
    email = ctx.model(request, MODEL).email(request.match_info["emailRef"])
    if email is None:
        return control_error("no such emailRef", status=404)
    return json_response(email.to_json())


@control_call(
    "GET", spec.EMAILS_CONTROL_PATH + "/{emailRef}/attachments/{fileRef}", media_type="*/*",
    responses={200: {"type": "string", "format": "binary"}}, errors={404: "no such attachment"},
)
async def get_attachment(request: web.Request) -> web.Response:
    """The stored bytes as a download; name (percent-encoded UTF-8), declared type and SHA-256 in headers.

    Never served with the uploader's content type: an uploaded ``text/html`` would
    otherwise run as a page of the mock's origin, next to the control API. The
    core adds ``X-Content-Type-Options: nosniff`` and ``Content-Security-Policy:
    sandbox`` to every control answer.
    """
    attachment = ctx.model(request, MODEL).attachment_bytes(request.match_info["emailRef"], request.match_info["fileRef"])
    if attachment is None:
        return control_error("no such attachment", status=404)
    return web.Response(
        body=attachment.data,
        content_type="application/octet-stream",
        headers={
            "Content-Disposition": download_disposition(attachment.file_name),
            "X-File-Name": quote(attachment.file_name, safe=""),
            "X-Uploaded-Content-Type": quote(attachment.content_type, safe="/;=+ "),
            "X-Sha256": attachment.sha256,
            "X-Req-ESign-Flag": "Y" if attachment.esign else "N",
        },
    )


def download_disposition(file_name: str) -> str:
    """RFC 6266 ``attachment``: an ASCII fallback ``filename`` plus ``filename*`` (RFC 8187) for the real name."""
    fallback = "".join(c if c.isascii() and c.isprintable() and c not in '"\\/%' else "_" for c in file_name) or "attachment"
    return f'attachment; filename="{fallback[:200]}"; filename*={encode_rfc2231(file_name, "utf-8")}'
