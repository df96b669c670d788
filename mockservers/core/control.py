"""The control API under ``/__mock__/``, the same on every provider port.

JSON in and out. Shapes are documented in README.md ("Control API"). Providers
may add their own ``/__mock__/`` routes (key rotation, companies, assets).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from . import diagnosis
from .clock import ClockRangeError
from .context import json_response
from . import control_schemas as schemas
from .control_index import control_index
from .control_spec import STATUS_OK, add_control_route, control_call
from .faults import MAX_PENDING as MAX_PENDING_FAULTS, FaultRule, FaultSpecError
from .journal_text import check_outcome
from .jsonbody import JsonBodyError, parse_json_bytes
from .openapi import openapi_json
from .state import MOCK_STATE, MockState
from .tenants import UnknownTenant, request_state, tenant_state


MAX_WAIT_S = 60.0
"""Longest ``GET /__mock__/messages?wait_for=N`` holds its answer."""


class ControlError(Exception):
    """A bad control request: answered 400 ``{"error": "..."}``."""


def add_control_routes(app: web.Application) -> None:
    for handler in (control_index, openapi_json, health, config, requests, messages, reset,
                    list_faults, add_faults, clear_faults, get_clock, set_clock, usage):
        add_control_route(app, handler)


def base_url(request: web.Request) -> str:
    return f"{request.scheme}://{request.host}"


def describe(state: MockState, url: str) -> dict[str, Any]:
    """``GET /__mock__/config``: provider id, base URL, then the provider's own fields."""
    return {"provider": state.provider.id, "base_url": url, **state.provider.describe(state.model, url)}


async def read_control_json(request: web.Request, *, default: Any = None) -> Any:
    """The control request's JSON body (``default`` when empty); ControlError if not JSON."""
    raw = await request.read()
    if not raw.strip():
        return default
    try:
        return parse_json_bytes(raw)
    except JsonBodyError as error:
        raise ControlError(f"body is not strict JSON ({error.reason}): {error.detail}") from None


def control_error(message: str, status: int = 400) -> web.Response:
    return json_response({"error": message}, status=status)



@control_call("GET", "/__mock__/health", responses={200: schemas.HEALTH}, example_response={"provider": "netcore-email", "status": "ok"})
async def health(request: web.Request) -> web.Response:
    """Readiness: answers {"provider", "status": "ok"} once the mock listens."""
    return json_response({"provider": request_state(request).provider.id, "status": "ok"})


@control_call("GET", "/__mock__/config", responses={200: schemas.CONFIG})
async def config(request: web.Request) -> web.Response:
    """Base URL, credentials, keys and URLs a client needs (what the serve table prints)."""
    return json_response(describe(request_state(request), base_url(request)))


@control_call("GET", "/__mock__/requests", responses={200: schemas.REQUESTS}, query={"outcome": {"enum": schemas.OUTCOMES}})
async def requests(request: web.Request) -> web.Response:
    """The journal: every request with its outcome and reason (?outcome=rejected filters)."""
    state = request_state(request)
    outcome = request.query.get("outcome")
    try:
        check_outcome(outcome or None)
    except ValueError as error:
        return control_error(str(error))
    await state.diagnoses.wait_idle_async(diagnosis.WAIT_S)  # details complete, as MockHandle.requests()
    entries = state.journal.entries()
    if outcome:
        entries = [e for e in entries if e.outcome == outcome]
    return json_response(
        {
            "requests": [e.to_json() for e in entries],
            "recorded": state.journal.recorded,
            "evicted": state.journal.evicted,
            "discarded_after_reset": state.discarded_after_reset,
        }
    )


@control_call("GET", "/__mock__/messages", responses={200: schemas.MESSAGES})
async def messages(request: web.Request) -> web.Response:
    """Accepted messages with their decrypted payloads, oldest first (?wait_for=N&timeout_s=S holds the answer until N)."""
    state = request_state(request)
    if "wait_for" in request.query:
        try:
            count, timeout = int(request.query["wait_for"]), float(request.query.get("timeout_s", "5"))
        except ValueError:
            return control_error("wait_for must be an integer and timeout_s a number")
        if not 0 <= timeout <= MAX_WAIT_S:
            return control_error(f"timeout_s must be between 0 and {MAX_WAIT_S}")
        try:
            await state.store.wait_for_async(count, timeout)
        except TimeoutError:
            pass  # answered as is: "added" tells the caller how many arrived
    return json_response(
        {
            "messages": [m.to_json() for m in state.store.messages()],
            "added": state.store.added,
            "evicted": state.store.evicted,
        }
    )


