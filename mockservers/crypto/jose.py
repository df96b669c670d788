"""What the JWE (:mod:`.jwe`) and JWS/JWT (:mod:`.jwt`) layers share.

- JSON objects with unique member names: RFC 7515 section 4 and RFC 7516
  section 4 ("Header Parameter names ... MUST be unique"), RFC 7519 section 4
  for claims. The parsers reject a repeated name rather than take the last.
- jwcrypto's JWA algorithm objects, built once per name: they are stateless,
  and building one per token costs more than some of the checks around it.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from jwcrypto.jwa import JWA


class DuplicateMember(ValueError):
    """A JSON object names the same member twice."""

    def __init__(self, name: str) -> None:
        super().__init__(f"duplicate member {name!r}")
        self.name = name


def _unique_members(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for name, value in pairs:
        if name in result:
            raise DuplicateMember(name)
        result[name] = value
    return result


_UNIQUE_MEMBERS = json.JSONDecoder(object_pairs_hook=_unique_members)
"""Built once (a decoder with a hook per call costs more than parsing a header)."""


def loads_unique_members(text: str) -> Any:
    """``json.loads`` that raises :class:`DuplicateMember` for a repeated member name, at any depth."""
    return _UNIQUE_MEMBERS.decode(text)


@cache
def signing_algorithm(name: str) -> Any:
    """jwcrypto's JWS algorithm object for ``name`` (RFC 7518 section 3)."""
    return JWA.signing_alg(name)


@cache
def key_management_algorithm(name: str) -> Any:
    """jwcrypto's JWE key management algorithm object for ``name`` (RFC 7518 section 4)."""
    return JWA.keymgmt_alg(name)


@cache
def content_encryption_algorithm(name: str) -> Any:
    """jwcrypto's JWE content encryption algorithm object for ``name`` (RFC 7518 section 5)."""
    return JWA.encryption_alg(name)
