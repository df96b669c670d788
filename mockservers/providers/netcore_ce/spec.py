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
"""The real API host names (seed 003: https://api2.netcoresmartech.com/v1/activity/upload); the TLS leaf certificate carries them."""

UPLOAD_PATH = "/v1/activity/upload"
"""seed Step 3: ``curl --location 'https://api2.netcoresmartech.com/v1/activity/upload'``."""
ASSETS_PATH = "/__mock__/assets"
"""Control route: register the key and IV a customer shares for an asset (seed Step 1)."""

# seed Step 3, curl headers.
HEADER_ECODE = "x-eCode"
HEADER_ASSET = "x-asset"
HEADER_AUTHORIZATION = "Authorization"
BODY_FIELD = "encryptedRequest"
"""seed Step 3: ``--data '{"encryptedRequest":"..."}'``."""


@dataclass(frozen=True)
class Method:
    """One row of the provider's "Supported Methods" table (fact sheet, Methods)."""

    ecode: int
    name: str
    cipher: Literal["cbc", "gcm"]
    encoding: Literal["base64", "hex"]


AES_256_CBC_BASE64 = Method(11256, "AES_256_CBC_BASE64", "cbc", "base64")
"""seed: "11256 points to AES_256_CBC_BASE64 Algorithm"."""
AES_256_CBC_HEX = Method(11257, "AES_256_CBC_HEX", "cbc", "hex")
"""fact sheet, Methods table: AES-256-CBC, Hex, 11257."""
AES_256_GCM_BASE64 = Method(11258, "AES_256_GCM_BASE64", "gcm", "base64")
"""fact sheet, Methods table: AES-256-GCM, Base64, 11258."""

METHODS: dict[int, Method] = {m.ecode: m for m in (AES_256_CBC_BASE64, AES_256_CBC_HEX, AES_256_GCM_BASE64)}
METHODS_BY_HEADER: dict[str, Method] = {str(m.ecode): m for m in METHODS.values()}
"""x-eCode values exactly as the seed writes them (no sign, no leading zeros, no names)."""
CBC_ECODES = frozenset(m.ecode for m in METHODS.values() if m.cipher == "cbc")
GCM_ECODES = frozenset(m.ecode for m in METHODS.values() if m.cipher == "gcm")

# --- shared key formats ------------------------------------------------------
KEY_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
"""fact sheet [code]: the provider's generator draws from ``[A-Za-z0-9]``."""
CBC_KEY_CHARS = 32
"""fact sheet [code]: 32 random characters, used as their UTF-8 bytes (= the 32-byte AES-256 key)."""
CBC_IV_CHARS = 16
"""fact sheet [code]: 16 random characters, used as their UTF-8 bytes (= the 16-byte CBC IV)."""
CBC_KEY_STRICT = re.compile(r"[A-Za-z0-9]{32}")
CBC_IV_STRICT = re.compile(r"[A-Za-z0-9]{16}")
CBC_KEY_PRINTABLE = re.compile(r"[\x21-\x7e]{32}")
CBC_IV_PRINTABLE = re.compile(r"[\x21-\x7e]{16}")
GCM_KEY_BYTES = 32
"""fact sheet [code]: the newer (GCM) scripts' key is base64 of 32 random bytes."""
GCM_NONCE_BYTES = 12
"""fact sheet [code]: output = base64(12-byte nonce || ciphertext || 16-byte tag)."""
GCM_TAG_BYTES = 16

ASSET_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
"""[open] Asset ids: the seed shows 31-32 letters and digits; 1-128 of letters, digits and ``._:-`` accepted
(URL-safe, so ``DELETE /__mock__/assets/<asset>`` can name any of them)."""

