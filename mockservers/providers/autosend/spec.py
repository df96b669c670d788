"""AutoSend API with JWE-encrypted requests and a rotating JWKS: data only.

Sources: seed 001_103906771b4e2ec4.txt ("seed") and ../shared/providers/autosend.md
("fact sheet"). Each constant cites where it comes from; ``[open]`` marks a
choice sealmail made where the documentation is silent (FIDELITY.md).
"""

from __future__ import annotations

from sealmail.mockservers.core import ErrorKind

PROVIDER_ID = "autosend"
API_HOSTS: tuple[str, ...] = ("api.autosend.com",)
"""The real API host names (fact sheet [docs]: base https://api.autosend.com); the TLS leaf certificate carries them."""

# --- paths (fact sheet [docs]: base https://api.autosend.com, every public endpoint under /v1) ---
JWKS_PATH = "/v1/jwks.json"
UPSERT_CONTACT_PATH = "/v1/contacts/email"
CREATE_CONTACT_PATH = "/v1/contacts"
SEND_PATH = "/v1/mails/send"
BULK_PATH = "/v1/mails/bulk"
API_PATHS = (UPSERT_CONTACT_PATH, CREATE_CONTACT_PATH, SEND_PATH, BULK_PATH)

# --- control API extras -------------------------------------------------------------------------
ROTATE_PATH = "/__mock__/keys/rotate"
RETIRE_PATH = "/__mock__/keys/retire"
KEYS_PATH = "/__mock__/keys"
IMPORT_KEY_PATH = "/__mock__/keys/import"
ERRORS_PATH = "/__mock__/errors"

# --- encryption (seed, "Encryption standard" table and "Request format") ------------------------
HEADER_ENCRYPTION = "X-Payload-Encryption"
"""seed: "Set to jwe for encrypted requests. Omit (or use none) for plaintext."."""
HEADER_KEY_ID = "X-Key-Id"
"""seed: "The kid of the public key you encrypted with. If omitted, AutoSend reads the kid from the JWE protected header."."""
ENCRYPTION_JWE = "jwe"
ENCRYPTION_NONE = "none"
ENVELOPE_FIELD = "encryptedData"
"""seed: "Send the JWE as encryptedData"; body ``{"encryptedData": "<JWE compact>"}``."""
ALG = "RSA-OAEP-256"
ENC = "A256GCM"
RSA_BITS = 2048
"""seed: "Key size | RSA 2048-bit"."""
JWK_USE = "enc"
"""fact sheet [docs]: JWKS keys carry ``"use": "enc"``."""

DEFAULT_API_KEY = "AS_sealmail_autosend_test_key"
"""Fixed and documented (docs show keys as ``AS_xxxxxx``)."""
DEFAULT_PROJECT_ID = "65f0a1b2c3d4e5f6a7b8c9d0"
"""[open] A fixed 24-hex id; the docs' contacts carry a ``projectId``."""
FIRST_KID_YEAR, FIRST_KID_MONTH = 2026, 6
"""Kids follow the docs' example ``key_2026_06``: key number i is ``key_<2026-06 + i months>``."""

# --- payload rules (docs API reference, via the fact sheet and the public API pages) --------------
SUBJECT_MAX = 998
"""docs: "Email subject line (max 998 characters)"."""
BULK_MAX_RECIPIENTS = 100
"""docs: "Maximum limit: 100 recipients per request"."""
CONTACT_FIELDS = frozenset({"email", "firstName", "lastName", "userId", "listIds", "customFields"})
"""fact sheet [docs]: upsert contact ``email``, ``firstName``, ``lastName``, ``userId``, ``listIds``, ``customFields``."""
MAIL_FIELDS = frozenset(
    {
        "to", "from", "subject", "html", "text", "templateId", "dynamicData", "cc", "bcc", "replyTo",
        "unsubscribeGroupId", "categories", "scheduledAt", "campaignName", "test", "headers",
    }
)
"""docs "Send Email" parameters."""
BULK_FIELDS = (MAIL_FIELDS - {"to"}) | {"recipients"}
"""docs "Send Bulk Email": identical to send, with ``recipients`` instead of ``to``."""

