"""Netcore CE (Smartech) encrypted activity upload: data only.

Source: seed 003_1fae5127f2291a63.txt ("seed") and ../shared/providers/netcore-ce.md
("fact sheet"). Each constant cites where it comes from; everything marked
[open] is a sealmail choice recorded in FIDELITY.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from sealmail.mockservers.core import ErrorKind

PROVIDER_ID = "netcore-ce"
API_HOSTS: tuple[str, ...] = ("api2.netcoresmartech.com",)
"""The real API host names (seed 003: https://api2.netcoresmartech.com/v1/activity/upload); the TLS leaf certificate carries them,
and ``Host`` may name them on API paths (/etc/hosts setups, core/exposure.py)."""

ASSET_MISMATCH = ErrorKind(400, "asset_mismatch", "asset_id in the payload does not match the x-asset header")
INVALID_PAYLOAD = ErrorKind(400, "invalid_payload", "Invalid activity payload")
NONCE_REUSED = ErrorKind(400, "nonce_reused", "GCM nonce already used with this key; encrypt every request with a fresh nonce")

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
    HEADER_AUTHORIZATION: UNAUTHORIZED,
    HEADER_ECODE: INVALID_ECODE,
    HEADER_ASSET: INVALID_ASSET,
    "Content-Type": INVALID_CONTENT_TYPE,
}
