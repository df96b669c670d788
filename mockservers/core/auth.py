"""Bearer API keys, checked the same way by every mock that uses them."""

from __future__ import annotations

import hmac

from .errors import ErrorKind, Rejection


def same_secret(given: str, expected: str) -> bool:
    """Constant-time comparison of two strings.

    ``surrogateescape``: aiohttp decodes header bytes that are not UTF-8 to lone
    surrogates; they must compare unequal, not raise.
    """
    return hmac.compare_digest(given.encode("utf-8", "surrogateescape"), expected.encode("utf-8", "surrogateescape"))


def bearer_token(authorization: str | None, kind: ErrorKind) -> str:
    """The token of ``Authorization: Bearer <token>`` (RFC 6750 section 2.1; scheme case-insensitive).

    Reasons: ``auth_missing`` (no header, empty token), ``auth_scheme`` (another scheme).
    """
    if authorization is None or not authorization.strip():
        raise Rejection(kind, "auth_missing", detail="no Authorization header")
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer":
        raise Rejection(kind, "auth_scheme", detail=f"Authorization scheme {scheme!r} is not Bearer")
    token = token.strip()
    if not token:
        raise Rejection(kind, "auth_missing", detail="empty bearer token")
    return token


def check_bearer_key(authorization: str | None, api_key: str, kind: ErrorKind) -> None:
    """Accept only ``Authorization: Bearer <api_key>``; reason ``auth_invalid_key`` for another key."""
    if not same_secret(bearer_token(authorization, kind), api_key):
        raise Rejection(kind, "auth_invalid_key", detail="API key does not match")
