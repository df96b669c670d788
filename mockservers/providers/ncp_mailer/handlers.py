"""HTTP layer of the ncp-mailer mock: the gateway middleware and the mailer's handlers.

The middleware runs inside the core's (so its rejections are journaled and
rendered like any other) and does what the API Gateway does before the mailer
sees a request: find the region, check the signature, apply the account state,
turn router misses into the mailer's 77001 / 77103. Handlers are stateless.
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable

from aiohttp import web

from sealmail.mockservers.core import Rejection
from sealmail.mockservers.core import context as ctx
from sealmail.mockservers.core.content_type import content_type_detail, is_json
from sealmail.mockservers.core.middleware import CONTROL_PREFIX

from . import spec, views
from .errors import MailerRejection, bad_request, not_found
from .gateway import authenticate, header_names
from .models import Mail, MailRequest, NcpMailerModel
from .validation import parse_json, validate

MODEL: web.AppKey[NcpMailerModel] = web.AppKey("ncp_mailer.model", NcpMailerModel)
REGION: web.RequestKey[str] = web.RequestKey("ncp_mailer.region", str)
LANG: web.RequestKey[str] = web.RequestKey("ncp_mailer.lang", str)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def region_of(path: str) -> str | None:
    """The region whose prefix starts ``path`` (``/api/v1``, ``/api/v1-sgn``, ``/api/v1-jpn``), else None."""
    for region, prefix, under in _REGION_PATHS:
        if path.startswith(under) or path == prefix:
            return region
    return None


_REGION_PATHS = tuple((region, prefix, prefix + "/") for region, prefix in spec.REGION_PREFIXES.items())


def language(request: web.Request) -> str:
    """``x-ncp-lang`` (case-insensitive match of ko-KR, en-US, zh-CN); en-US otherwise (seed)."""
    value = request.headers.get(spec.HEADER_LANG)
    if value is None:
        return spec.DEFAULT_LANGUAGE
    lang = _LANGUAGES.get(value.strip().lower())
    if lang is None:
        ctx.warn(request, f"lang_unsupported:{value[:20]}")
        return spec.DEFAULT_LANGUAGE
    return lang


_LANGUAGES = {lang.lower(): lang for lang in spec.LANGUAGES}


@web.middleware
async def gateway_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.path.startswith(CONTROL_PREFIX):
        return await handler(request)
    model = ctx.model(request, MODEL)
    lang = language(request)
    try:
        region = region_of(request.path)
        if region is None:
            raise Rejection(spec.GW_NOT_FOUND, "route_not_found", detail=f"{request.path} is under no regional prefix")
        request[REGION], request[LANG] = region, lang
        _authorize(request, model)
        try:
            return await handler(request)
        except web.HTTPMethodNotAllowed as problem:  # the router's 405 (core catch-all route)
            raise MailerRejection(spec.METHOD_NOT_ALLOWED, "method_not_allowed", details=f"{request.method} is not allowed here",
                                  detail=f"allowed: {', '.join(sorted(problem.allowed_methods))}") from None
        except web.HTTPNotFound:  # the router's 404 under a regional prefix: the mailer's 77103
            raise not_found("resource_not_found", f"No resource at {request.path}") from None
    except MailerRejection as rejection:
        rejection.lang = lang
        raise


def _authorize(request: web.Request, model: NcpMailerModel) -> None:
    config = model.config
    if not config.verify_signature:
        ctx.note(request, signature_check="off")
        return
    headers = request.headers
    auth = authenticate(headers, request.method, request.raw_path, model.clock.now_ms(), model, model.gateway_rules)
    ctx.note(request, signature_check="ok", access_key=auth.credential.access_key, timestamp_skew_ms=auth.skew_ms,
             gateway_headers=header_names(headers))
    if auth.signature_header != spec.HEADER_SIGNATURE:
        ctx.warn(request, f"signature_from:{auth.signature_header}")
    kind = spec.ACCOUNT_STATES.get(auth.credential.state)
    if kind is None:
        return
    if kind in spec.GATEWAY_KINDS:
        raise Rejection(kind, f"account_{auth.credential.state}", detail=f"access key {auth.credential.access_key}")
    raise MailerRejection(kind, f"account_{auth.credential.state}", detail=f"access key {auth.credential.access_key}")


# --- the mailer ------------------------------------------------------------------------------
async def create_mail_request(request: web.Request) -> web.Response:
    """``POST /mails`` (createMailRequest): validate, render per recipient, store, ``{"requestId", "count"}``."""
    model = ctx.model(request, MODEL)
    if not is_json(request):
        raise MailerRejection(spec.UNSUPPORTED_MEDIA_TYPE, "content_type_not_json",
                              details="Content-Type must be application/json", detail=content_type_detail(request.headers))
    payload = parse_json(ctx.body(request), warn=lambda warning: ctx.warn(request, warning))
    now = model.clock.now_ms()
    draft = validate(payload, templates=model.templates(), now_ms=now, rules=model.draft_rules)
    for warning in draft.warnings:
        ctx.warn(request, warning)
    region = request[REGION]
    mail_request = model.create(region, draft, request.remote or "", now)
    _store(request, mail_request)
    ctx.note(request, region=region, request_id=mail_request.request_id, mails=len(mail_request.mails))
    return ctx.json_response({"requestId": mail_request.request_id, "count": len(mail_request.mails)},
                             status=model.config.create_status)


def _store(request: web.Request, mail_request: MailRequest) -> None:
    for mail in mail_request.mails:
        ctx.store_message(request, message_id=mail.mail_id, kind="mail", payload=mail.to_payload(),
                          mail_request_id=mail_request.request_id, region=mail.region,
                          recipients=[r.address for r in mail.recipients], unfilled=list(mail.unfilled))


def _mail_request(request: web.Request) -> MailRequest:
    request_id = request.match_info["requestId"]
    found = ctx.model(request, MODEL).request(request[REGION], request_id)
    if found is None:
        raise not_found("request_unknown", f"Request {request_id} does not exist", field="requestId")
    return found


async def get_request_status(request: web.Request) -> web.Response:
    """``GET /mails/requests/{requestId}/status`` (getMailRequestStatus)."""
    found = _mail_request(request)
    return ctx.json_response(views.request_status(found, ctx.model(request, MODEL).clock.now_ms(), request[LANG]))


async def list_request_mails(request: web.Request) -> web.Response:
    """``GET /mails/requests/{requestId}/mails`` (getMailList): filters, sort, pages."""
    found = _mail_request(request)
    now, lang = ctx.model(request, MODEL).clock.now_ms(), request[LANG]
    query = request.query
    mails = list(found.mails)
    if "mailId" in query:
        mails = [m for m in mails if m.mail_id == query["mailId"]]
    if "recipientAddress" in query:
        wanted = query["recipientAddress"].lower()
        mails = [m for m in mails if any(r.address.lower() == wanted for r in m.recipients)]
    if "title" in query:
        needle = query["title"].lower()  # API reference: "like search"
        mails = [m for m in mails if needle in m.title.lower()]
    statuses = _statuses(query.getall("sendStatus", []))
    if statuses:
        mails = [m for m in mails if m.status(now) in statuses]
    for key, descending in reversed(_sort_keys(query.getall("sort", []))):
        mails.sort(key=lambda m: _sort_value(m, key, now), reverse=descending)
    size = _integer(query.get("size"), "size", spec.DEFAULT_PAGE_SIZE, 1, spec.MAX_PAGE_SIZE)
    number = _integer(query.get("page"), "page", 0, 0, 10**9)
    return ctx.json_response(views.page([views.mail_summary(m, now, lang) for m in mails], number, size))


async def get_mail(request: web.Request) -> web.Response:
    """``GET /mails/{mailId}`` (getMail): rendered title and body, recipients, status."""
    mail_id = request.match_info["mailId"]
    model = ctx.model(request, MODEL)
    mail = model.mail(request[REGION], mail_id)
    if mail is None:
        raise not_found("mail_unknown", f"Mail {mail_id} does not exist", field="mailId")
    return ctx.json_response(views.mail_detail(mail, model.clock.now_ms(), request[LANG]))


def _statuses(values: list[str]) -> set[str]:
    codes = {code for value in values for code in value.split(",") if code}
    unknown = sorted(codes - set(spec.STATUS_CODES))
    if unknown:
        raise bad_request("send_status_invalid", f"sendStatus must be among {', '.join(spec.STATUS_CODES)}", field="sendStatus")
    return codes


_SORTS = {"id", "createUtc", "statusCode"}


def _sort_keys(values: list[str]) -> list[tuple[str, bool]]:
    """API reference: ``property(,asc|desc)``, several allowed; properties id, createUtc, statusCode."""
    keys = []
    for value in values:
        name, _, direction = value.partition(",")
        if name not in _SORTS or direction.lower() not in {"", "asc", "desc"}:
            raise bad_request("sort_invalid", "sort must be id, createUtc or statusCode, optionally ',asc' or ',desc'", field="sort")
        keys.append((name, direction.lower() == "desc"))
    return keys


def _sort_value(mail: Mail, key: str, now_ms: int) -> Any:
    if key == "statusCode":
        return mail.status(now_ms)
    if key == "createUtc":
        return mail.request_ms
    return mail.mail_id


def _integer(value: str | None, name: str, default: int, low: int, high: int) -> int:
    if value is None:
        return default
    # The length check first: int() refuses more than 4,300 digits with a ValueError (a 500 before issue 13).
    if not value.isascii() or not value.isdigit() or len(value) > len(str(high)) or not low <= int(value) <= high:
        raise bad_request(f"{name}_invalid", f"{name} must be an integer from {low} to {high}", field=name)
    return int(value)