@control_call("GET", "/__mock__/usage", responses={200: schemas.USAGE})
async def usage(request: web.Request) -> web.Response:
    """What the journal and the message store hold against their budgets (docs/memory.md)."""
    state = request_state(request)
    journal, store = state.journal, state.store
    return json_response({
        "journal": {"entries": len(journal), "recorded": journal.recorded, "evicted": journal.evicted,
                    "retained_bytes": journal.retained_bytes, "max_bytes": journal.max_bytes},
        "messages": {"messages": len(store), "added": store.added, "evicted": store.evicted,
                     "retained_bytes": store.retained_bytes, "max_bytes": store.max_bytes},
    })


@control_call("POST", "/__mock__/reset", responses={200: STATUS_OK}, example_response={"status": "ok"})
async def reset(request: web.Request) -> web.Response:
    """Empty journal, messages and faults; restore the clock and the default credentials."""
    request_state(request).reset()
    return json_response({"status": "ok"})


@control_call("GET", "/__mock__/faults", responses={200: schemas.FAULTS})
async def list_faults(request: web.Request) -> web.Response:
    """Scripted faults still pending."""
    return json_response({"faults": [r.to_json() for r in request_state(request).faults.pending()]})


@control_call(
    "POST", "/__mock__/faults", request=schemas.FAULTS_REQUEST, request_required=True, responses={200: schemas.FAULTS},
    errors={400: "not a fault: unknown field, status outside 400-599, drop with a status..."},
    example_request={"status": 503, "times": 2, "path": "/v6/*", "retry_after": 1},
)
async def add_faults(request: web.Request) -> web.Response:
    """Script faults: {"status"?, "times"?, "method"?, "path"?, "delay_ms"?, "drop"?, "retry_after"?} or {"faults": [...]}; "tenant"? scopes them."""
    state = request_state(request)
    try:
        spec = await read_control_json(request)
        if isinstance(spec, dict) and "tenant" in spec:  # {"tenant": ID, ...}: only that tenant's requests take them
            spec = dict(spec)
            state = tenant_state(request, spec.pop("tenant"))
        specs = spec.get("faults") if isinstance(spec, dict) and "faults" in spec else [spec]
        if not isinstance(specs, list):
            raise ControlError("faults must be a list")
        if len(specs) > MAX_PENDING_FAULTS:
            raise ControlError(f"at most {MAX_PENDING_FAULTS} faults may be pending; {len(specs)} given")
        state.faults.add_all([FaultRule.from_json(s) for s in specs])
    except UnknownTenant as error:
        return control_error(str(error), status=404)
    except (ControlError, FaultSpecError) as error:
        return control_error(str(error))
    return json_response({"faults": [r.to_json() for r in state.faults.pending()]})


@control_call("DELETE", "/__mock__/faults", responses={200: schemas.FAULTS}, example_response={"faults": []})
async def clear_faults(request: web.Request) -> web.Response:
    """Remove every pending fault."""
    request_state(request).faults.clear()
    return json_response({"faults": []})


@control_call("GET", "/__mock__/clock", responses={200: schemas.CLOCK})
async def get_clock(request: web.Request) -> web.Response:
    """The mock clock: now_ms, offset_ms, frozen."""
    return json_response(request_state(request).clock.state().to_json())


@control_call(
    "POST", "/__mock__/clock", request=schemas.CLOCK_REQUEST, responses={200: schemas.CLOCK},
    errors={400: "neither offset_ms, now_ms nor reset; not an integer; or outside the range the clock allows (allowed_ms)"}, example_request={"offset_ms": 3600000, "frozen": True},
)
async def set_clock(request: web.Request) -> web.Response:
    """Move the mock clock: {"offset_ms"} or {"now_ms"}, optionally "frozen": true; {"reset": true} restores it."""
    clock = request_state(request).clock
    try:
        spec = await read_control_json(request, default={})
        if not isinstance(spec, dict):
            raise ControlError("clock body must be a JSON object")
        frozen = spec.get("frozen", False)
        if not isinstance(frozen, bool):
            raise ControlError("frozen must be true or false")
        if spec.get("reset"):
            return json_response(clock.restore().to_json())
        if "now_ms" in spec:
            return json_response(clock.set_now(_integer(spec, "now_ms"), frozen=frozen).to_json())
        if "offset_ms" in spec:
            return json_response(clock.offset(_integer(spec, "offset_ms"), frozen=frozen).to_json())
        raise ControlError('give "offset_ms", "now_ms" or "reset": true')
    except ControlError as error:
        return control_error(str(error))
    except ClockRangeError as error:
        return json_response({"error": str(error), "allowed_ms": list(error.allowed)}, status=400)


def _integer(spec: dict[str, Any], key: str) -> int:
    value = spec[key]
    if isinstance(value, bool) or not isinstance(value, int):
        raise ControlError(f"{key} must be an integer")
    return value
