"""Control calls that may wait for a new RSA key do so off the event loop all mocks share.

- autosend ``POST /__mock__/keys/rotate``: past the 12 committed keys each rotation may wait for a
  fresh key (~0.1 s). 40 rotations in a row held every mock's answers (a health poll's p99 went
  from 10 ms to 190 ms, and the poll ran a third as often).
- ``POST /__mock__/tenants`` (stayprivate): each tenant is a new company with a fresh 2048-bit key
  generated on the loop, ~0.13 s each (300 tenants: health p99 240 ms, worst 310 ms).

Each test makes the slow step wait until another mock request was answered (at most 10 s): before,
that answer came only after the slow step had finished.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any, Callable

import pytest

from sealmail.mockservers.core import create_app
from sealmail.mockservers.core.state import MOCK_STATE
from sealmail.mockservers.core.tenants import TENANTS


async def _answered_while_slow(client: Any, slow_call: Any, patch: Callable[[Callable[[], None]], None]) -> Any:
    """Start ``slow_call`` whose slow step ``patch`` hooks; True if health answered before that step ended."""
    answered, finished = threading.Event(), threading.Event()

    def slow_step() -> None:
        answered.wait(10)
        finished.set()

    patch(slow_step)
    pending = asyncio.ensure_future(slow_call)
    health = await asyncio.wait_for(client.get("/__mock__/health"), 20)
    during = not finished.is_set()
    answered.set()
    reply = await asyncio.wait_for(pending, 20)
    assert during and health.status == 200, "the health answer waited for the slow step"
    return reply


async def test_a_rotation_waiting_for_its_key_leaves_the_loop_free(aiohttp_client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    app = create_app("autosend")
    client = await aiohttp_client(app)
    supply = app[MOCK_STATE].model.ring._supply
    original = supply.key

    def patch(slow_step: Callable[[], None]) -> None:
        monkeypatch.setattr(supply, "key", lambda number: (slow_step(), original(number))[1])

    reply = await _answered_while_slow(client, client.post("/__mock__/keys/rotate"), patch)
    body = await reply.json()
    assert reply.status == 200 and body["rotated"] == body["active"] == body["keys"][0]["kid"]


async def test_creating_a_tenant_leaves_the_loop_free(aiohttp_client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    app = create_app("stayprivate")
    client = await aiohttp_client(app)
    registry = app[TENANTS]
    original = registry.create

    def patch(slow_step: Callable[[], None]) -> None:
        monkeypatch.setattr(registry, "create", lambda spec: (slow_step(), original(spec))[1])

    reply = await _answered_while_slow(client, client.post("/__mock__/tenants", json={}), patch)
    assert reply.status == 201 and (await reply.json())["id"] in {t.id for t in registry._by_id.values()}
