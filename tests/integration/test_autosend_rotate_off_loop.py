"""``POST /__mock__/keys/rotate`` waits for a key still being generated off the shared event loop.

Past the 12 committed keys each rotation may wait for a fresh RSA key (~0.1 s). The handler
waited on the loop itself: 40 rotations in a row held every mock's answers (a health poll's
p99 went from 10 ms to 190 ms, and the poll ran a third as often).
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest

from sealmail.mockservers.core import create_app
from sealmail.mockservers.core.state import MOCK_STATE


async def test_other_requests_are_answered_while_a_rotation_waits_for_its_key(
    aiohttp_client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = create_app("autosend")
    client = await aiohttp_client(app)
    supply = app[MOCK_STATE].model.ring._supply
    generating, rotated = threading.Event(), threading.Event()
    original = supply.key

    def slow_key(number: int) -> Any:  # a key "still generating" until the health answer arrived (or 10 s)
        generating.wait(10)
        rotated.set()
        return original(number)

    monkeypatch.setattr(supply, "key", slow_key)
    rotation = asyncio.ensure_future(client.post("/__mock__/keys/rotate"))
    health = await asyncio.wait_for(client.get("/__mock__/health"), 20)
    answered_during_rotation = not rotated.is_set()
    generating.set()
    reply = await asyncio.wait_for(rotation, 20)
    assert answered_during_rotation and health.status == 200
    body = await reply.json()
    assert reply.status == 200 and body["rotated"] == body["active"] == body["keys"][0]["kid"]