# --- payload (seed Step 2, "Key points to remember") -------------------------
ACTIVITY_REQUIRED = ("asset_id", "activity_name", "timestamp", "identity", "activity_source", "activity_params")
ACTIVITY_KNOWN = frozenset(ACTIVITY_REQUIRED) | {"annonid", "anonid", "email", "mobile"}
"""The seed's six fields plus the identifiers the provider's non-encrypted Activity API documents."""
ACTIVITY_SOURCES = ("web", "app")
"""seed: "activity_source can be web if web asset is used or app if app asset is used"."""
MAX_ACTIVITIES = 1000
"""Provider's Activity API documentation: "single or bulk events (up to 1000 in one request)"."""

TIMESTAMP_UTC_Z = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,9})?Z")
"""seed: "timestamp must be current timestamp ... in UTC format", sample ``2025-08-26T12:05:43Z``.
Fractional seconds (JavaScript ``toISOString()``) are accepted."""
TIMESTAMP_ISO8601 = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,9})?(?:Z|[+-][0-9]{2}:[0-9]{2})")
"""Lenient mode: the provider's older docs also accept an explicit offset (``+05:30``)."""

# --- defaults (fixed, documented: paste them into an app) --------------------
DEFAULT_API_KEY = "sealmail-netcore-ce-api-key"
DEFAULT_ASSET = "392ae07d8b69fe21423e6d9e026227c5"
"""seed Step 3: the ``x-asset`` of the sample curl."""
DEFAULT_CBC_KEY = "sealmailNetcoreCEdefaultKey2025x"
DEFAULT_CBC_IV = "sealmailCEiv2025"
DEFAULT_GCM_KEY = "c2VhbG1haWwtbmV0Y29yZS1jZS1nY20ta2V5LTAwMDE="
"""base64 of the 32 bytes ``sealmail-netcore-ce-gcm-key-0001``."""
SEED_SAMPLE_ASSET = "392234ga43t3q4t3026227c3453gqe5"
"""seed Step 2: the ``asset_id`` inside the sample plaintext (differs from the curl's x-asset)."""


# --- error catalogue -----------------------------------------------------------
# [open] The seed documents no response bodies. Shape and codes are sealmail's
# choice (FIDELITY.md): every code a stable snake_case string.
BAD_REQUEST = ErrorKind(400, "bad_request", "Bad request")
UNAUTHORIZED = ErrorKind(401, "unauthorized", "Invalid or missing API key")
FORBIDDEN = ErrorKind(403, "forbidden", "Forbidden")
NOT_FOUND = ErrorKind(404, "not_found", "Resource not found")
METHOD_NOT_ALLOWED = ErrorKind(405, "method_not_allowed", "Method not allowed")
TOO_LARGE = ErrorKind(413, "payload_too_large", "Request payload is too large")
RATE_LIMITED = ErrorKind(429, "rate_limited", "Too many requests")
INTERNAL_ERROR = ErrorKind(500, "internal_error", "Internal server error")
UNAVAILABLE = ErrorKind(503, "service_unavailable", "Service temporarily unavailable")

MISSING_HEADER = ErrorKind(400, "missing_header", "A required header is missing")
INVALID_CONTENT_TYPE = ErrorKind(400, "invalid_content_type", "Content-Type must be application/json")
INVALID_ECODE = ErrorKind(400, "invalid_ecode", "Unsupported x-eCode; use 11256, 11257 or 11258")
INVALID_ASSET = ErrorKind(400, "invalid_asset", "Unknown x-asset: no encryption keys are configured for this asset")
ECODE_NOT_CONFIGURED = ErrorKind(400, "ecode_not_configured", "This x-eCode is not configured for this asset")
INVALID_BODY = ErrorKind(400, "invalid_request_body", 'Body must be a JSON object {"encryptedRequest": "<encrypted payload>"}')
DECRYPTION_FAILED = ErrorKind(400, "decryption_failed", "Unable to decrypt encryptedRequest")
"""One kind for every failure between the encoded text and the JSON plaintext: bad
base64 or hex, bad length, bad padding, wrong key or IV, GCM tag mismatch, plaintext
that is not UTF-8 JSON. No padding oracle (the issue; fact sheet, Responses)."""
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
