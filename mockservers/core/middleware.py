"""The one middleware every provider app runs: journal, faults, body limit, errors.

Order of work for a provider request:
1. read the whole body once (``max_body_bytes``; larger is the provider's 413),
2. open a journal entry,
3. apply a scripted fault if one matches,
4. run the handler,
5. render any :class:`Rejection`, router error or unexpected exception in the
   provider's own error shape, and finish the journal entry with the precise
   internal reason. No input, however malformed, leaves as a traceback.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from functools import partial
from typing import Any, Awaitable, Callable, cast

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

from .answers import ANSWER_BUDGET, RETRY_AFTER_S, is_large, over_budget_message, send_in_slices
from .connections import close_after_answer
from .inflight import BODY_GATE, BODY_RESERVED, release_body, reservation
from .context import json_response
from .control import control_error
from .control_index import unknown_control_call
from .errors import Rejection
from .exposure import SECURITY_HEADERS, Refusal, exposure_of
from .headers import check_singleton_headers
from .journal import JournalEntry
from .diagnosis import run_deferred_diagnoses
from .offload import run_handler
from .provider import MockConfig, Provider
from .state import JOURNAL_ENTRY, MOCK_STATE, REQUEST_BODY, REQUEST_GENERATION, MockState
from .registry_caps import RegistryFull
from .tenants import UnknownTenant, resolve_request_state, scope_control_request

CONTROL_PREFIX = "/__mock__/"
"""Control API paths: never journaled, never faulted."""

log = logging.getLogger("sealmail")


class _ClientErrorRecords(logging.Filter):
    """Drop aiohttp's error-level records for malformed client input it has answered.

    - After a handler returns, aiohttp drains an unread body ("lingering
      close") and logs the stream's stored decoding error as "Unhandled
      exception" (aiohttp issue #1710). The middleware already answered that
      request with the provider's 400 and journaled it as ``body_unreadable``.
    - A message its HTTP parser refuses (bad request line, a deflate body that
      fails at the end of the message...) gets aiohttp's own plain 400 before
      any middleware runs, and a traceback in the log (FIDELITY.md, "Shared").
    Neither is a fault of the mock, so neither belongs in its error log.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, web.RequestPayloadError):
            return False
        return not (isinstance(error, HttpProcessingError) and 400 <= (error.code or 0) < 500)


logging.getLogger("aiohttp.server").addFilter(_ClientErrorRecords())

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class DroppedConnection(Exception):
    """Raised internally when a fault asks to close the connection unanswered."""


@web.middleware
async def mock_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await _mock_request(request, handler)
    finally:
        release_body(request)  # the body's share of body_bytes_in_flight (core/inflight.py)


