"""NAVER Cloud Outbound Mailer behind the NCP API Gateway (signature v2): data only.

Sources: seed 002_1a42ba2c6936885a.txt ("seed"), ../shared/providers/ncp-mailer.md
("fact sheet"), and the provider's public API reference pages for the
delivery-result operations (getMailRequestStatus, getMailList, getMail;
"API reference"). Each constant cites where it comes from; choices of our own
are marked [open] and recorded in the fidelity notes.
"""

from __future__ import annotations

from sealmail.mockservers.core import ErrorKind

PROVIDER_ID = "ncp-mailer"
API_HOSTS: tuple[str, ...] = ("mail.apigw.ntruss.com",)
"""The real API host names (seed 002: https://mail.apigw.ntruss.com/api/v1 (KR), /api/v1-sgn, /api/v1-jpn); the TLS leaf certificate carries them."""

# --- endpoints -------------------------------------------------------------------
REGION_PREFIXES: dict[str, str] = {"KR": "/api/v1", "SGN": "/api/v1-sgn", "JPN": "/api/v1-jpn"}
"""seed, "Cloud Outbound Mailer API Endpoint": one API under three regional prefixes."""
API_HOST = "mail.apigw.ntruss.com"
"""seed: the provider's API domain (a client that signs the whole URL puts it in the string to sign)."""

MAILS = "/mails"
"""seed: ``POST https://mail.apigw.ntruss.com/api/v1/mails`` (createMailRequest)."""
REQUEST_STATUS = "/mails/requests/{requestId}/status"
"""API reference getMailRequestStatus: ``GET /mails/requests/{requestId}/status``."""
REQUEST_MAILS = "/mails/requests/{requestId}/mails"
"""API reference getMailList: ``GET /mails/requests/{requestId}/mails``."""
MAIL = "/mails/{mailId}"
"""API reference getMail: ``GET /mails/{mailId}``."""

# --- gateway headers (seed "Request headers"); matched case-insensitively (HTTP) ---------
HEADER_TIMESTAMP = "x-ncp-apigw-timestamp"
HEADER_ACCESS_KEY = "x-ncp-iam-access-key"
HEADER_SIGNATURE = "x-ncp-apigw-signature-v2"
HEADER_SIGNATURE_V1 = "x-ncp-apigw-signature-v1"
"""fact sheet [code]: NAVER's own sample sends the v2 value under this name; not accepted by default."""
HEADER_LANG = "x-ncp-lang"

TIMESTAMP_TOLERANCE_MS = 5 * 60 * 1000
"""seed: "request is considered invalid if the timestamp differs from the current time by more than 5 minutes"."""

LANGUAGES = ("ko-KR", "en-US", "zh-CN")
DEFAULT_LANGUAGE = "en-US"
"""seed: ``x-ncp-lang`` "(Example of input values: ko-KR, en-US, and zh-CN / Default: en-US)"."""

# --- createMailRequest body (fact sheet [docs]; limits from the API reference) ----------
KNOWN_FIELDS = frozenset(
    {
        "senderAddress", "senderName", "templateSid", "title", "body", "individual", "confirmAndSend",
        "advertising", "parameters", "referencesHeader", "reservationUtc", "reservationDateTime",
        "attachFileIds", "recipients", "recipientGroupFilter", "useBasicUnsubscribeMsg",
    }
)
RECIPIENT_FIELDS = frozenset({"address", "name", "type", "parameters"})
RECIPIENT_TYPES = ("R", "C", "B")
"""fact sheet [docs]: ``type: "R"|"C"|"B"`` (recipient, carbon copy, blind carbon copy)."""

MAX_RECIPIENTS = 100_000
"""API reference createMailRequest: "You can send up to 100,000 recipients at a time"."""
MAX_CC = 30
MAX_BCC = 30
"""API reference: "You can specify up to 30 recipients for Cc and Bcc"."""
MAX_BODY_BYTES = 500 * 1024
"""API reference: "Email bodies are allowed to be up to 500 KB"."""
MAX_TITLE_BYTES = 500
"""API reference: title "Max: 500" (bytes)."""
MAX_SENDER_NAME_BYTES = 69
"""API reference: senderName "Max:69"."""

RESERVATION_DATETIME_FORMAT = "%Y-%m-%d %H:%M"
"""API reference: ``reservationDateTime`` as ``yyyy-MM-dd HH:mm`` (server time, KST)."""
KST_OFFSET_MS = 9 * 3600 * 1000
"""NesDateTime ``formattedDateTime`` is Korea Standard Time (API reference getMailList example:
utc 1542694793101 shown as "2018-11-20 15:19:53 101")."""

