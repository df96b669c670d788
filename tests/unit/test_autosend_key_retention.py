"""AutoSend's keys are bounded: listed keys, remembered retired keys, and the process-wide supply.

Before, a rotation loop kept every key: listed (the JWKS and every rotate answer grew with each one),
in the ring's history, and in the supply every mock of the process shares.
"""

from __future__ import annotations

from typing import Any

import pytest

from sealmail.mockservers.core import create_app
from sealmail.mockservers.providers.autosend import spec
from sealmail.mockservers.providers.autosend.fixed_keys import FIXED_KEY_PEMS
from sealmail.mockservers.providers.autosend.keys import KeyRing, KeySupply, RingFull, default_supply


def test_a_capped_rotation_past_max_listed_is_refused_and_automatic_rotation_is_not() -> None:
    ring = KeyRing(default_supply(), initial_keys=1, now_ms=0, max_listed=3)
    ring.rotate(1, capped=True)
    ring.rotate(2, capped=True)
    with pytest.raises(RingFull, match=r"max_listed_keys=3 .*keys/retire.*--set autosend\.max_listed_keys=N"):
        ring.rotate(3, capped=True)
    assert len(ring.keys()) == 3
    ring.rotate(4)  # the scheduled rotation retires beyond auto_rotate_keep right after: never refused
    ring.retire_beyond(2, 4)
    assert len(ring.keys()) == 2


def test_only_the_newest_retired_keys_are_remembered() -> None:
    ring = KeyRing(default_supply(), initial_keys=1, now_ms=0, retired_kept=2)
    kids = [ring.kids()[0]] + [ring.rotate(i).kid for i in range(1, 5)]
    for at, kid in enumerate(kids[:4], start=10):
        ring.retire(kid, at)
    assert [ring.retired_at(kid) for kid in kids[:4]] == [None, None, 12, 13]
    assert ring.ever(kids[0]) is None and ring.ever(kids[3]) is not None
    assert len(ring.history()) == 3  # the listed key and the two remembered retired ones


def test_the_supply_keeps_a_window_of_generated_keys_and_remakes_a_dropped_one() -> None:
    supply = KeySupply(fixed_pems=FIXED_KEY_PEMS[:1], ahead=1, keep=2)
    keys = [supply.key(number) for number in range(1, 8)]
    assert len(supply._generated) <= 2 + 1 + 2  # the window behind, the one handed out, those generated ahead
    remade = supply.key(1)  # far behind the others: a fresh key under its number
    assert remade.has_private and remade.thumbprint() != keys[0].thumbprint()
    assert supply.key(7) is keys[-1]  # within the window: the same key for every mock


async def test_the_rotate_control_call_answers_409_naming_the_cap(aiohttp_client: Any) -> None:
    client = await aiohttp_client(create_app("autosend", {"max_listed_keys": 2}))
    assert (await client.post(spec.ROTATE_PATH)).status == 200
    refused = await client.post(spec.ROTATE_PATH)
    assert refused.status == 409
    assert "max_listed_keys=2" in (await refused.json())["error"]
    listed = (await (await client.get(spec.KEYS_PATH)).json())["keys"]
    retire = await client.post(spec.RETIRE_PATH, json={"kid": listed[-1]["kid"]})
    assert retire.status == 200
    assert (await client.post(spec.ROTATE_PATH)).status == 200  # retiring made room
