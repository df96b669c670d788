"""Fresh credentials for tenants, and reading the credential that selects one from a request.

Reading never raises and never judges: a header that is absent or malformed
selects no tenant (the request goes to the default tenant, whose own checks
answer it exactly as before).
"""

from __future__ import annotations

import dataclasses
import secrets
import string
from typing import Any, Mapping

_ALNUM = string.ascii_letters + string.digits


def fresh_token(prefix: str, nbytes: int = 16) -> str:
    """A new random secret such as ``ne_3f9c...`` (hex, ``nbytes`` random bytes)."""
    return f"{prefix}_{secrets.token_hex(nbytes)}"


def fresh_alnum(length: int, alphabet: str = _ALNUM) -> str:
    """``length`` random characters from ``alphabet`` (letters and digits by default)."""
    return "".join(secrets.choice(alphabet) for _ in range(length))


def bearer_value(headers: Mapping[str, str]) -> str | None:
    """The token of ``Authorization: Bearer <token>``, or None (RFC 6750 section 2.1, scheme case-insensitive)."""
    authorization = headers.get("Authorization")
    if not authorization:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def refuse_unknown(spec: Mapping[str, Any], known: set[str]) -> None:
    """A tenant spec naming fields this provider does not take is an error, not silently ignored."""
    unknown = sorted(set(spec) - known)
    if unknown:
        raise ValueError(f"unknown tenant field(s): {', '.join(unknown)}; this provider takes: {', '.join(sorted(known)) or 'none'}")


class BearerKeyTenants:
    """Tenant hooks for a provider whose config's ``api_key`` is sent as ``Authorization: Bearer``."""

    tenant_key_prefix = "key"

    def credential_of(self, headers: Mapping[str, str]) -> str | None:
        return bearer_value(headers)

    def tenant_key(self, config: Any) -> str:
        return str(config.api_key)

    def tenant_config(self, config: Any, spec: Mapping[str, Any]) -> Any:
        refuse_unknown(spec, set())
        return dataclasses.replace(config, api_key=fresh_token(self.tenant_key_prefix))