PLACEHOLDER_PATTERN = r"\$\{([^{}\s]+)\}"
"""seed example: ``${customer_name}``, ``${BEFORE_GRADE}`` filled from each recipient's ``parameters``."""

DEFAULT_PAGE_SIZE = 10
"""API reference getMailList: ``size`` "10 (default)"; ``page`` "0 or greater"."""
MAX_PAGE_SIZE = 1000
"""[open] upper bound of ``size``."""

# --- delivery status (API reference: EmailStatus {label, code}) ----------------------------
STATUS_CODES = ("R", "I", "S", "F", "U", "C", "PF")
"""API reference getMailList ``sendStatus``: R ready, I sending, S sent, F failed, U unsubscribed/rejected,
C canceled, PF partially failed."""
FINISHED_STATUSES = frozenset({"S", "F", "U", "C"})
"""API reference getMailRequestStatus ``finishCount``: "Including delivery successful, failure, rejected, and canceled"."""

STATUS_LABELS: dict[str, dict[str, str]] = {
    # en-US labels as in the API reference examples ("Sent successfully", "Failed to send",
    # "Unsubscribe", "Partial failure"); ko-KR from the Korean reference; zh-CN [open].
    "en-US": {"R": "Ready to send", "I": "Sending", "S": "Sent successfully", "F": "Failed to send",
              "U": "Unsubscribe", "C": "Canceled", "PF": "Partial failure"},
    "ko-KR": {"R": "발송준비", "I": "발송중", "S": "발송성공", "F": "발송실패", "U": "수신거부", "C": "발송취소", "PF": "부분실패"},
    "zh-CN": {"R": "准备发送", "I": "发送中", "S": "发送成功", "F": "发送失败", "U": "拒收", "C": "已取消", "PF": "部分失败"},
}
RECIPIENT_TYPE_LABELS: dict[str, dict[str, str]] = {
    "en-US": {"R": "Recipient", "C": "CC", "B": "BCC"},
    "ko-KR": {"R": "수신자", "C": "참조", "B": "숨은참조"},
    "zh-CN": {"R": "收件人", "C": "抄送", "B": "密送"},
}

# --- API Gateway errors (fact sheet [docs]); English only, answered before the service ---------
GATEWAY_DETAILS = "Invalid authentication information."
"""[open] the ``details`` text of every authentication failure (the widely reported gateway body)."""

GW_BAD_REQUEST = ErrorKind(400, "100", "Bad Request Exception")
GW_AUTH_FAILED = ErrorKind(401, "200", "Authentication Failed", help=GATEWAY_DETAILS)
GW_PERMISSION_DENIED = ErrorKind(401, "210", "Permission Denied")
GW_FORBIDDEN = ErrorKind(403, "230", "Forbidden")
GW_NOT_FOUND = ErrorKind(404, "300", "Not Found Exception")
GW_TOO_LARGE = ErrorKind(413, "430", "Request Entity Too Large")
GW_QUOTA_EXCEEDED = ErrorKind(429, "400", "Quota Exceeded")
GW_THROTTLE_LIMITED = ErrorKind(429, "410", "Throttle Limited")
GW_RATE_LIMITED = ErrorKind(429, "420", "Rate Limited")
GW_ENDPOINT_ERROR = ErrorKind(503, "500", "Endpoint Error")
GW_ENDPOINT_TIMEOUT = ErrorKind(504, "510", "Endpoint Timeout")
GW_UNEXPECTED = ErrorKind(500, "900", "Unexpected Error")

GATEWAY_KINDS = frozenset(
    {GW_BAD_REQUEST, GW_AUTH_FAILED, GW_PERMISSION_DENIED, GW_FORBIDDEN, GW_NOT_FOUND, GW_TOO_LARGE,
     GW_QUOTA_EXCEEDED, GW_THROTTLE_LIMITED, GW_RATE_LIMITED, GW_ENDPOINT_ERROR, GW_ENDPOINT_TIMEOUT, GW_UNEXPECTED}
)
GATEWAY_CODES = frozenset(str(kind.code) for kind in GATEWAY_KINDS)