# --- error catalogue ------------------------------------------------------------------------------
# fact sheet [docs]: {"success": false, "error": {"message", "code", "details"?}}; 401 UNAUTHORIZED;
# statuses 400, 401, 402, 403, 404, 429, 500. [open]: the codes of the three JWE errors and the
# other 400s are sealmail's choice, stable and documented in FIDELITY.md.
VALIDATION_FAILED = ErrorKind(400, "VALIDATION_FAILED", "Validation failed")
INVALID_JSON = ErrorKind(400, "INVALID_JSON", "Request body must be a JSON object")
INVALID_CONTENT_TYPE = ErrorKind(400, "INVALID_CONTENT_TYPE", "Content-Type must be application/json")
INVALID_ENCRYPTION_HEADER = ErrorKind(
    400, "INVALID_ENCRYPTION_HEADER", "X-Payload-Encryption must be 'jwe' or 'none'"
)
ENCRYPTION_REQUIRED = ErrorKind(400, "ENCRYPTION_REQUIRED", "This project requires JWE-encrypted request bodies")
INVALID_JWE = ErrorKind(
    400,
    "INVALID_JWE",
    "The encryptedData value is not a valid JWE compact string",
    help="Re-encrypt the payload with the public key from the JWKS endpoint.",
)
"""seed, "Malformed JWE"."""
UNKNOWN_KEY_ID = ErrorKind(
    400,
    "UNKNOWN_KEY_ID",
    "The key id is missing or does not match any active AutoSend key",
    help="Refresh the JWKS and use the kid from the returned key.",
)
"""seed, "Unknown or missing key id"."""
DECRYPTION_FAILED = ErrorKind(
    400,
    "DECRYPTION_FAILED",
    "The payload could not be decrypted",
    help="Use RSA-OAEP-256 + A256GCM and AutoSend's current public key.",
)
"""seed, "Decryption failure": one kind for every cause, so the caller learns nothing more (no oracle)."""
CONTACT_EXISTS = ErrorKind(400, "CONTACT_ALREADY_EXISTS", "A contact with this email already exists")
"""docs "Create Contact": use it "when you know the contact is new"; upsert otherwise. [open] the error."""

UNAUTHORIZED = ErrorKind(401, "UNAUTHORIZED", "Unauthorized")
"""fact sheet [docs]: ``{"success": false, "error": {"message": "Unauthorized", "code": "UNAUTHORIZED"}}``."""
PAYMENT_REQUIRED = ErrorKind(402, "PAYMENT_REQUIRED", "Payment required")
FORBIDDEN = ErrorKind(403, "FORBIDDEN", "API key doesn't have required access")
NOT_FOUND = ErrorKind(404, "NOT_FOUND", "Resource not found")
METHOD_NOT_ALLOWED = ErrorKind(405, "METHOD_NOT_ALLOWED", "Method not allowed")
PAYLOAD_TOO_LARGE = ErrorKind(413, "PAYLOAD_TOO_LARGE", "Request payload is too large")
RATE_LIMITED = ErrorKind(429, "RATE_LIMIT_EXCEEDED", "Rate limit exceeded")
INTERNAL_ERROR = ErrorKind(500, "INTERNAL_SERVER_ERROR", "Something went wrong on our end")
UNAVAILABLE = ErrorKind(503, "SERVICE_UNAVAILABLE", "Service temporarily unavailable")
BAD_REQUEST = ErrorKind(400, "BAD_REQUEST", "Bad request")

STATUS_KINDS = {
    400: BAD_REQUEST,
    401: UNAUTHORIZED,
    402: PAYMENT_REQUIRED,
    403: FORBIDDEN,
    404: NOT_FOUND,
    405: METHOD_NOT_ALLOWED,
    413: PAYLOAD_TOO_LARGE,
    429: RATE_LIMITED,
    500: INTERNAL_ERROR,
    503: UNAVAILABLE,
}

SCRIPTABLE_ERRORS = {
    kind.code: kind
    for kind in (
        INVALID_JWE, UNKNOWN_KEY_ID, DECRYPTION_FAILED, VALIDATION_FAILED, UNAUTHORIZED,
        PAYMENT_REQUIRED, FORBIDDEN, RATE_LIMITED, INTERNAL_ERROR, UNAVAILABLE,
    )
}
"""Errors ``POST /__mock__/errors`` can script for the next requests (by code)."""

# Headers read as one value: a second copy gets this error, reason header_repeated
# (RFC 9110 section 5.3: only list-valued fields may repeat; core/headers.py).
SINGLETON_HEADERS = {
    "Authorization": UNAUTHORIZED,
    HEADER_ENCRYPTION: INVALID_ENCRYPTION_HEADER,
    HEADER_KEY_ID: UNKNOWN_KEY_ID,
    "Content-Type": INVALID_CONTENT_TYPE,
}
