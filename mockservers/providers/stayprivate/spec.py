"""StayPrivate secure email API: data only.

Source: seed 004_91e3463c2f6ef9ca.txt ("seed") and ../shared/providers/stayprivate.md
("fact sheet"). Each constant cites where it comes from; ``[open]`` marks a
choice sealmail made where the documentation is silent (see the fidelity notes).
"""

from __future__ import annotations

from sealmail.mockservers.core import ErrorKind

PROVIDER_ID = "stayprivate"
API_HOSTS: tuple[str, ...] = ("api.stayprivate.com",)
"""The real API host names (seed 004: https://api.stayprivate.com/1.0/emails/...); the TLS leaf certificate carries them."""

# --- paths (seed, "Methods"; base https://api.stayprivate.com) ---------------
API_BASE = "/1.0/emails"
PREPARE_NEW_PATH = API_BASE + "/prepare"
"""seed: ``POST /1.0/emails/prepare``: prepare a new email."""
PREPARE_DRAFT_PATH = API_BASE + "/{emailRef}/prepare"
"""seed: ``POST /1.0/emails/<emailRef>/prepare``: save a new draft of a prepared email."""
UPLOAD_NEW_PATH = API_BASE + "/{emailRef}/attachments/upload"
"""seed: ``POST /1.0/emails/<emailRef>/attachments/upload``: a new attachment."""
UPLOAD_REPLACE_PATH = API_BASE + "/{emailRef}/attachments/{fileRef}/upload"
"""seed: ``POST /1.0/emails/<emailRef>/attachments/<fileRef>/upload``: update an uploaded attachment."""
DELETE_ATTACHMENT_PATH = API_BASE + "/{emailRef}/attachments/{fileRef}"
"""seed: ``DELETE /1.0/emails/<emailRef>/attachments/<fileRef>``."""
SEND_NEW_PATH = API_BASE + "/send"
"""seed: ``POST /1.0/emails/send``: one call, an email that was not prepared."""
SEND_PREPARED_PATH = API_BASE + "/{emailRef}/send"
"""seed: ``POST /1.0/emails/<emailRef>/send``: a prepared email."""

COMPANIES_CONTROL_PATH = "/__mock__/companies"
EMAILS_CONTROL_PATH = "/__mock__/emails"

# --- headers (seed, "Typical Request Headers") ------------------------------
HEADER_COMPANY_ID = "SP-Company-Api-Id"
HEADER_AUTHORIZATION = "Authorization"
BEARER_SCHEME = "bearer"
"""seed: ``Authorization: Bearer <insert the JWT token>`` (scheme compared case-insensitively, RFC 9110 section 11.1)."""
JSON_CONTENT_TYPE = "application/json"
MULTIPART_CONTENT_TYPE = "multipart/form-data"

# --- JWT (seed, "Required JWT Fields") ---------------------------------------
DEFAULT_ALGORITHMS: tuple[str, ...] = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512")
"""seed: ``alg: <RS256 or similar>``. [open] "similar" = every RSA JWS algorithm (RFC 7518
sections 3.3, 3.5): the seed's key is RSA-2048 (``openssl genrsa ... 2048``), which
verifies exactly these. ECDSA/EdDSA need another key type; HMAC and ``none`` are never allowed."""
DEFAULT_LEEWAY_S = 30
"""[open] clock skew tolerated on ``exp``/``nbf``/``iat``."""
MIN_RSA_KEY_BITS = 2048
"""seed: "generate an RSA2048 key pair"."""

# --- bodies -----------------------------------------------------------------
ATTACHMENT_FIELD = "emailAttachment"
"""seed: "uploaded as an input file with id/name "emailAttachment""."""
ESIGN_FIELD = "reqESignFlag"
"""seed: "include and set to Y if the attachment requires e-signing. Set to N or omit"."""
ESIGN_VALUES = frozenset({"Y", "N"})
PREPARE_FIELDS = frozenset({"senderEmail", "emailSubject", "emailBody"})
"""seed, Prepare Email: senderEmail (required), emailSubject, emailBody."""
SEND_FIELDS = frozenset({"senderEmail", "emailSubject", "emailBody", "emailToList", "emailCcList", "emailBccList"})
"""seed, Send Email: the six fields."""
ADDRESS_LIST_FIELDS = ("emailToList", "emailCcList", "emailBccList")
ADDRESS_SEPARATOR = ";"
"""seed: "a semi-colon separated of email "To" recipients"."""
SENT_STATUS = "S"
"""seed: ``{"success": true, "data": {"status": "S"}}``."""