# --- Cloud Outbound Mailer service errors (seed "Common responses") ----------------------
LOGIN_ERROR = ErrorKind(400, "77101", "Error in login information")
BAD_REQUEST = ErrorKind(400, "77102", "BAD_REQUEST")
RESOURCE_NOT_FOUND = ErrorKind(400, "77103", "Resource not found")
UNAUTHORIZED = ErrorKind(403, "77201", "Unauthorized")
NO_SUBSCRIPTION = ErrorKind(403, "77202", "No subscription")
METHOD_NOT_ALLOWED = ErrorKind(405, "77001", "METHOD_NOT_ALLOWED")
UNSUPPORTED_MEDIA_TYPE = ErrorKind(415, "77002", "UNSUPPORTED_MEDIA_TYPE")
NO_DEFAULT_PROJECT = ErrorKind(500, "77301", "Default project does not exist")
EXTERNAL_SYSTEM_ERROR = ErrorKind(500, "77302", "External system API integration error")
INTERNAL_ERROR = ErrorKind(500, "77303", "Other internal server error")

SERVICE_KINDS = (
    LOGIN_ERROR, BAD_REQUEST, RESOURCE_NOT_FOUND, UNAUTHORIZED, NO_SUBSCRIPTION, METHOD_NOT_ALLOWED,
    UNSUPPORTED_MEDIA_TYPE, NO_DEFAULT_PROJECT, EXTERNAL_SYSTEM_ERROR, INTERNAL_ERROR,
)

SERVICE_MESSAGES: dict[str, dict[str, str]] = {
    # en-US: the seed's table; ko-KR: the Korean API reference's table; zh-CN: [open] sealmail's translation.
    "ko-KR": {
        "77101": "로그인 정보 오류", "77102": "BAD_REQUEST", "77103": "요청한 리소스가 존재하지 않음",
        "77201": "권한 없음", "77202": "상품 구독 정보 없음", "77001": "METHOD_NOT_ALLOWED",
        "77002": "UNSUPPORTED_MEDIA_TYPE", "77301": "기본 프로젝트가 존재하지 않음",
        "77302": "외부 시스템 API 연동 오류", "77303": "그 밖의 내부 서버 오류",
    },
    "zh-CN": {
        "77101": "登录信息错误", "77102": "BAD_REQUEST", "77103": "请求的资源不存在",
        "77201": "无权限", "77202": "无订阅信息", "77001": "METHOD_NOT_ALLOWED",
        "77002": "UNSUPPORTED_MEDIA_TYPE", "77301": "默认项目不存在",
        "77302": "外部系统API对接错误", "77303": "其他内部服务器错误",
    },
    "en-US": {str(kind.code): kind.message for kind in SERVICE_KINDS},
}

STATUS_KINDS: dict[int, ErrorKind] = {
    # [open] which catalogue entry a bare status (scripted fault, router error) maps to.
    400: BAD_REQUEST,
    401: GW_AUTH_FAILED,
    403: GW_FORBIDDEN,
    404: GW_NOT_FOUND,
    405: METHOD_NOT_ALLOWED,
    413: GW_TOO_LARGE,
    415: UNSUPPORTED_MEDIA_TYPE,
    429: GW_RATE_LIMITED,
    500: INTERNAL_ERROR,
    502: EXTERNAL_SYSTEM_ERROR,
    503: GW_ENDPOINT_ERROR,
    504: GW_ENDPOINT_TIMEOUT,
}
"""A fault of 502 answers 77302 with the seed's HTTP status for it (500)."""

# --- credentials --------------------------------------------------------------------------
DEFAULT_ACCESS_KEY = "sealmail-ncp-access-key"
DEFAULT_SECRET_KEY = "sealmail-ncp-secret-key"

ACCOUNT_STATES: dict[str, ErrorKind | None] = {
    "active": None,
    "permission_denied": GW_PERMISSION_DENIED,
    "forbidden": GW_FORBIDDEN,
    "login_error": LOGIN_ERROR,
    "unauthorized": UNAUTHORIZED,
    "unsubscribed": NO_SUBSCRIPTION,
    "no_default_project": NO_DEFAULT_PROJECT,
}
"""[open] the state of a credential decides which account error its requests get."""

# Headers read as one value: a second copy gets this error, reason header_repeated
# (RFC 9110 section 5.3: only list-valued fields may repeat; core/headers.py).
SINGLETON_HEADERS = {
    HEADER_TIMESTAMP: GW_AUTH_FAILED,
    HEADER_ACCESS_KEY: GW_AUTH_FAILED,
    HEADER_SIGNATURE: GW_AUTH_FAILED,
    HEADER_SIGNATURE_V1: GW_AUTH_FAILED,
    HEADER_LANG: BAD_REQUEST,
    "Content-Type": BAD_REQUEST,
}
