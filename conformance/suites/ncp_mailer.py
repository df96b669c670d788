"""ncp-mailer conformance checks (requirements in conformance/requirements/ncp_mailer.py).

A client under test implements :class:`NcpMailerAdapter`. Verdicts come from
the journal: the request line, headers and body the mock received. A wrong
signature is attributed with :func:`sealmail.mockservers.crypto.ncp_signature.explain`
(which URI variant, text encoding and key encoding reproduce it), so one
mistake fails only its own requirement.
"""

from __future__ import annotations

import json
import time
from typing import Any, Iterator, Mapping, Protocol, Sequence

from sealmail.conformance.clients.ncp_mailer import NcpMailerClient
from sealmail.conformance.framework import CheckContext, Suite, Verdict, failed, judge, judge_equal, not_evaluated, passed
from sealmail.conformance.requirements.ncp_mailer import REQUIREMENTS
from sealmail.mockservers.core import JournalEntry
from sealmail.mockservers.crypto import ncp_signature as sig

HEADER_TIMESTAMP = "x-ncp-apigw-timestamp"
HEADER_ACCESS_KEY = "x-ncp-iam-access-key"
HEADER_SIGNATURE = "x-ncp-apigw-signature-v2"
HEADER_SIGNATURE_V1 = "x-ncp-apigw-signature-v1"
WINDOW_MS = 300_000

SAMPLE_MAIL: dict[str, Any] = {
    "senderAddress": "no_reply@company.com",
    "title": "Hello, ${customer_name} ✓",
    "body": "Your grade has been changed from ${BEFORE_GRADE} to ${AFTER_GRADE}. 안녕하세요",
    "recipients": [
        {"address": "hongildong@example.com", "name": "홍길동", "type": "R",
         "parameters": {"customer_name": "홍길동", "BEFORE_GRADE": "SILVER", "AFTER_GRADE": "GOLD"}},
        {"address": "chulsoo@example.net", "name": None, "type": "R",
         "parameters": {"customer_name": "Chulsoo", "BEFORE_GRADE": "BRONZE", "AFTER_GRADE": "SILVER"}},
    ],
    "individual": True,
    "advertising": False,
}
SAMPLE_REQUEST_ID = "20181126000000246001"
"""The API reference's example id: the mock answers 77103, which is fine: only the request line is judged."""
SAMPLE_QUERY: dict[str, Any] = {"title": "홍길동 ✓", "size": 5, "sendStatus": ["S", "PF"]}
NON_ASCII_SECRET = "sealmail-Geheimnis-ÄÖÜß"
"""Latin-1 and UTF-8 encode it differently, so the key encoding shows in the signature."""


class NcpMailerAdapter(Protocol):
    """What a client under test provides (methods may be ``async``); raise on any failure."""

    def send(self, mail: dict[str, Any]) -> Any:
        """createMailRequest: POST the mail as JSON to ``{base}/api/v1/mails``."""

    def request_status(self, request_id: str) -> Any:
        """getMailRequestStatus: ``GET {base}/api/v1/mails/requests/{requestId}/status`` (no query)."""

    def list_mails(self, request_id: str, query: Mapping[str, str | int | Sequence[str]]) -> Any:
        """getMailList: ``GET {base}/api/v1/mails/requests/{requestId}/mails?<query>`` (a list value repeats its key)."""


def reference_client(base_url: str, config: dict[str, Any]) -> NcpMailerClient:
    """The reference client (its methods fit the adapter as they are)."""
    return NcpMailerClient(base_url, config["access_key"], config["secret_key"])


SUITE = Suite("ncp-mailer", REQUIREMENTS, reference_client, NcpMailerAdapter)


# --- evidence helpers ------------------------------------------------------------------------
def _entries(ctx: CheckContext, method: str, marker: str) -> list[JournalEntry]:
    return [e for e in ctx.mock.requests() if e.method == method and marker in e.path.split("?", 1)[0]]


