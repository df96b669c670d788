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
from .control_index import INDEX_PATH, control_index
from .faults import FaultRule, FaultSpecError
from .jsonbody import JsonBodyError, parse_json_bytes
from .state import MOCK_STATE, MockState


class ControlError(Exception):
    """A bad control request: answered 400 ``{"error": "..."}``."""


def add_control_routes(app: web.Application) -> None:
    app.router.add_get(INDEX_PATH, control_index)
    app.router.add_get("/__mock__/health", health)
    app.router.add_get("/__mock__/config", config)
    app.router.add_get("/__mock__/requests", requests)
    app.router.add_get("/__mock__/messages", messages)
    app.router.add_post("/__mock__/reset", reset)
    app.router.add_get("/__mock__/faults", list_faults)
    app.router.add_post("/__mock__/faults", add_faults)
    app.router.add_delete("/__mock__/faults", clear_faults)
    app.router.add_get("/__mock__/clock", get_clock)
    app.router.add_post("/__mock__/clock", set_clock)


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



async def health(request: web.Request) -> web.Response:
    """Readiness: answers {"provider", "status": "ok"} once the mock listens."""
    return json_response({"provider": request.app[MOCK_STATE].provider.id, "status": "ok"})


async def config(request: web.Request) -> web.Response:
    """Base URL, credentials, keys and URLs a client needs (what the serve table prints)."""
    return json_response(describe(request.app[MOCK_STATE], base_url(request)))


async def requests(request: web.Request) -> web.Response:
    """The journal: every request with its outcome and reason (?outcome=rejected filters)."""
    state = request.app[MOCK_STATE]
    await state.diagnoses.wait_idle_async(diagnosis.WAIT_S)  # details complete, as MockHandle.requests()
    entries = state.journal.entries()
    outcome = request.query.get("outcome")
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


async def messages(request: web.Request) -> web.Response:
    """Accepted messages with their decrypted payloads, oldest first."""
    state = request.app[MOCK_STATE]
    return json_response(
        {
            "messages": [m.to_json() for m in state.store.messages()],
            "added": state.store.added,
            "evicted": state.store.evicted,
        }
    )


async def reset(request: web.Request) -> web.Response:
    """Empty journal, messages and faults; restore the clock and the default credentials."""
    request.app[MOCK_STATE].reset()
    return json_response({"status": "ok"})


async def list_faults(request: web.Request) -> web.Response:
    """Scripted faults still pending."""
    return json_response({"faults": [r.to_json() for r in request.app[MOCK_STATE].faults.pending()]})


async def add_faults(request: web.Request) -> web.Response:
    """Script faults: {"status"?, "times"?, "method"?, "path"?, "delay_ms"?, "drop"?, "retry_after"?} or {"faults": [...]}."""
    state = request.app[MOCK_STATE]
    try:
        spec = await read_control_json(request)
        specs = spec.get("faults") if isinstance(spec, dict) and "faults" in spec else [spec]
        if not isinstance(specs, list):
            raise ControlError("faults must be a list")
        rules = [FaultRule.from_json(s) for s in specs]
    except (ControlError, FaultSpecError) as error:
        return control_error(str(error))
    for rule in rules:
        state.faults.add(rule)
    return json_response({"faults": [r.to_json() for r in state.faults.pending()]})


async def clear_faults(request: web.Request) -> web.Response:
    """Remove every pending fault."""
    request.app[MOCK_STATE].faults.clear()
    return json_response({"faults": []})


async def get_clock(request: web.Request) -> web.Response:
    """The mock clock: now_ms, offset_ms, frozen."""
    return json_response(request.app[MOCK_STATE].clock.state().to_json())


async def set_clock(request: web.Request) -> web.Response:
    """Move the mock clock: {"offset_ms"} or {"now_ms"}, optionally "frozen": true; {"reset": true} restores it."""
    clock = request.app[MOCK_STATE].clock
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
