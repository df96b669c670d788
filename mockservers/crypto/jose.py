"""What the JWE (:mod:`.jwe`) and JWS/JWT (:mod:`.jwt`) layers share.

- JSON objects with unique member names: RFC 7515 section 4 and RFC 7516
  section 4 ("Header Parameter names ... MUST be unique"), RFC 7519 section 4
  for claims. The parsers reject a repeated name rather than take the last.
- Strict RFC 8259 (:mod:`.strict_json`): no ``NaN``/``Infinity``, no number
  that overflows to infinity, no lone surrogate in a header or claim.
- jwcrypto's JWA algorithm objects, built once per name: they are stateless,
  and building one per token costs more than some of the checks around it.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from jwcrypto.jwa import JWA

from .strict_json import loads_strict


class DuplicateMember(ValueError):
    """A JSON object names the same member twice."""

    def __init__(self, name: str) -> None:
        super().__init__(f"duplicate member {name!r}")
        self.name = name


def loads_unique_members(text: str) -> Any:
    """Strict JSON (:func:`.strict_json.loads_strict`) that also raises :class:`DuplicateMember`
    for a repeated member name, at any depth; :class:`.strict_json.StrictJsonError` for the rest."""
    document = loads_strict(text)
    if document.duplicate_members:
        raise DuplicateMember(document.duplicate_members[0])
    return document.value


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