def _signature_header(entry: JournalEntry) -> tuple[str | None, str | None]:
    """(value, header name) of the signature, v2 first, then the v1 name some clients use."""
    for name in (HEADER_SIGNATURE, HEADER_SIGNATURE_V1):
        value = entry.header(name)
        if value is not None:
            return value, name
    return None, None


def _explain(entry: JournalEntry, secret: str) -> sig.SignatureExplanation | None:
    value, _ = _signature_header(entry)
    timestamp, access_key = entry.header(HEADER_TIMESTAMP), entry.header(HEADER_ACCESS_KEY)
    if value is None or timestamp is None or access_key is None:
        return None
    return sig.explain(secret, entry.method, entry.path, timestamp, access_key, value)


def _timestamp(entry: JournalEntry) -> int | None:
    value = (entry.header(HEADER_TIMESTAMP) or "").strip()
    return int(value) if value.isascii() and value.isdigit() and len(value) < 20 else None


def _as_millis(value: int, received_ms: int) -> tuple[int, bool]:
    """(value in ms, whether it was sent in ms): whichever reading is nearer the time it arrived."""
    in_ms = abs(received_ms - value) <= abs(received_ms - value * 1000)
    return (value if in_ms else value * 1000), in_ms


def _pause_s(stamp_ms: int) -> float:
    if stamp_ms % 1000:
        return 0.02
    now = time.time()
    return max(0.0, int(now) + 1.02 - now)


def _no_request(ids: Sequence[str], what: str, attempt: Any) -> Iterator[Verdict]:
    for rid in ids:
        yield failed(rid, f"no {what} reached the mock (client {attempt.describe()})")


# --- checks ------------------------------------------------------------------------------------
SEND_IDS = ("NCP-SIGN-STRING", "NCP-SIG-BASE64", "NCP-HEADER-SIGNATURE", "NCP-HEADER-AUTH", "NCP-TS-MILLIS",
            "NCP-CONTENT-TYPE", "NCP-BODY-JSON")


@SUITE.check(*SEND_IDS, journal_body_limit=1 << 20)
def signed_send(ctx: CheckContext) -> Iterator[Verdict]:
    """One createMailRequest: judge the gateway headers, the signature and the body."""
    attempt = ctx.attempt(ctx.client.send, SAMPLE_MAIL)
    entries = _entries(ctx, "POST", "/mails")
    if not entries:
        yield from _no_request(SEND_IDS, "POST /mails", attempt)
        return
    entry = entries[0]
    config = ctx.mock.config
    timestamp_header, key_header = entry.header(HEADER_TIMESTAMP), entry.header(HEADER_ACCESS_KEY)
    yield judge("NCP-HEADER-AUTH", timestamp_header is not None and key_header == config["access_key"],
                f"{HEADER_TIMESTAMP} and {HEADER_ACCESS_KEY} present",
                f"{HEADER_TIMESTAMP}={timestamp_header!r}, {HEADER_ACCESS_KEY}={(key_header or '')[:40]!r}")
    value, name = _signature_header(entry)
    yield judge("NCP-HEADER-SIGNATURE", name == HEADER_SIGNATURE, f"signature in {HEADER_SIGNATURE}",
                f"signature sent as {name}" if name else f"no {HEADER_SIGNATURE} header")

    explanation = _explain(entry, config["secret_key"])
    if explanation is None:
        if value is None or timestamp_header is None or key_header is None:
            yield not_evaluated("NCP-SIGN-STRING", "signature, timestamp or access key header missing")
        else:
            yield failed("NCP-SIGN-STRING", "the signature is not HMAC-SHA256 of "
                         f"{sig.string_to_sign(entry.method, entry.path, timestamp_header, key_header)!r} (nor of a known variant)")
        yield not_evaluated("NCP-SIG-BASE64", "signature not reproducible")
    else:
        yield passed("NCP-SIGN-STRING", "signature reproduces from METHOD URI\\nTIMESTAMP\\nACCESSKEY")
        yield judge("NCP-SIG-BASE64", explanation.encoding == sig.ENCODING_BASE64, "standard base64 of the raw HMAC",
                    f"signature encoded as {explanation.encoding}")

    stamp = _timestamp(entry)
    if stamp is None:
        yield failed("NCP-TS-MILLIS", f"{HEADER_TIMESTAMP} {timestamp_header!r} is not a decimal number")
    else:
        _, in_ms = _as_millis(stamp, entry.time_ms)
        yield judge("NCP-TS-MILLIS", in_ms, f"timestamp {stamp} is milliseconds",
                    f"timestamp {stamp} is seconds (server time {entry.time_ms} ms)")

    content_type = (entry.header("Content-Type") or "").split(";")[0].strip().lower()
    yield judge("NCP-CONTENT-TYPE", content_type == "application/json", "Content-Type: application/json",
                f"Content-Type was {content_type!r}")
    try:
        body = json.loads(entry.body) if not entry.body_truncated else None
    except ValueError as error:  # JSONDecodeError, or a number past the int-digit limit
        yield failed("NCP-BODY-JSON", f"body is not JSON: {error}")
        return
    if body is None:
        yield not_evaluated("NCP-BODY-JSON", "body exceeds the journal limit")
        return
    yield judge_equal("NCP-BODY-JSON", SAMPLE_MAIL, body, "the JSON body")


