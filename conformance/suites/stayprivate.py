"""StayPrivate conformance checks (requirements in conformance/requirements/stayprivate.py).

A client under test implements :class:`StayPrivateAdapter`: ``send_email(message)``
with an :class:`~sealmail.conformance.clients.stayprivate.EmailMessage`, running whatever
calls it needs. Every verdict is judged from the journal: the headers and
token of each request, the JSON bodies, the multipart parts the mock parsed
(``form_fields`` notes), and the order in which requests started and finished.

How flow order is observed (SP-FLOW-ORDER): the check runs on a mock with
``upload_latency_ms`` set, so every upload stays "in flight" for a while after
its body arrived. A client that sends before its uploads finished is caught
by any of: the send's ``send_while_upload_in_flight`` warning (send began while
an upload of the same emailRef was being stored), an upload rejected because
the email was sent meanwhile or before it began, a send that started after an
upload started but finished before it (journal ids are given when a request
starts, entries are listed when it finishes), or a sent email holding fewer
attachments than the caller asked for.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Iterator, Protocol

from sealmail.conformance.clients.stayprivate import EmailMessage, OutgoingAttachment, StayPrivateClient
from sealmail.conformance.framework import CheckContext, Suite, Verdict, failed, judge, not_evaluated, passed
from sealmail.conformance.requirements.stayprivate import REQUIREMENTS
from sealmail.mockservers.core import JournalEntry
from sealmail.mockservers.core.validation import is_email
from sealmail.mockservers.crypto.jwt import JwtError, load_rsa_public_key, peek, verify_jws

API_BASE = "/1.0/emails"
SEND_NEW = API_BASE + "/send"
MAX_LIFETIME_S = 3600
"""SP-JWT-LIFETIME: the longest ``exp - request time`` that counts as short-lived."""
FLOW_UPLOAD_LATENCY_MS = 150
"""How long the flow-order check's mock holds each upload before storing it."""
UPLOAD_FORMAT_REASONS = frozenset({
    "content_type_not_multipart", "multipart_no_boundary", "multipart_unparsable", "multipart_part_not_form_data",
    "multipart_part_unnamed", "multipart_empty", "attachment_field_missing", "attachment_multiple", "attachment_not_a_file",
    "attachment_filename_empty", "attachment_too_large", "attachment_empty", "esign_flag_invalid", "esign_flag_repeated",
})
ORDER_REASONS = frozenset({"email_sent_during_upload", "email_already_sent", "email_sent_without_prepare"})


class StayPrivateAdapter(Protocol):
    """What a client under test provides (the method may be ``async``)."""

    def send_email(self, message: EmailMessage) -> Any:
        """Send one email, with its attachments if any. Return anything on success; raise on failure."""


def reference_client(base_url: str, config: dict[str, Any]) -> StayPrivateClient:
    """The reference client (its ``send_email`` fits the adapter as it is)."""
    return StayPrivateClient(base_url, config["company_api_id"], config["private_key_pem"])


SUITE = Suite("stayprivate", REQUIREMENTS, reference_client, StayPrivateAdapter)


# --- the messages the checks send ------------------------------------------------
def plain_message(config: dict[str, Any]) -> EmailMessage:
    return EmailMessage(
        sender_email=config["sender_email"],
        to=("ann@example.org", "bob@example.net"),
        cc=("cy@example.org",),
        bcc=("dee@example.org",),
        subject="Conformance ✓ one call",
        body="<p>Grüße — 🌍 李</p>",
    )


def attachment_message(config: dict[str, Any]) -> EmailMessage:
    return EmailMessage(
        sender_email=config["sender_email"],
        to=("eve@example.org",),
        bcc=("fay@example.net", "gus@example.org"),
        subject="Conformance ✓ attachments",
        body="Please sign the contract.",
        attachments=(
            OutgoingAttachment("contract.pdf", b"%PDF-1.7\n" + bytes(range(256)) * 8 + b"\n%%EOF", "application/pdf", esign=True),
            OutgoingAttachment("notes.txt", "Notizen für später ✓\r\n".encode("utf-8"), "text/plain", esign=False),
        ),
    )


