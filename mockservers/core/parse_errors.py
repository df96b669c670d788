"""Requests aiohttp's HTTP parser refuses, answered in the provider's shape and journaled.

aiohttp answers a request it cannot parse (over 100 headers, a line over 8190
bytes, a bad request line, broken chunked framing, a bad or doubled
``Content-Length``, ``Content-Length`` with ``Transfer-Encoding``) from
``RequestHandler.handle_error`` with a plain-text 400, before any middleware
runs. :func:`answer_unparsable` is what :class:`~.connections.GuardedRequestHandler`
answers instead on a mock: the provider's 400 error body, and a journal entry
with reason ``unparsable_request``, the parser's message as detail, and a hint.
The request line could not be read, so the entry's method and path are
aiohttp's placeholders (``UNKNOWN /``) and it has no headers or body.
"""

from __future__ import annotations

import asyncio

from aiohttp import web
from aiohttp.http_exceptions import BadHttpMethod, BadStatusLine, ContentLengthError, InvalidHeader, LineTooLong, TransferEncodingError

from .middleware import _rejected
from .state import MOCK_STATE

REASON = "unparsable_request"

_HINTS: tuple[tuple[type[Exception], str], ...] = (
    (LineTooLong, "a request line or header over aiohttp's 8190-byte limit: a huge cookie or token header?"),
    (BadHttpMethod, "not an HTTP/1.1 request: TLS sent to a plain-HTTP port, or an HTTP/2 connection preface?"),
    (BadStatusLine, "the request line is not METHOD SP target SP HTTP/1.1 (RFC 9112 section 3)"),
    (InvalidHeader, "a header name or value with characters HTTP forbids (RFC 9110 section 5.5)"),
    (TransferEncodingError, "the body framing is broken: invalid chunked encoding or an unknown Transfer-Encoding (RFC 9112 section 7)"),
    (ContentLengthError, "the body framing is broken: Content-Length does not match the body (RFC 9112 section 6.3)"),
)
_MESSAGE_HINTS = (  # aiohttp's C parser raises plain BadHttpMessage for these: told apart by its message
    ("without an HTTP version", "a request line without HTTP/1.1 at its end (an HTTP/0.9-style line, RFC 9112 section 3)"),
    ("Duplicate", "a header that may appear once (Content-Length, Content-Type, Host) sent twice (RFC 9110 section 5.3)"),
    ("PRI", "an HTTP/2 connection preface: the mocks speak HTTP/1.1 only"),
    ("content-enco", "a Content-Encoding aiohttp cannot decode here (br without a Brotli decoder)"),
    ("deflate", "a body that is not in the Content-Encoding it declares"),
    ("url", "raw non-ASCII or forbidden bytes in the request target: percent-encode them (RFC 3986 section 2.1)"),
    ("Too many headers", "over aiohttp's limit of 128 header lines"),
    ("Transfer-Encoding can't be present with Content-Length", "both Content-Length and Transfer-Encoding (RFC 9112 section 6.1 forbids it)"),
    ("Content-Length", "a Content-Length that is not one non-negative decimal number (RFC 9110 section 8.6)"),
    ("chunk", "invalid chunked encoding: chunk sizes are hexadecimal, each chunk ends in CRLF (RFC 9112 section 7.1)"),
    ("Host", "an HTTP/1.1 request without a Host header (RFC 9112 section 3.2)"),
)
_DEFAULT_HINT = ("the request is not valid HTTP/1.1 (RFC 9112): too many headers, a bad Content-Length, or "
                 "Content-Length together with Transfer-Encoding?")


def hint_for(error: BaseException | None) -> str:
    """What most likely produced a request the parser refused."""
    text = str(error or "")
    by_message = next((hint for needle, hint in _MESSAGE_HINTS if needle in text), None)
    return by_message or next((hint for kind, hint in _HINTS if isinstance(error, kind)), _DEFAULT_HINT)


def answer_unparsable(app: web.Application | None, request: web.BaseRequest, status: int, error: BaseException | None,
                      message: str | None) -> web.Response | None:
    """The provider's answer to a request the parser refused, journaled; None where there is no mock (the inspector)."""
    state = app.get(MOCK_STATE) if app is not None else None
    if state is None or not 400 <= status < 500:
        return None
    task = asyncio.current_task()
    generation = state.request_started(task)
    committed = False
    try:
        entry = state.journal.open(time_ms=state.clock.now_ms(), method=request.method, path=request.raw_path, headers=(), body=b"")
        entry.details["hint"] = hint_for(error)
        base = state.provider.reject_status(status, REASON, detail=f"aiohttp's HTTP parser refused the request: {message or error}")
        response = _rejected(entry, base, state)
        response.force_close()  # the stream position is lost: no keep-alive (as aiohttp's own answer)
        committed = state.commit(entry, generation)
        return response
    finally:
        state.request_finished(task, generation, committed=committed)