@SUITE.check("NCP-SIGN-QUERY")
def signed_query(ctx: CheckContext) -> Iterator[Verdict]:
    """getMailList with a unicode filter: the signature must cover the query exactly as sent."""
    attempt = ctx.attempt(ctx.client.list_mails, SAMPLE_REQUEST_ID, SAMPLE_QUERY)
    entries = _entries(ctx, "GET", "/mails")
    if not entries:
        yield from _no_request(["NCP-SIGN-QUERY"], "GET .../mails", attempt)
        return
    entry = entries[0]
    if "?" not in entry.path or entry.path.endswith("?"):
        yield not_evaluated("NCP-SIGN-QUERY", f"the client sent no query string ({entry.path})")
        return
    explanation = _explain(entry, ctx.mock.config["secret_key"])
    if explanation is None:
        yield not_evaluated("NCP-SIGN-QUERY", "signature not reproducible from any URI variant")
        return
    yield judge("NCP-SIGN-QUERY", explanation.uri == sig.URI_AS_SENT, f"signed {entry.path!r} as sent",
                f"{'; '.join(explanation.mistakes())} (sent {entry.path!r})")


@SUITE.check("NCP-SIGN-NO-EMPTY-QUERY")
def signed_without_query(ctx: CheckContext) -> Iterator[Verdict]:
    """getMailRequestStatus has no query: the signed URI must be the path as sent."""
    attempt = ctx.attempt(ctx.client.request_status, SAMPLE_REQUEST_ID)
    entries = _entries(ctx, "GET", "/status")
    if not entries:
        yield from _no_request(["NCP-SIGN-NO-EMPTY-QUERY"], "GET .../status", attempt)
        return
    entry = entries[0]
    explanation = _explain(entry, ctx.mock.config["secret_key"])
    if explanation is None:
        yield not_evaluated("NCP-SIGN-NO-EMPTY-QUERY", "signature not reproducible from any URI variant")
        return
    yield judge("NCP-SIGN-NO-EMPTY-QUERY", explanation.uri == sig.URI_AS_SENT, f"signed {entry.path!r} as sent",
                f"{'; '.join(explanation.mistakes())} (sent {entry.path!r})")


