"""Netcore Email API v6 with AES-256-GCM payload encryption: data only.

Source: seed 000_215255420b4e398e.txt ("seed") and ../shared/providers/netcore-email.md
("fact sheet"). Each constant cites where it comes from.
"""

from __future__ import annotations

from sealmail.mockservers.core import ErrorKind

PROVIDER_ID = "netcore-email"
API_HOSTS: tuple[str, ...] = ("emailapi.netcorecloud.net", "apieu.netcorecloud.net")
"""The real API host names (seed 000: POST https://emailapi.netcorecloud.net/v6/mail/send; fact sheet [docs]: the EU host apieu.netcorecloud.net); the TLS leaf certificate carries them."""

SEND_PATH = "/v6/mail/send"
"""seed: ``POST https://emailapi.netcorecloud.net/v6/mail/send``."""

# seed, "Required Headers" table.
HEADER_ENCRYPTION = "X-Encryption"
HEADER_ENCRYPTION_VERSION = "X-Encryption-Version"
HEADER_AES_KEY = "X-AES-KEY"
HEADER_AES_IV = "X-AES-IV"
ENCRYPTION_ON = "1"
ENCRYPTION_VERSION = "2"

AES_KEY_BYTES = 32
"""seed: "Generating a 256-bit AES key (32 bytes)"."""
AES_IV_BYTES = 12
"""seed: "Generating a 12-byte Initialization Vector (IV)"."""

CONTENT_TYPES = frozenset({"html", "amp", "text/plain", "text/html", "text/x-amp-html"})
"""fact sheet [code]: ``html``, ``amp`` (SDK enum) and the MIME-style names other clients send."""

KNOWN_FIELDS = frozenset(
    {
        "personalizations", "from", "subject", "content", "reply_to", "template_id",
        "attachments", "settings", "tags", "schedule", "bcc",
    }
)
"""fact sheet [seed] + [code]: the v6 payload fields the seed and the official SDK models use."""

DEFAULT_API_KEY = "sealmail-netcore-email-key"


# --- error catalogue -------------------------------------------------------
# fact sheet [docs]: statuses 400, 401, 403, 405; the message of 401 is documented.
# [open] codes: stable snake_case strings chosen by sealmail (FIDELITY.md).
BAD_REQUEST = ErrorKind(400, "bad_request", "Bad request")
UNAUTHORIZED = ErrorKind(401, "unauthorized", "Missing or incorrect API Key in the Authorization header")
FORBIDDEN = ErrorKind(403, "forbidden", "Forbidden")
NOT_FOUND = ErrorKind(404, "not_found", "Resource not found")
METHOD_NOT_ALLOWED = ErrorKind(405, "method_not_allowed", "Method not allowed")
TOO_LARGE = ErrorKind(413, "payload_too_large", "Request payload is too large")
RATE_LIMITED = ErrorKind(429, "rate_limited", "Too many requests")
INTERNAL_ERROR = ErrorKind(500, "internal_error", "Internal server error")
UNAVAILABLE = ErrorKind(503, "service_unavailable", "Service temporarily unavailable")

INVALID_CONTENT_TYPE = ErrorKind(400, "invalid_content_type", "Content-Type must be application/json")
INVALID_ENCRYPTION_HEADERS = ErrorKind(
    400,
    "invalid_encryption_headers",
    "Encrypted requests need X-Encryption: 1 and X-Encryption-Version: 2",
)
INVALID_AES_KEY = ErrorKind(400, "invalid_aes_key", "X-AES-KEY must be the base64 encoding of a 32-byte key")
INVALID_AES_IV = ErrorKind(400, "invalid_aes_iv", "X-AES-IV must be the base64 encoding of a 12-byte IV")
DECRYPTION_FAILED = ErrorKind(
    400,
    "decryption_failed",
    "Unable to decrypt the payload with the given key and IV",
    help="Body must be base64(ciphertext || 16-byte tag) of AES-256-GCM over the UTF-8 JSON payload",
)
"""One kind for every body failure (not base64, too short, tag mismatch): no oracle."""
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
