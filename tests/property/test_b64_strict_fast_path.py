"""The one-call fast path of ``b64decode_strict``: same bytes, same refusals and same error text as
``base64.b64decode(..., validate=True)``, the rule it replaces on valid input (issue 16)."""

from __future__ import annotations

import base64
import binascii

from hypothesis import given, strategies as st

from sealmail.mockservers.crypto.encoding import b64decode_strict
from sealmail.mockservers.crypto.errors import EncodingError

_ALPHABET = b"ABCXYZabxyz0189+/=-_ \n\x00"


def _library(data: bytes) -> tuple[str, bytes | str]:
    try:
        return "ok", base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError) as error:
        return "refused", str(error)


def _ours(data: bytes) -> tuple[str, bytes | str]:
    try:
        return "ok", b64decode_strict(data)
    except EncodingError as error:
        return "refused", error.detail


@given(st.binary(max_size=48), st.lists(st.tuples(st.integers(0, 100), st.sampled_from(list(_ALPHABET))), max_size=3))
def test_fast_path_matches_the_library_on_near_misses(raw: bytes, edits: list[tuple[int, int]]) -> None:
    data = bytearray(base64.b64encode(raw))
    for position, byte in edits:  # valid encodings, and one to three bytes off them
        if data:
            data[position % len(data)] = byte
    assert _ours(bytes(data)) == _library(bytes(data))


@given(st.binary(max_size=24).map(lambda b: bytes(x for x in b if x in _ALPHABET)))
def test_fast_path_matches_the_library_on_noise(data: bytes) -> None:
    assert _ours(data) == _library(data)