@SUITE.check("NCP-TS-FRESH")
def fresh_timestamps(ctx: CheckContext) -> Iterator[Verdict]:
    """Timestamps are current and change over time.

    Two sends; if both carry the same timestamp, pause and send a third, which
    must carry a later one. The pause is 20 ms for a millisecond-precise value;
    for a whole-second value (a clock read in seconds, times 1000) it lasts
    until the real clock has passed the next whole second (at most ~1 s).
    """
    ctx.attempt(ctx.client.send, SAMPLE_MAIL)
    ctx.attempt(ctx.client.send, SAMPLE_MAIL)
    entries = _entries(ctx, "POST", "/mails")
    stamps = [_timestamp(e) for e in entries]
    if len(entries) < 2 or None in stamps:
        yield not_evaluated("NCP-TS-FRESH", f"{len(entries)} request(s) with timestamps {stamps}")
        return
    first_ms, _ = _as_millis(stamps[0], entries[0].time_ms)  # type: ignore[arg-type]
    age = entries[0].time_ms - first_ms
    if abs(age) > WINDOW_MS + 1000:
        yield failed("NCP-TS-FRESH", f"timestamp {stamps[0]} is {age / 1000:.0f} s away from the time it was sent")
        return
    if stamps[1] != stamps[0]:
        yield passed("NCP-TS-FRESH", f"timestamps {stamps[0]}, {stamps[1]} on consecutive requests")
        return
    time.sleep(_pause_s(first_ms))
    ctx.attempt(ctx.client.send, SAMPLE_MAIL)
    entries = _entries(ctx, "POST", "/mails")
    later = _timestamp(entries[-1]) if len(entries) >= 3 else None
    if later is None:
        yield not_evaluated("NCP-TS-FRESH", "the third request did not reach the mock")
        return
    gap = entries[-1].time_ms - entries[0].time_ms
    yield judge("NCP-TS-FRESH", later > stamps[0],  # type: ignore[operator]
                f"timestamps {stamps[0]} then {later}, {gap} ms apart",
                f"timestamp {later} unchanged on requests {gap} ms apart (taken once, not per request)")


@SUITE.check("NCP-SECRET-UTF8", secret_key=NON_ASCII_SECRET)
def secret_as_utf8(ctx: CheckContext) -> Iterator[Verdict]:
    """A secret with non-ASCII characters: the HMAC key must be its UTF-8 bytes."""
    attempt = ctx.attempt(ctx.client.send, SAMPLE_MAIL)
    entries = _entries(ctx, "POST", "/mails")
    if not entries:
        yield from _no_request(["NCP-SECRET-UTF8"], "POST /mails", attempt)
        return
    explanation = _explain(entries[0], NON_ASCII_SECRET)
    if explanation is None:
        yield not_evaluated("NCP-SECRET-UTF8", "signature not reproducible with the secret as UTF-8 or ISO-8859-1")
        return
    yield judge("NCP-SECRET-UTF8", explanation.secret == sig.SECRET_UTF8, "HMAC key = secret as UTF-8",
                f"HMAC key = secret as {explanation.secret}")


def _surfaces(ctx: CheckContext, requirement_id: str, status: int, kind: str) -> Iterator[Verdict]:
    ctx.mock.fault(status, path="*/mails")
    attempt = ctx.attempt(ctx.client.send, SAMPLE_MAIL)
    entries = _entries(ctx, "POST", "/mails")
    if not entries:
        yield not_evaluated(requirement_id, "no request reached the mock")
        return
    last = entries[-1]
    reported_success = attempt.ok and (last.status or 0) >= 400
    yield judge(requirement_id, not reported_success, f"client {attempt.describe()} after HTTP {last.status} ({kind})",
                f"client reported success although its last answer was HTTP {last.status} {last.error_code} ({kind})")


@SUITE.check("NCP-SURFACE-SERVICE-ERRORS")
def surfaces_service_error(ctx: CheckContext) -> Iterator[Verdict]:
    """The send is answered 400 / 77102: the client must not report success."""
    yield from _surfaces(ctx, "NCP-SURFACE-SERVICE-ERRORS", 400, "mailer error 77102")


@SUITE.check("NCP-SURFACE-GATEWAY-ERRORS")
def surfaces_gateway_error(ctx: CheckContext) -> Iterator[Verdict]:
    """The send is answered 401 / 200 Authentication Failed: the client must not report success."""
    yield from _surfaces(ctx, "NCP-SURFACE-GATEWAY-ERRORS", 401, "gateway error 200")
