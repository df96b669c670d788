"""Big base64 bodies are decoded slice by slice: same bytes, same refusals as one library call."""

from __future__ import annotations

import base64
import binascii

import pytest
from hypothesis import given, strategies as st

from sealmail.mockservers.crypto import encoding
from sealmail.mockservers.crypto.errors import EncodingError

_ALPHABET = b"ABCXYZabxyz0189+/=-_ \n\x00"


def _verdict(decode, data: bytes) -> tuple[str, bytes | None]:
    try:
        return "ok", decode(data)
    except (binascii.Error, ValueError, EncodingError):
        return "refused", None


@pytest.fixture(autouse=True)
def small_slices(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(encoding, "_SLICE", 8)  # every example spans several slices


@given(st.binary(max_size=64), st.lists(st.tuples(st.integers(0, 200), st.sampled_from(list(_ALPHABET))), max_size=3))
def test_sliced_decode_matches_the_library(raw: bytes, edits: list[tuple[int, int]]) -> None:
    data = bytearray(base64.b64encode(raw))
    for position, byte in edits:  # valid encodings, and near misses of them
        if data:
            data[position % len(data)] = byte
    expected = _verdict(lambda d: base64.b64decode(d, validate=True), bytes(data))
    assert _verdict(encoding.b64decode_strict, bytes(data)) == expected


@given(st.binary(min_size=0, max_size=64).map(lambda b: bytes(x for x in b if x in _ALPHABET)))
def test_sliced_decode_matches_the_library_on_noise(data: bytes) -> None:
    expected = _verdict(lambda d: base64.b64decode(d, validate=True), data)
    assert _verdict(encoding.b64decode_strict, data) == expected
