"""Helpers handlers use to reach the mock's state from a request.

Handlers stay stateless: everything they need hangs off ``request.app``.
"""

from __future__ import annotations

import json
import math
from typing import Any, TypeVar

from aiohttp import web

from .diagnosis import Diagnosis, diagnose_after_answer as schedule_diagnosis
from .journal import JournalEntry
from .state import JOURNAL_ENTRY, MOCK_STATE, REQUEST_BODY, REQUEST_GENERATION, MockState
from .store import StoredMessage
from .tenants import REQUEST_STATE, request_state

T = TypeVar("T")


def mock_state(request: web.Request) -> MockState:
    """The state this request works on: its tenant's (core/tenants.py), or the application's own."""
    return request_state(request)


def model(request: web.Request, key: web.AppKey[T]) -> T:
    """The provider model stored under ``key``: the request's tenant's model when it has a tenant."""
    state = request.get(REQUEST_STATE)
    return request.app[key] if state is None else state.model  # type: ignore[no-any-return]


def body(request: web.Request) -> bytes:
    """The request body, already read (and size-checked) by the middleware."""
    return request.get(REQUEST_BODY, b"")


def entry(request: web.Request) -> JournalEntry:
    """The journal entry of this request, for handlers to annotate."""
    return request[JOURNAL_ENTRY]


def note(request: web.Request, **details: Any) -> None:
    """Add provider-specific facts to this request's journal entry ``details``."""
    request[JOURNAL_ENTRY].details.update(details)


def warn(request: web.Request, warning: str) -> None:
    """Record a non-fatal observation (e.g. a header the provider ignores)."""
    request[JOURNAL_ENTRY].warnings.append(warning)


def store_message(
    request: web.Request, *, message_id: str, kind: str, payload: Any, payload_json: bytes | None = None, **meta: Any
) -> StoredMessage:
    """Keep an accepted message and link it to this request's journal entry.

    ``payload_json``: the exact JSON text ``payload`` was parsed from, if at hand
    (the store keeps it as is instead of encoding ``payload`` again).
    Not kept when the mock was reset while this request was in flight: the
    message belongs to the test before the reset.
    """
    state = request_state(request)
    current = request[JOURNAL_ENTRY]
    message = StoredMessage(
        message_id=message_id,
        time_ms=current.time_ms,  # the request's arrival on the mock clock (one clock read per request)
        request_id=current.id,
        kind=kind,
        payload=payload,
        meta=meta,
        payload_json=payload_json,
    )
    state.add_message(message, request.get(REQUEST_GENERATION, state.generation))
    current.message_ids.append(message_id)
    return message


def diagnose_after_answer(request: web.Request, diagnosis: Diagnosis) -> None:
    """Add ``diagnosis()``'s hint to this request's journal detail once the answer is sent.

    For hints that cost work only failing requests would do (so, run before the
    answer, would show in its timing): see :mod:`.diagnosis`.
    """
    schedule_diagnosis(request, diagnosis, request_state(request).diagnoses)


_COMPACT_JSON = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=False)
_ASCII_JSON = json.JSONEncoder(separators=(",", ":"), ensure_ascii=True, allow_nan=False)
"""Built once: ``json.dumps`` with options builds a new encoder for every response.
``allow_nan=False``: RFC 8259 section 6 has no NaN or Infinity, so no answer may carry one."""


def encode_json(data: Any) -> bytes:
    """``data`` as compact RFC 8259 JSON bytes, whatever it holds.

    Lone surrogates (a header's undecodable bytes) have no UTF-8 form: JSON's
    ``\\u`` escapes carry them losslessly. A non-finite float (which the strict
    parsers never let in, but a provider model could compute) is written as
    its name in a string rather than as the bare ``Infinity`` no JSON parser reads.
    """
    try:
        return _COMPACT_JSON.encode(data).encode("utf-8")
    except UnicodeEncodeError:
        return _ASCII_JSON.encode(data).encode("ascii")
    except ValueError:  # "Out of range float values are not JSON compliant"
        return encode_json(_finite(data))


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(item) for item in value]
    return value


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    """A compact JSON response (what providers send); never ``NaN`` or ``Infinity``."""
    return web.Response(
        body=encode_json(data),
        status=status,
        content_type="application/json",
        headers=headers,
    )
