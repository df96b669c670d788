"""Netcore Email API v6 with AES-256-GCM payload encryption: data only.

Source: seed 000_215255420b4e398e.txt ("seed") and ../shared/providers/netcore-email.md
("fact sheet"). Each constant cites where it comes from.
"""

from __future__ import annotations

from sealmail.mockservers.core import ErrorKind

PROVIDER_ID = "netcore-email"
API_HOSTS: tuple[str, ...] = ("emailapi.netcorecloud.net", "apieu.netcorecloud.net")
"""The real API host names (seed 000: POST https://emailapi.netcorecloud.net/v6/mail/send; fact sheet [docs]: the EU host apieu.netcorecloud.net); the TLS leaf certificate carries them,
and ``Host`` may name them on API paths (/etc/hosts setups, core/exposure.py)."""

INVALID_JSON = ErrorKind(400, "invalid_json", "Request payload is not valid UTF-8 JSON")
INVALID_PAYLOAD = ErrorKind(400, "invalid_payload", "Invalid request payload")

STATUS_KINDS = {
    400: BAD_REQUEST,
    401: UNAUTHORIZED,
    403: FORBIDDEN,
    404: NOT_FOUND,
    405: METHOD_NOT_ALLOWED,
    413: TOO_LARGE,
    429: RATE_LIMITED,
    500: INTERNAL_ERROR,
    503: UNAVAILABLE,
}

# Headers read as one value: a second copy gets this error, reason header_repeated
# (RFC 9110 section 5.3: only list-valued fields may repeat; core/headers.py).
SINGLETON_HEADERS = {
    "Authorization": UNAUTHORIZED,
    "api_key": UNAUTHORIZED,
    HEADER_ENCRYPTION: INVALID_ENCRYPTION_HEADERS,
    HEADER_ENCRYPTION_VERSION: INVALID_ENCRYPTION_HEADERS,
    HEADER_AES_KEY: INVALID_AES_KEY,
    HEADER_AES_IV: INVALID_AES_IV,
    "Content-Type": INVALID_CONTENT_TYPE,
}
