"""``GET /__mock__/messages?wait_for=N`` waits on the loop, never in a worker thread.

Before: each waiting call held one thread of the loop's default executor for up to
``timeout_s`` (60 s allowed). Six of them (the default pool on a 2-core machine) starved
everything else on that executor: another caller's ``timeout_s=0`` answered a minute late,
and the journal hints of failed decrypts (deferred diagnoses, core/diagnosis.py) went missing.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from sealmail.mockservers.core import MessageStore, StoredMessage, create_app
from sealmail.mockservers.core.state import MOCK_STATE

WAITERS = 8


async def _until(predicate: Any) -> None:
    """Yield to the loop (no timed sleep) until ``predicate()`` holds."""
    while not predicate():
        await asyncio.sleep(0)


async def test_waiting_callers_leave_the_default_executor_free(aiohttp_client: Any) -> None:
    loop = asyncio.get_running_loop()
    loop.set_default_executor(ThreadPoolExecutor(max_workers=1))
    app = create_app("netcore-email")
    client = await aiohttp_client(app)
    store = app[MOCK_STATE].store
    waiters = [asyncio.ensure_future(client.get("/__mock__/messages", params={"wait_for": "1", "timeout_s": "60"}))
               for _ in range(WAITERS)]
    await _until(lambda: len(store._async_waiters) == WAITERS)
    # The executor's one worker is free: a job on it and an unsatisfiable wait with timeout 0 answer now.
    assert await asyncio.wait_for(loop.run_in_executor(None, lambda: "free"), 10) == "free"
    prompt = await asyncio.wait_for(client.get("/__mock__/messages", params={"wait_for": "5", "timeout_s": "0"}), 10)
    assert (prompt.status, (await prompt.json())["added"]) == (200, 0)
    store.add(StoredMessage(message_id="m1", time_ms=1, request_id=1, kind="mail", payload={"n": 1}))
    answers = await asyncio.wait_for(asyncio.gather(*waiters), 10)
    assert [(await a.json())["added"] for a in answers] == [1] * WAITERS
    assert store._async_waiters == []


async def test_store_async_wait_times_out_and_forgets_the_waiter() -> None:
    store = MessageStore(capacity=2)
    with pytest.raises(TimeoutError, match=r"expected 1 message\(s\)"):
        await store.wait_for_async(1, 0)
    assert store._async_waiters == []


async def test_store_async_wait_is_woken_by_an_add_from_another_thread() -> None:
    store = MessageStore(capacity=2)
    waiting = asyncio.ensure_future(store.wait_for_async(1, 60))
    await _until(lambda: len(store._async_waiters) == 1)
    message = StoredMessage(message_id="m1", time_ms=1, request_id=1, kind="mail", payload={})
    await asyncio.to_thread(store.add, message)
    assert [m.message_id for m in await asyncio.wait_for(waiting, 10)] == ["m1"]
