"""StayPrivate secure email API: data only.

Source: seed 004_91e3463c2f6ef9ca.txt ("seed") and ../shared/providers/stayprivate.md
("fact sheet"). Each constant cites where it comes from; ``[open]`` marks a
choice sealmail made where the documentation is silent (see the fidelity notes).
"""

from __future__ import annotations

from sealmail.mockservers.core import ErrorKind

PROVIDER_ID = "stayprivate"
API_HOSTS: tuple[str, ...] = ("api.stayprivate.com",)
"""The real API host names (seed 004: https://api.stayprivate.com/1.0/emails/...); the TLS leaf certificate carries them,
and ``Host`` may name them on API paths (/etc/hosts setups, core/exposure.py)."""


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