DEFAULT_COMPANY_API_ID = "sealmail-test-company"
DEFAULT_COMPANY_DOMAINS: tuple[str, ...] = ("example.com",)
"""[open] reserved example domain (RFC 2606); senders ``anything@example.com`` are accepted."""
DEFAULT_MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
"""[open] 10 MiB per attachment."""
DEFAULT_MAX_ATTACHMENTS = 20
"""[open] attachments per email."""


# --- error catalogue (seed: every failure is 401, 422 or 500 with
# {"success": false, "error": {"code": <code>, "message": <message>}}).
# [open] codes: stable snake_case strings chosen by sealmail.
MISSING_CREDENTIALS = ErrorKind(
    401, "missing_credentials", "The SP-Company-Api-Id header and an Authorization: Bearer <JWT> header are required"
)
UNAUTHORISED = ErrorKind(401, "unauthorised", "Invalid company API id or JWT")
"""One kind for every other auth failure (unknown company, bad signature, claims...): no oracle."""

INVALID_CONTENT_TYPE = ErrorKind(422, "invalid_content_type", "Unsupported Content-Type for this method")
INVALID_JSON = ErrorKind(422, "invalid_json", "The request body is not a valid JSON object")
INVALID_REQUEST = ErrorKind(422, "invalid_request", "Invalid request parameters")
SENDER_EMAIL_REQUIRED = ErrorKind(422, "sender_email_required", "senderEmail is required")
SENDER_EMAIL_INVALID = ErrorKind(422, "sender_email_invalid", "senderEmail is not a valid email address")
SENDER_DOMAIN_NOT_ALLOWED = ErrorKind(
    422, "sender_domain_not_allowed", "senderEmail must belong to a domain associated with the company"
)
SENDER_EMAIL_NOT_ALLOWED = ErrorKind(
    422, "sender_email_not_allowed", "senderEmail must not be specified for an email which has already been prepared"
)
INVALID_RECIPIENTS = ErrorKind(422, "invalid_recipients", "Recipient lists must be semicolon-separated valid email addresses")
NO_RECIPIENTS = ErrorKind(422, "no_recipients", "At least one recipient is required to send an email")
EMAIL_NOT_FOUND = ErrorKind(422, "email_not_found", "No prepared email with this email reference")
EMAIL_ALREADY_SENT = ErrorKind(422, "email_already_sent", "The email has already been sent and can no longer be changed")
FILE_NOT_FOUND = ErrorKind(422, "file_not_found", "No attachment with this file reference on this email")
INVALID_MULTIPART = ErrorKind(422, "invalid_multipart", "The upload must be a multipart/form-data body")
ATTACHMENT_MISSING = ErrorKind(422, "attachment_missing", 'The attachment must be uploaded as the file field "emailAttachment"')
ATTACHMENT_INVALID = ErrorKind(422, "attachment_invalid", "The attachment is not acceptable")
ATTACHMENT_TOO_LARGE = ErrorKind(422, "attachment_too_large", "The attachment exceeds the maximum size")
TOO_MANY_ATTACHMENTS = ErrorKind(422, "too_many_attachments", "The email has the maximum number of attachments")
INVALID_ESIGN_FLAG = ErrorKind(422, "invalid_esign_flag", "reqESignFlag must be Y or N")
UPLOAD_IN_PROGRESS = ErrorKind(422, "upload_in_progress", "An attachment upload for this email has not finished")

NOT_FOUND = ErrorKind(404, "not_found", "Resource not found")
METHOD_NOT_ALLOWED = ErrorKind(405, "method_not_allowed", "Method not allowed")
TOO_LARGE = ErrorKind(413, "payload_too_large", "The request body is too large")
RATE_LIMITED = ErrorKind(429, "rate_limited", "Too many requests")
INTERNAL_ERROR = ErrorKind(500, "internal_error", "Internal server error")
UNAVAILABLE = ErrorKind(503, "service_unavailable", "Service temporarily unavailable")

STATUS_KINDS = {
    401: UNAUTHORISED,
    404: NOT_FOUND,
    405: METHOD_NOT_ALLOWED,
    413: TOO_LARGE,
    422: INVALID_REQUEST,
    429: RATE_LIMITED,
    500: INTERNAL_ERROR,
    503: UNAVAILABLE,
}

# Headers read as one value: a second copy gets this error, reason header_repeated
# (RFC 9110 section 5.3: only list-valued fields may repeat; core/headers.py).
SINGLETON_HEADERS = {
    HEADER_COMPANY_ID: UNAUTHORISED,
    HEADER_AUTHORIZATION: UNAUTHORISED,
    "Content-Type": INVALID_CONTENT_TYPE,
}
