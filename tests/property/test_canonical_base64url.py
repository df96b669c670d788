"""``is_canonical_base64url`` against the definition it shortcuts: decode, re-encode, compare.

The mocks' JWE and JWS parsers refuse non-canonical segments with this check;
here it is held to the round trip through an independent codec (the standard
library's, not jwcrypto's) on random bytes and on random text.
"""

from __future__ import annotations

import base64
import binascii

from hypothesis import example, given
from hypothesis import strategies as st

from sealmail.mockservers.crypto.encoding import is_canonical_base64url

ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def _round_trips(text: str) -> bool:
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return False
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii") == text


@given(st.binary(max_size=64))
def test_every_encoding_is_canonical(data: bytes) -> None:
    assert is_canonical_base64url(base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii"))


@given(st.text(alphabet=ALPHABET + "=+/. ", max_size=24))
@example("AB")  # 1 byte whose last character carries stray low bits
@example("AAB")  # 2 bytes, stray low bits
@example("A")  # a length no encoding has
@example("AQ==")  # padding
def test_same_verdict_as_the_round_trip(text: str) -> None:
    assert is_canonical_base64url(text) == _round_trips(text)
