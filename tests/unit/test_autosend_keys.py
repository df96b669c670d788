"""The autosend key supply and key ring: stable kids, rotation, retirement, generation ahead."""

from __future__ import annotations

import threading

import pytest

from sealmail.mockservers.crypto import jwe
from sealmail.mockservers.providers.autosend.fixed_keys import FIXED_KEY_PEMS
from sealmail.mockservers.providers.autosend.keys import KeyRing, KeySupply, default_supply, kid_for


def test_kids_follow_the_documented_example() -> None:
    assert [kid_for(i) for i in (0, 1, 6, 7, 18)] == ["key_2026_06", "key_2026_07", "key_2026_12", "key_2027_01", "key_2027_12"]


def test_fixed_keys_are_shared_and_stable() -> None:
    supply = default_supply()
    assert supply.key(0) is supply.key(0)
    assert supply.key(0).thumbprint() == KeySupply().key(0).thumbprint()
    assert len({supply.key(i).thumbprint() for i in range(3)}) == 3


def test_the_supply_generates_ahead_without_blocking_on_fixed_keys() -> None:
    supply = KeySupply(fixed_pems=FIXED_KEY_PEMS[:2], ahead=1)
    assert supply.generated_count == 0
    first = supply.key(1)  # within 'ahead' of the end: generation of key 2 starts in the background
    assert first.thumbprint() == default_supply().key(1).thumbprint()
    generated = supply.key(2)  # waits for the background thread at most
    assert generated.get("kty") == "RSA" and generated.has_private
    assert generated.thumbprint() not in {default_supply().key(i).thumbprint() for i in range(2)}
    assert supply.generated_count >= 1


def test_ring_rotation_retirement_and_reset() -> None:
    ring = KeyRing(default_supply(), initial_keys=1, now_ms=0)
    assert ring.kids() == ["key_2026_06"]
    ring.rotate(1)
    ring.rotate(2)
    assert ring.kids() == ["key_2026_08", "key_2026_07", "key_2026_06"]
    assert ring.active.kid == "key_2026_08"
    ring.retire("key_2026_07", 3)
    assert ring.kids() == ["key_2026_08", "key_2026_06"]
    assert ring.get("key_2026_07") is None and ring.retired_at("key_2026_07") == 3
    assert ring.ever("key_2026_07") is not None
    with pytest.raises(KeyError):
        ring.retire("key_2026_07", 4)
    assert ring.retire_beyond(1, 5) == ["key_2026_06"]
    with pytest.raises(ValueError):
        ring.retire("key_2026_08", 6)
    ring.reset(7)
    assert ring.kids() == ["key_2026_06"] and ring.ever("key_2026_08") is None


def test_jwks_document_is_public_and_cached_per_version() -> None:
    ring = KeyRing(default_supply(), initial_keys=2, now_ms=0)
    body, etag = ring.jwks_document()
    assert ring.jwks_document() == (body, etag)
    assert b'"d"' not in body and b'"p"' not in body
    for entry in ring.jwks()["keys"]:
        assert jwe.import_encryption_key(entry)
    ring.rotate(1)
    assert ring.jwks_document()[1] != etag


def test_initial_keys_is_bounded() -> None:
    with pytest.raises(ValueError):
        KeyRing(default_supply(), initial_keys=0, now_ms=0)
    with pytest.raises(ValueError):
        KeyRing(default_supply(), initial_keys=13, now_ms=0)


def test_concurrent_rotations_hand_out_distinct_keys() -> None:
    ring = KeyRing(default_supply(), initial_keys=1, now_ms=0)
    threads = [threading.Thread(target=ring.rotate, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    kids = ring.kids()
    assert len(kids) == len(set(kids)) == 7
    assert {k.private.thumbprint() for k in ring.keys()} == {default_supply().key(i).thumbprint() for i in range(7)}