async def _mock_request(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.path.startswith(CONTROL_PREFIX):
        return await _send_large(request, await _control(request, handler))
    # The request's tenant, from the credentials it carries (core/tenants.py): before the
    # journal entry opens and before faults apply, so both are the tenant's own.
    state = resolve_request_state(request)
    # The request belongs to the state as it is now: a reset before it finishes
    # cancels it, and whatever it would still journal or store is dropped.
    task = asyncio.current_task()
    generation = state.request_started(task)
    request[REQUEST_GENERATION] = generation
    committed = False
    try:
        body, failure = await _read_whole_body(request, state.config)
        # Answered in the provider's shape once the request is journaled.
        unreadable = None if failure is None else state.provider.reject_status(failure.status, failure.reason, detail=failure.detail)
        entry = state.journal.open(
            time_ms=state.clock.now_ms(),
            method=request.method,
            path=request.raw_path,
            headers=request.raw_headers,  # kept as received, no copy (the journal decodes on read)
            body=body,
        )
        request[JOURNAL_ENTRY] = entry
        request[REQUEST_BODY] = body
        try:
            response = await _dispatch(request, handler, state, unreadable)
            if unreadable is not None:
                close_after_answer(request, response)  # the rest of a broken body cannot be skipped
        except DroppedConnection:
            _unanswered(entry, "fault_drop", "connection closed without a response (scripted fault)")
            committed = state.commit(entry, generation)
            _drop(request)
            raise asyncio.CancelledError() from None
        except asyncio.CancelledError:
            # Not a reset (then the entry is dropped anyway): the client went away with
            # aiohttp's handler cancellation on, or the server is shutting down.
            _unanswered(entry, "cancelled", "handling stopped before an answer (client gone or server stopping)")
            committed = state.commit(entry, generation)
            raise
        _note_client_gone(request, entry)
        committed = state.commit(entry, generation)
        await run_deferred_diagnoses(request, response, entry, state.diagnoses, partial(state.amend, generation),
                                     partial(state.answer_sent, task))
        return response
    finally:
        state.request_finished(task, generation, committed=committed)


def _unanswered(entry: JournalEntry, reason: str, detail: str) -> None:
    """A request that got no response at all: no status, and the reason says why."""
    entry.status = None
    entry.outcome = "rejected"
    entry.reason = reason
    entry.detail = detail


def _note_client_gone(request: web.Request, entry: JournalEntry) -> None:
    """The answer is decided, but its client already hung up (a timeout): say so in the journal."""
    transport = request.transport
    # A FIN reads the same whether the client left or only half-closed (then it still gets the answer).
    if transport is None or transport.is_closing() or getattr(request.protocol, "peer_closed", False):
        entry.warnings.append("client_gone: the client closed the connection before the answer was sent")


async def _control(request: web.Request, handler: Handler) -> web.StreamResponse:
    """A control request: guarded (core/exposure.py), body read up front so a broken one is a JSON 400/413."""
    response = await _guarded_control(request, handler)
    response.headers.update(SECURITY_HEADERS)
    return response


async def _send_large(request: web.Request, response: web.StreamResponse) -> web.StreamResponse:
    """A journal or store dump is sent now, within the budget of unsent answers (core/answers.py)."""
    if not is_large(response):
        return response
    budget = request.app[ANSWER_BUDGET]
    sent = await send_in_slices(request, response, budget, request.app[MOCK_STATE].config.control_write_timeout_s)
    if sent is not None:
        return sent
    refused = control_error(over_budget_message(budget, len(cast(bytes, response.body))), status=503)
    refused.headers.update({**SECURITY_HEADERS, "Retry-After": str(RETRY_AFTER_S)})
    return refused


async def _guarded_control(request: web.Request, handler: Handler) -> web.StreamResponse:
    refusal = exposure_of(request.app).check_control(request)
    if refusal is not None:
        response = control_error(f"{refusal.reason}: {refusal.detail}; {refusal.hint}", status=refusal.status)
        response.headers.update(refusal.headers)
        close_after_answer(request, response)  # the body (if any) is not read
        return response
    _, failure = await _read_whole_body(request, request.app[MOCK_STATE].config)
    if failure is not None:
        response = control_error(failure.detail, status=failure.status)
        if failure.status in (400, 408, 413):
            close_after_answer(request, response)  # the rest of a broken body cannot be skipped
        return response
    try:
        scope_control_request(request)  # ?tenant=ID: the call works on that tenant's state
        return await handler(request)  # the handlers' own read() returns the cached body
    except UnknownTenant as error:
        return control_error(str(error), status=404)
    except RegistryFull as error:  # a registry the control API fills is at its cap (core/registry_caps.py)
        return control_error(str(error), status=error.status)
    except (web.HTTPNotFound, web.HTTPMethodNotAllowed) as error:  # the catch-all route: no such control call
        return unknown_control_call(request, error)
    except web.HTTPException as http_error:
        if http_error.status < 400:
            http_error.headers.update(SECURITY_HEADERS)
            raise
        # Any other HTTP error of a control handler: JSON like every other control answer, not aiohttp's text.
        return control_error(f"{http_error.status} {http_error.reason}: {request.method} {request.path[:200]}",
                             status=http_error.status)


async def _dispatch(
    request: web.Request, handler: Handler, state: MockState, unreadable: Rejection | None
) -> web.StreamResponse:
    entry = request[JOURNAL_ENTRY]
    provider = state.provider
    try:
        refusal = exposure_of(request.app).check_api(request, provider.api_hosts)
        if refusal is not None:
            raise _refused(provider, refusal, entry)
        await _apply_fault(request, state)
        if unreadable is not None:
            raise unreadable
        expectation = request.headers.get("Expect")
        if expectation is not None and expectation.lower() != "100-continue":
            # RFC 9110 section 10.1.1: an expectation the server cannot meet gets 417.
            raise provider.reject_status(417, "expect_unsupported", detail=f"Expect: {expectation!r}")
        check_singleton_headers(request.headers, provider.singleton_headers)
        response = await run_handler(handler, request, len(request[REQUEST_BODY]), state.config.offload_body_bytes)
    except Rejection as rejection:
        return _rejected(entry, rejection, state)
    except web.HTTPException as http_error:
        reason = {404: "route_not_found", 405: "method_not_allowed"}.get(http_error.status, f"http_{http_error.status}")
        base = provider.reject_status(http_error.status, reason, detail=http_error.reason)
        # RFC 9110 section 15.5.6: a 405 must list the allowed methods.
        allow = {"Allow": http_error.headers["Allow"]} if "Allow" in http_error.headers else None
        return _rejected(entry, Rejection(base.kind, base.reason, detail=base.detail, headers=allow), state)
    except DroppedConnection:
        raise
    except Exception as error:  # the mock's own bug: still answer in the provider's shape
        log.exception("unhandled error in %s handler", provider.id)
        rejection = provider.reject_status(500, "internal_error", detail=f"{type(error).__name__}: {error}")
        return _rejected(entry, rejection, state)
    entry.status = response.status
    entry.outcome = "accepted" if response.status < 400 else "rejected"
    return response


def _refused(provider: Provider[Any, Any], refusal: Refusal, entry: JournalEntry) -> Rejection:
    """The exposure guard's refusal in the provider's shape; its hint goes to the journal."""
    entry.details["hint"] = refusal.hint
    base = provider.reject_status(refusal.status, refusal.reason, detail=refusal.detail)
    return Rejection(base.kind, base.reason, detail=base.detail, headers=dict(refusal.headers))


@dataclass(frozen=True)
class _BodyFailure:
    status: int
    reason: str
    detail: str


async def _read_whole_body(request: web.Request, config: MockConfig) -> tuple[bytes, _BodyFailure | None]:
    """The whole body (cached by aiohttp), or why it cannot be had.

    A declared ``Content-Length`` over ``max_body_bytes`` is refused before a byte
    is read (the expect handler sent no ``100 Continue`` for it); a longer body
    found while reading: 413. A body the transfer or content coding cannot
    undo (``Content-Encoding: gzip`` over bytes that are not gzip, a broken
    chunked stream): 400. A body cut short by the client closing its side:
    400 ``body_truncated`` (the answer may not reach it; the journal keeps it).
    Not complete within ``body_timeout_s``: 408. Provider and control requests alike.
    """
    declared = request.content_length
    if declared is not None and declared > config.max_body_bytes:
        return b"", _too_large(config)
    try:
        if request.content.is_eof():  # all of it already arrived (the common small request): no deadline to arm
            return await request.read(), None
        size = reservation(declared, config.max_body_bytes)
        async with asyncio.timeout(config.body_timeout_s):
            if size:  # a large body waits (reading nothing) while others fill body_bytes_in_flight
                await request.app[BODY_GATE].acquire(size)
                request[BODY_RESERVED] = size
            return await request.read(), None
    except web.HTTPRequestEntityTooLarge:
        return b"", _too_large(config)
    except TimeoutError:
        return b"", _BodyFailure(408, "body_timeout", f"body not complete within body_timeout_s={config.body_timeout_s}")
    except web.RequestPayloadError as error:
        if isinstance(error.__cause__, ConnectionError) or "content length" in str(error).lower():
            return b"", _BodyFailure(400, "body_truncated", f"body shorter than its Content-Length {declared}: {error}")
        return b"", _BodyFailure(400, "body_unreadable", f"body could not be decoded: {error}")
    except ConnectionError as error:
        return b"", _BodyFailure(400, "body_truncated", f"connection closed before the body was complete: {error}")


def _too_large(config: MockConfig) -> _BodyFailure:
    return _BodyFailure(413, "body_too_large", f"body too large: exceeds max_body_bytes={config.max_body_bytes}")


async def _apply_fault(request: web.Request, state: MockState) -> None:
    rule = state.faults.take(request.method, request.path)
    if rule is None:
        return
    entry = request[JOURNAL_ENTRY]
    entry.details["fault"] = rule.to_json()
    if rule.delay_ms:
        await asyncio.sleep(rule.delay_ms / 1000)
    if rule.drop:
        raise DroppedConnection()
    if rule.status is not None:
        headers = {"Retry-After": str(rule.retry_after)} if rule.retry_after is not None else None
        base = state.provider.reject_status(rule.status, "fault_injected", detail=f"scripted fault {rule.status}")
        raise Rejection(base.kind, base.reason, detail=base.detail, headers=headers)


def _rejected(entry: JournalEntry, rejection: Rejection, state: MockState) -> web.Response:
    rendered = state.provider.render_error(rejection)
    entry.status = rendered.status
    entry.outcome = "rejected"
    entry.error_code = rejection.code
    entry.reason = rejection.reason
    entry.field = rejection.field
    entry.detail = rejection.detail
    return json_response(rendered.body, status=rendered.status, headers={**rendered.headers, **rejection.headers})


def _drop(request: web.Request) -> None:
    transport = request.transport
    if transport is not None:
        transport.abort()