# --- journal helpers ------------------------------------------------------------------
def _kind(entry: JournalEntry) -> str:
    path = entry.path.split("?", 1)[0]
    if entry.method == "DELETE":
        return "delete"
    if path.endswith("/prepare"):
        return "prepare"
    if path.endswith("/upload"):
        return "upload"
    if path.endswith("/send"):
        return "send_new" if path == SEND_NEW else "send_prepared"
    return "other"


def _token(entry: JournalEntry) -> str | None:
    scheme, _, token = (entry.header("Authorization") or "").strip().partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _json_body(entry: JournalEntry) -> dict[str, Any] | None:
    try:
        value = json.loads(entry.body)
    except (json.JSONDecodeError, ValueError):
        return None
    return value if isinstance(value, dict) and not entry.body_truncated else None


def _numeric(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _first_problem(problems: list[str], what: str, count: int) -> tuple[bool, str, str]:
    return not problems, f"{count} request(s): {what}", problems[0] if problems else ""


# --- checks -------------------------------------------------------------------------------
MESSAGE_REQUIREMENTS = (
    "SP-HDR-COMPANY", "SP-HDR-BEARER", "SP-CONTENT-TYPE", "SP-JWT-ISS", "SP-JWT-EXP", "SP-JWT-ALG", "SP-JWT-LIFETIME",
    "SP-UPLOAD-FIELD", "SP-UPLOAD-ESIGN", "SP-SEND-SENDER", "SP-ADDR-LIST", "SP-PAYLOAD-FAITHFUL",
)


@SUITE.check(*MESSAGE_REQUIREMENTS, journal_body_limit=1 << 20)
def two_emails(ctx: CheckContext) -> Iterator[Verdict]:
    """One email without attachments, one with two; judge every request the mock saw."""
    config = ctx.mock.config
    plain, with_files = plain_message(config), attachment_message(config)
    first = ctx.attempt(ctx.client.send_email, plain)
    second = ctx.attempt(ctx.client.send_email, with_files)
    entries = ctx.mock.requests()
    if not entries:
        for rid in MESSAGE_REQUIREMENTS:
            yield failed(rid, f"no request reached the mock (client {first.describe()}; {second.describe()})")
        return
    yield from _headers(entries, config)
    yield from _tokens(entries, config)
    yield from _uploads(entries, with_files)
    yield from _send_bodies(entries, plain, with_files)
    yield _faithful(ctx, entries, plain, with_files)


def _headers(entries: list[JournalEntry], config: dict[str, Any]) -> Iterator[Verdict]:
    company = config["company_api_id"]
    wrong = [f"#{e.id} {e.path}: SP-Company-Api-Id {e.header('SP-Company-Api-Id')!r}" for e in entries
             if e.header("SP-Company-Api-Id") != company]
    yield judge("SP-HDR-COMPANY", *_first_problem(wrong, f"SP-Company-Api-Id: {company}", len(entries)))
    bad_auth = []
    for e in entries:
        token = _token(e)
        if token is None or token.count(".") != 2:
            bad_auth.append(f"#{e.id} {e.path}: Authorization {(e.header('Authorization') or '')[:40]!r}")
    yield judge("SP-HDR-BEARER", *_first_problem(bad_auth, "Authorization: Bearer <compact JWS>", len(entries)))
    wrong_type = []
    for e in entries:
        content_type = (e.header("Content-Type") or "").split(";")[0].strip().lower()
        wanted = {"upload": "multipart/form-data", "prepare": "application/json", "send_new": "application/json",
                  "send_prepared": "application/json"}.get(_kind(e))
        if wanted is not None and content_type != wanted:
            wrong_type.append(f"#{e.id} {e.path}: Content-Type {content_type!r}, expected {wanted}")
    yield judge("SP-CONTENT-TYPE", *_first_problem(wrong_type, "JSON calls application/json, uploads multipart/form-data", len(entries)))


def _tokens(entries: list[JournalEntry], config: dict[str, Any]) -> Iterator[Verdict]:
    key = load_rsa_public_key(config["public_key_pem"], min_bits=0)
    company = config["company_api_id"]
    tokens = [(e, _token(e)) for e in entries if _token(e)]
    if not tokens:
        for rid in ("SP-JWT-ISS", "SP-JWT-EXP", "SP-JWT-ALG", "SP-JWT-LIFETIME"):
            yield not_evaluated(rid, "no bearer token to judge (see SP-HDR-BEARER)")
        return
    iss_problems, exp_problems, alg_problems, lifetime_problems = [], [], [], []
    lifetimes = []
    for entry, token in tokens:
        assert token is not None
        claims = peek(token).claims
        sent_s = entry.time_ms / 1000
        if claims is None:
            iss_problems.append(f"#{entry.id}: token payload is not a JSON object")
            exp_problems.append(f"#{entry.id}: token payload is not a JSON object")
        else:
            if claims.get("iss") != company:
                iss_problems.append(f"#{entry.id}: iss {str(claims.get('iss'))[:60]!r}, expected {company!r}")
            exp = claims.get("exp")
            if not _numeric(exp):
                exp_problems.append(f"#{entry.id}: exp {'missing' if exp is None else repr(exp)[:40]}")
            elif exp <= sent_s:
                exp_problems.append(f"#{entry.id}: exp {exp} is {sent_s - exp:.0f}s before the request")
            elif exp - sent_s > MAX_LIFETIME_S + int(config.get("leeway_s", 30)):
                lifetime_problems.append(f"#{entry.id}: exp is {exp - sent_s:.0f}s after the request (over {MAX_LIFETIME_S}s)")
            else:
                lifetimes.append(exp - sent_s)
        try:
            verify_jws(token, key, algorithms=config["algorithms"])
        except JwtError as error:
            alg = (peek(token).header or {}).get("alg")
            alg_problems.append(f"#{entry.id}: alg {alg!r}: {error.reason}")
    yield judge("SP-JWT-ISS", *_first_problem(iss_problems, f"iss = {company}", len(tokens)))
    yield judge("SP-JWT-EXP", *_first_problem(exp_problems, "numeric exp in the future", len(tokens)))
    yield judge("SP-JWT-ALG", *_first_problem(alg_problems, "RSA signature verifies with the registered key", len(tokens)))
    if lifetime_problems:
        yield failed("SP-JWT-LIFETIME", lifetime_problems[0])
    elif lifetimes:
        yield passed("SP-JWT-LIFETIME", f"exp at most {max(lifetimes):.0f}s after each request")
    else:
        yield not_evaluated("SP-JWT-LIFETIME", "no token with a usable exp (see SP-JWT-EXP)")


def _uploads(entries: list[JournalEntry], message: EmailMessage) -> Iterator[Verdict]:
    parsed = [e for e in entries if _kind(e) == "upload" and "form_fields" in e.details]
    if not parsed:
        reason = "no upload reached multipart parsing (see SP-FLOW-ORDER, SP-CONTENT-TYPE and the SP-JWT requirements)"
        yield not_evaluated("SP-UPLOAD-FIELD", reason)
        yield not_evaluated("SP-UPLOAD-ESIGN", reason)
        return
    wanted = {a.file_name: a for a in message.attachments}
    field_problems, esign_problems, judged = [], [], 0
    for entry in parsed:
        parts = entry.details["form_fields"]
        names = [(p["name"], p["filename"]) for p in parts]
        if not any(p["name"] == "emailAttachment" and p["filename"] for p in parts):
            field_problems.append(f"#{entry.id}: parts {names}, no file part named emailAttachment")
        file_part = next((p for p in parts if p["filename"] in wanted), None)
        if file_part is None:
            continue
        judged += 1
        flags = [p.get("value") for p in parts if p["name"] == "reqESignFlag"]
        esign = wanted[file_part["filename"]].esign
        ok = flags == ["Y"] if esign else flags in ([], ["N"])
        if not ok:
            esign_problems.append(f"#{entry.id} {file_part['filename']}: reqESignFlag {flags}, expected {'Y' if esign else 'N or absent'}")
    yield judge("SP-UPLOAD-FIELD", *_first_problem(field_problems, "file part emailAttachment with a file name", len(parsed)))
    if judged:
        yield judge("SP-UPLOAD-ESIGN", *_first_problem(esign_problems, "reqESignFlag Y for e-sign, N/absent otherwise", judged))
    else:
        yield not_evaluated("SP-UPLOAD-ESIGN", "no upload carried one of the requested file names (see SP-PAYLOAD-FAITHFUL)")


def _send_bodies(entries: list[JournalEntry], plain: EmailMessage, with_files: EmailMessage) -> Iterator[Verdict]:
    sends = [(e, _json_body(e)) for e in entries if _kind(e) in {"send_new", "send_prepared"}]
    sends = [(e, body) for e, body in sends if body is not None]
    if not sends:
        yield not_evaluated("SP-SEND-SENDER", "no send request with a JSON object body")
        yield not_evaluated("SP-ADDR-LIST", "no send request with a JSON object body")
        return
    sender_problems = []
    for entry, body in sends:
        sender = body.get("senderEmail")
        if _kind(entry) == "send_new" and not (isinstance(sender, str) and sender):
            sender_problems.append(f"#{entry.id} new email sent without senderEmail")
        if _kind(entry) == "send_prepared" and sender not in (None, ""):
            sender_problems.append(f"#{entry.id} prepared email sent with senderEmail {str(sender)[:60]!r}")
    yield judge("SP-SEND-SENDER", *_first_problem(sender_problems, "senderEmail on new sends only", len(sends)))
    list_problems = []
    for entry, body in sends:
        for name in ("emailToList", "emailCcList", "emailBccList"):
            if name not in body or body[name] is None:
                continue
            value = body[name]
            if not isinstance(value, str):
                list_problems.append(f"#{entry.id} {name} is a JSON {type(value).__name__}, not a string")
                continue
            items = [item.strip() for item in value.split(";") if item.strip()]
            bad = [item for item in items if not is_email(item)]
            if bad:
                list_problems.append(f"#{entry.id} {name} {value[:80]!r}: {bad[0][:60]!r} is not one address")
    yield judge("SP-ADDR-LIST", *_first_problem(list_problems, "semicolon-separated address strings", len(sends)))


def _faithful(ctx: CheckContext, entries: list[JournalEntry], plain: EmailMessage, with_files: EmailMessage) -> Verdict:
    problems: list[str] = []
    judged = 0
    for message in ctx.mock.messages():
        payload = message.payload
        wanted = with_files if payload.get("prepared") else plain
        judged += 1
        expected = {
            "senderEmail": wanted.sender_email,
            "emailSubject": wanted.subject or "",
            "emailBody": wanted.body or "",
            "recipients": {"emailToList": list(wanted.to), "emailCcList": list(wanted.cc), "emailBccList": list(wanted.bcc)},
        }
        for name, value in expected.items():
            if payload.get(name) != value:
                problems.append(f"email {message.message_id}: {name} {str(payload.get(name))[:80]!r}, asked for {str(value)[:80]!r}")
    files = {a.file_name: a for a in with_files.attachments}
    for entry in entries:
        upload = entry.details.get("upload")
        if _kind(entry) != "upload" or not isinstance(upload, dict):
            continue
        judged += 1
        asked = files.get(upload["fileName"])
        if asked is None:
            problems.append(f"#{entry.id}: uploaded file name {upload['fileName']!r} was not asked for")
        elif (upload["contentType"], upload["sha256"]) != (asked.content_type, hashlib.sha256(asked.data).hexdigest()):
            problems.append(f"#{entry.id} {asked.file_name}: content type {upload['contentType']!r} / bytes differ from what was asked")
    if not judged:
        return not_evaluated("SP-PAYLOAD-FAITHFUL", "no email was stored and no upload was parsed")
    return judge("SP-PAYLOAD-FAITHFUL", not problems, f"{judged} stored email(s) / upload(s) match what was asked",
                 problems[0] if problems else "")


@SUITE.check("SP-FLOW-ORDER", upload_latency_ms=FLOW_UPLOAD_LATENCY_MS)
def flow_order(ctx: CheckContext) -> Iterator[Verdict]:
    """An email with two attachments on a mock whose uploads take a while: every upload must finish before the send."""
    message = attachment_message(ctx.mock.config)
    attempt = ctx.attempt(ctx.client.send_email, message)
    entries = ctx.mock.requests()
    if not entries:
        yield failed("SP-FLOW-ORDER", f"no request reached the mock (client {attempt.describe()})")
        return
    if any(e.status == 401 for e in entries):
        yield not_evaluated("SP-FLOW-ORDER", "requests were refused at authentication (see the SP-JWT requirements)")
        return
    if any(_kind(e) == "upload" and e.reason in UPLOAD_FORMAT_REASONS for e in entries):
        yield not_evaluated("SP-FLOW-ORDER", "an upload was refused for its format (see SP-UPLOAD-FIELD, SP-CONTENT-TYPE)")
        return
    position = {e.id: index for index, e in enumerate(entries)}
    prepares = [e for e in entries if _kind(e) == "prepare" and e.accepted]
    if not prepares:
        used = sorted({_kind(e) for e in entries})
        yield failed("SP-FLOW-ORDER", f"the email with attachments was never prepared (calls made: {used})")
        return
    email_ref = prepares[0].details.get("email_ref")
    mine = [e for e in entries if e.details.get("email_ref") == email_ref]
    uploads = [e for e in mine if _kind(e) == "upload"]
    sends = [e for e in mine if _kind(e) == "send_prepared"]
    problems = []
    for send in sends:
        if "send_while_upload_in_flight" in send.warnings:
            problems.append(f"send #{send.id} started while {send.details.get('uploads_in_flight')} upload(s) were still in flight")
        for upload in uploads:
            if send.id > upload.id and position[send.id] < position[upload.id]:
                problems.append(f"send #{send.id} started after upload #{upload.id} started but finished before it")
    for upload in uploads:
        if upload.reason in ORDER_REASONS:
            problems.append(f"upload #{upload.id} refused: {upload.reason} (the email was sent first)")
    accepted_uploads = [u for u in uploads if u.accepted]
    if not any(s.accepted for s in sends):
        problems.append(f"the prepared email {email_ref} was never sent (sends: {[s.summary() for s in sends][:2]})")
    if len(accepted_uploads) < len(message.attachments):
        problems.append(f"{len(accepted_uploads)} of {len(message.attachments)} attachments uploaded")
    stored = [m for m in ctx.mock.messages() if m.message_id == email_ref]
    if stored and len(stored[0].payload.get("attachments", [])) < len(message.attachments):
        problems.append(f"the sent email carries {len(stored[0].payload['attachments'])} of {len(message.attachments)} attachments")
    yield judge("SP-FLOW-ORDER", not problems,
                f"prepare -> {len(accepted_uploads)} finished upload(s) -> send of {email_ref}",
                problems[0] if problems else "")


@SUITE.check("SP-SURFACE-401")
def surfaces_401(ctx: CheckContext) -> Iterator[Verdict]:
    """The first call is answered 401: the client must not report success on that answer."""
    ctx.mock.fault(401, path=API_BASE + "/*")
    yield _surfaces(ctx, "SP-SURFACE-401")


@SUITE.check("SP-SURFACE-422")
def surfaces_422(ctx: CheckContext) -> Iterator[Verdict]:
    """The first call is answered 422: the client must not report success on that answer."""
    ctx.mock.fault(422, path=API_BASE + "/*")
    yield _surfaces(ctx, "SP-SURFACE-422")


def _surfaces(ctx: CheckContext, requirement_id: str) -> Verdict:
    attempt = ctx.attempt(ctx.client.send_email, plain_message(ctx.mock.config))
    entries = ctx.mock.requests()
    if not entries:
        return not_evaluated(requirement_id, "no request reached the mock")
    last = entries[-1]
    return judge(requirement_id, not (attempt.ok and (last.status or 0) >= 400),
                 f"client {attempt.describe()} after HTTP {entries[0].status}",
                 f"client reported success although its last answer was HTTP {last.status}")


@SUITE.check("SP-NO-RETRY-4XX")
def no_retry_on_4xx(ctx: CheckContext) -> Iterator[Verdict]:
    """Three 422s, then (after a reset) three 401s scripted: a correct client stops after the first each time."""
    counts = {}
    for status in (422, 401):
        ctx.mock.reset()
        ctx.mock.fault(status, times=3, path=API_BASE + "/*")
        ctx.attempt(ctx.client.send_email, plain_message(ctx.mock.config))
        counts[status] = len(ctx.mock.requests())
    yield judge("SP-NO-RETRY-4XX", all(c == 1 for c in counts.values()), "one request each after 422 and 401",
                f"requests after a 4xx: {counts} (a 4xx was retried)")
