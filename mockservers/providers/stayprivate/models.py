"""StayPrivate rules: authentication, the prepare / upload / delete / send state machine, validation.

Everything here raises :class:`Rejection` with a precise reason; nothing here
knows about HTTP beyond header values, parsed JSON and parsed form parts.

An email's life (seed, "Using the API"): prepared (``/prepare``, drafts may be
saved again, attachments uploaded, replaced and deleted) -> sent (``/send``),
after which nothing about it can change. ``POST /emails/send`` without a
reference creates and sends an email in one call, with no attachments.
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter, OrderedDict
from dataclasses import dataclass
from typing import Any, Mapping, NoReturn

from jwcrypto.jwk import JWK

from sealmail.mockservers.core import MockClock, MockConfig, Rejection
from sealmail.mockservers.core.validation import is_email
from sealmail.mockservers.crypto.jwt import JwtError, VerifiedJwt, verify_jwt

from . import spec
from .companies import Company, CompanyRegistry, KeyPair, key_pair_from_private_pem, make_company, parse_domains
from .emails import (
    ATTACHMENTS,
    COMPANY,
    PREPARED,
    REF,
    STATUS,
    Attachment,
    Email,
    EmailRecord,
    attachment_from_record,
    email_from_json,
    email_from_record,
    email_json,
    email_record,
    file_refs,
    flat_recipients,
    record_bytes,
)
from .test_keys import DEFAULT_PRIVATE_KEY_PEM
from .uploads import MultipartLimits, UploadForm


@dataclass(kw_only=True)
class StayPrivateConfig(MockConfig):
    """Settings of the stayprivate mock (all overridable from the CLI or fixtures)."""

    max_body_bytes: int = 12 * 1024 * 1024
    """Largest request body; an upload's multipart overhead rides on top of ``max_attachment_bytes``."""
    company_api_id: str = spec.DEFAULT_COMPANY_API_ID
    """The default company's API id (``SP-Company-Api-Id`` and the JWT ``iss``)."""
    company_domains: tuple[str, ...] = spec.DEFAULT_COMPANY_DOMAINS
    """The default company's sender domains (CLI: comma-separated)."""
    company_private_key_pem: str = DEFAULT_PRIVATE_KEY_PEM
    """The default company's RSA private key; its public half is registered. Default: the public test key."""
    company_public_key_pem: str = ""
    """When set, the default company registers this public key instead (its private key stays with the caller:
    a tenant created with ``{"public_key_pem": ...}``); ``/__mock__/config`` then shows no private key."""
    allowed_algorithms: tuple[str, ...] = spec.DEFAULT_ALGORITHMS
    """JWS algorithms accepted ("RS256 or similar"); a subset of the RSA ones (CLI: comma-separated)."""
    leeway_s: int = spec.DEFAULT_LEEWAY_S
    """Clock skew tolerated on exp / nbf / iat, seconds."""
    max_token_lifetime_s: int = 0
    """Refuse a token whose exp is further than this in the future; 0: no cap (the seed sets none)."""
    min_rsa_key_bits: int = spec.MIN_RSA_KEY_BITS
    """Smallest RSA key a company may register."""
    require_content_type: bool = True
    """JSON methods need Content-Type application/json, uploads multipart/form-data (seed: required headers)."""
    max_attachment_bytes: int = spec.DEFAULT_MAX_ATTACHMENT_BYTES
    max_attachments_per_email: int = spec.DEFAULT_MAX_ATTACHMENTS
    allow_empty_attachment: bool = False
    """Accept a 0-byte file (default: refused as ``attachment_invalid``)."""
    multipart_max_parts: int = 16
    """Parts one upload body may have; more is 422 ``multipart_too_many_parts`` (the seed's form has two;
    aiohttp parses each part's Content-Disposition twice at about 0.1-0.3 ms a time)."""
    multipart_max_part_headers: int = 16
    """Header lines one part may have; more is 422 ``multipart_too_many_part_headers``."""
    multipart_max_header_line_bytes: int = 4096
    """Bytes of one part header line (room for a 255-character file name percent-encoded); more is 422
    ``multipart_header_too_long``. aiohttp's parameter parser is quadratic in a line's length: keep it small."""
    sender_on_prepared_send: str = "reject"
    """``reject`` (422 sender_email_not_allowed) or ``ignore`` (journal warning) senderEmail on a prepared send."""
    draft_update: str = "replace"
    """Re-prepare: ``replace`` the draft (absent subject/body become empty) or ``merge`` (absent fields kept)."""
    unknown_fields: str = "ignore"
    """JSON fields the seed does not define: ``ignore`` (journal warning) or ``reject`` (422 invalid_request)."""
    allow_empty_list_items: bool = True
    """Tolerate empty items in address lists (a trailing ``;``); False: 422 invalid_recipients."""
    allow_subdomains: bool = False
    """Accept senders at subdomains of a company domain (``a@mail.example.com`` for ``example.com``)."""
    upload_latency_ms: int = 0
    """Hold each upload this long before storing it: makes "send before upload finished" observable."""
    send_during_upload: str = "accept"
    """A send while an upload of the same email is in flight: ``accept`` (journal warning) or ``reject`` (422)."""
    email_capacity: int = 10_000
    """Emails (with their attachment bytes) kept; the oldest are evicted beyond this."""
    email_max_bytes: int = 256 * 1024 * 1024
    """Bytes kept over all emails (attachments, subjects, bodies, recipients); the oldest other emails are
    evicted beyond this (docs/memory.md)."""

    @property
    def multipart_limits(self) -> MultipartLimits:
        return MultipartLimits(self.multipart_max_parts, self.multipart_max_part_headers, self.multipart_max_header_line_bytes)

    def __post_init__(self) -> None:
        if isinstance(self.company_domains, str):
            self.company_domains = parse_domains(self.company_domains)
        if isinstance(self.allowed_algorithms, str):
            self.allowed_algorithms = parse_domains(self.allowed_algorithms)
        self.company_domains = tuple(self.company_domains)
        self.allowed_algorithms = tuple(self.allowed_algorithms)
        if not self.allowed_algorithms or not set(self.allowed_algorithms) <= set(spec.DEFAULT_ALGORITHMS):
            raise ValueError(f"allowed_algorithms must be a non-empty subset of {', '.join(spec.DEFAULT_ALGORITHMS)}")
        _one_of("sender_on_prepared_send", self.sender_on_prepared_send, {"reject", "ignore"})
        _one_of("draft_update", self.draft_update, {"replace", "merge"})
        _one_of("unknown_fields", self.unknown_fields, {"ignore", "reject"})
        _one_of("send_during_upload", self.send_during_upload, {"accept", "reject"})
        for name in ("leeway_s", "max_token_lifetime_s", "upload_latency_ms", "min_rsa_key_bits"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative")
        if min(self.max_attachment_bytes, self.max_attachments_per_email, self.email_capacity, self.email_max_bytes) < 1:
            raise ValueError("max_attachment_bytes, max_attachments_per_email, email_capacity and email_max_bytes must be positive")
        if self.upload_latency_ms > 10_000:
            raise ValueError("upload_latency_ms must be at most 10000")
        if self.multipart_max_parts < 1 or self.multipart_max_part_headers < 1 or self.multipart_max_header_line_bytes < 256:
            raise ValueError("multipart_max_parts and multipart_max_part_headers must be positive, "
                             "multipart_max_header_line_bytes at least 256")


def _one_of(name: str, value: str, allowed: set[str]) -> None:
    if value not in allowed:
        raise ValueError(f"{name} must be one of {sorted(allowed)}, got {value!r}")


@dataclass(frozen=True)
class SendRequest:
    """A validated send body."""

    sender_email: str | None
    subject: str | None
    body: str | None
    recipients: dict[str, list[str]]
    warnings: tuple[str, ...]


class StayPrivateModel:
    """The stayprivate mock's state: companies, emails, attachments, uploads in flight."""

    def __init__(self, config: StayPrivateConfig, clock: MockClock) -> None:
        self.config = config
        self.clock = clock
        self.default_keys: KeyPair = key_pair_from_private_pem(config.company_private_key_pem)
        self.companies = CompanyRegistry()
        self._emails: OrderedDict[str, EmailRecord] = OrderedDict()  # flat tuples: see emails.py
        self._file_index: dict[str, str] = {}
        self._in_flight: Counter[str] = Counter()
        self._lock = threading.RLock()
        self.evicted_emails = 0
        self._sizes: dict[str, int] = {}
        self._retained_bytes = 0
        self.reset()

    # --- lifecycle ------------------------------------------------------
    def reset(self) -> None:
        """Only the default company, no emails."""
        with self._lock:
            self.companies.clear()
            self.companies.register(self.default_company())
            self._emails.clear()
            self._file_index.clear()
            self._in_flight.clear()
            self.evicted_emails = 0
            self._sizes.clear()
            self._retained_bytes = 0

    # --- persistence (serve --persist) ------------------------------------
    def snapshot(self) -> dict[str, Any]:
        """Companies, emails with their drafts and attachment bytes (base64), eviction count (JSON-able).

        Uploads in flight are not kept: a restart ends them.
        """
        with self._lock:
            emails = [email_json(email_from_record(record)) for record in self._emails.values()]
            evicted = self.evicted_emails
        companies = [
            {"api_id": c.api_id, "public_key_pem": c.public_key_pem, "domains": list(c.domains), "api_enabled": c.api_enabled}
            for c in self.companies.all()
        ]
        return {"companies": companies, "emails": emails, "evicted_emails": evicted}

    def restore(self, state: Mapping[str, Any]) -> None:
        """Take back a :meth:`snapshot`: a prepared draft can still be sent after a restart."""
        # Key sizes were checked at registration; a later, stricter min_rsa_key_bits does not drop a company.
        companies = [make_company(c["api_id"], c["public_key_pem"], c["domains"], api_enabled=c["api_enabled"], min_key_bits=0)
                     for c in state["companies"]]
        emails = [email_from_json(item) for item in state["emails"]]
        with self._lock:
            self.companies.clear()
            for company in companies:
                self.companies.register(company)
            self._emails = OrderedDict((email.email_ref, email_record(email)) for email in emails)
            self._file_index = {ref: email.email_ref for email in emails for ref in email.attachments}
            # The byte budget counts what is held now (a restart may also have lowered email_max_bytes).
            self._sizes = {ref: record_bytes(record) for ref, record in self._emails.items()}
            self._retained_bytes = sum(self._sizes.values())
            self._in_flight.clear()
            self.evicted_emails = int(state["evicted_emails"])

    def default_company(self) -> Company:
        return make_company(
            self.config.company_api_id,
            self.config.company_public_key_pem or self.default_keys.public_key_pem,
            list(self.config.company_domains),
            min_key_bits=self.config.min_rsa_key_bits,
        )

    # --- authentication (seed, "Authorisation") --------------------------
    def authenticate(self, company_header: str | None, authorization: str | None) -> tuple[Company, VerifiedJwt]:
        """``SP-Company-Api-Id`` names a registered company; the bearer JWT verifies against its key.

        Every failure after the headers are present is the single ``unauthorised``
        kind; the precise reason goes to the journal only.
        """
        company_id = (company_header or "").strip()
        if not company_id:
            raise Rejection(spec.MISSING_CREDENTIALS, "company_id_missing", detail=f"no {spec.HEADER_COMPANY_ID} header")
        if authorization is None or not authorization.strip():
            raise Rejection(spec.MISSING_CREDENTIALS, "auth_missing", detail="no Authorization header")
        scheme, _, token = authorization.strip().partition(" ")
        if scheme.lower() != spec.BEARER_SCHEME:
            raise Rejection(spec.MISSING_CREDENTIALS, "auth_scheme_not_bearer", detail=f"Authorization scheme {scheme[:20]!r}")
        token = token.strip()
        if not token:
            raise Rejection(spec.MISSING_CREDENTIALS, "token_missing", detail="Authorization: Bearer with no token")
        company = self.companies.get(company_id)
        if company is None or not company.api_enabled:
            # The token is still verified (against the default key, as a decoy) and its answer thrown away:
            # refusing at once answered ~0.1 ms sooner than a registered company's bad signature, which told
            # a caller which company ids exist (the same rule as ncp-mailer's unknown access key, docs/security.md).
            try:
                self._verify_token(token, self.default_keys.public_key, company_id)
            except JwtError:
                pass
            if company is None:
                raise Rejection(spec.UNAUTHORISED, "company_unknown", detail=f"{spec.HEADER_COMPANY_ID} {company_id[:80]!r} is not registered")
            raise Rejection(spec.UNAUTHORISED, "company_api_disabled", detail="company is not on the Unlimited Recipients tier")
        try:
            verified = self._verify_token(token, company.key, company.api_id)
        except JwtError as error:
            detail = error.detail or None
            if error.reason == "signature_invalid":
                detail = (f"{detail}: not signed by the key registered for {company.api_id!r} (the default company's is "
                          "private_key_pem in GET /__mock__/config; register your own public key: POST /__mock__/companies)")
            raise Rejection(spec.UNAUTHORISED, error.reason, detail=detail) from None
        return company, verified

    def _verify_token(self, token: str, key: JWK, issuer: str) -> VerifiedJwt:
        return verify_jwt(
            token,
            key,
            algorithms=self.config.allowed_algorithms,
            issuer=issuer,
            now_s=self.clock.now_s(),
            leeway_s=self.config.leeway_s,
            max_lifetime_s=self.config.max_token_lifetime_s or None,
        )

    # --- prepare (seed, "Prepare Email") ---------------------------------
    def prepare(self, company: Company, email_ref: str | None, payload: Any) -> tuple[Email, list[str]]:
        """New email (``email_ref`` None) or a new draft of a prepared one."""
        warnings = self._check_fields(payload, spec.PREPARE_FIELDS)
        sender = self._sender(company, payload, required=True)
        subject = _optional_text(payload, "emailSubject")
        body = _optional_text(payload, "emailBody")
        with self._lock:
            if email_ref is None:
                email = Email(
                    email_ref=_new_ref(),
                    company_api_id=company.api_id,
                    sender_email=sender or "",
                    subject=subject or "",
                    body=body or "",
                    status="prepared",
                    created_ms=self.clock.now_ms(),
                    prepared=True,
                )
                self._put(email)
                return email, warnings
            email = self._unsent_email(company, email_ref)
            email.sender_email = sender or email.sender_email
            if self.config.draft_update == "merge":
                email.subject = subject if subject is not None else email.subject
                email.body = body if body is not None else email.body
            else:  # "save a new draft": the draft sent now is the draft
                email.subject, email.body = subject or "", body or ""
            email.drafts += 1
            self._put(email)
            return email, warnings

    # --- attachments (seed, "Upload Attachment", "Delete Attachment") ----
    def check_uploadable(self, company: Company, email_ref: str, file_ref: str | None) -> None:
        """Before the upload body is even looked at: the email and file must be there and unsent."""
        with self._lock:
            record = self._unsent_record(company, email_ref)
            if file_ref is not None and file_ref not in file_refs(record):
                self._missing_attachment(record[REF], file_ref)

    def begin_upload(self, email_ref: str) -> None:
        with self._lock:
            self._in_flight[email_ref] += 1

    def end_upload(self, email_ref: str) -> None:
        with self._lock:
            self._in_flight[email_ref] -= 1
            if self._in_flight[email_ref] <= 0:
                del self._in_flight[email_ref]

    def uploads_in_flight(self, email_ref: str) -> int:
        with self._lock:
            return self._in_flight.get(email_ref, 0)

    def upload(self, company: Company, email_ref: str, file_ref: str | None, form: UploadForm, *, was_unsent: bool = True) -> Attachment:
        """Store a new attachment, or replace the bytes and flag of an existing one."""
        with self._lock:
            email = self._email(company, email_ref)
            if email.status == "sent":
                reason = "email_sent_during_upload" if was_unsent else "email_already_sent"
                raise Rejection(spec.EMAIL_ALREADY_SENT, reason, detail=f"emailRef {email_ref} was sent")
            now = self.clock.now_ms()
            if file_ref is not None:
                attachment = self._attachment(email, file_ref)
                attachment.file_name = form.file.file_name
                attachment.content_type = form.file.content_type
                attachment.data = form.file.data
                attachment.sha256 = form.file.sha256
                attachment.esign = form.esign
                attachment.uploaded_ms = now
                attachment.versions += 1
                self._put(email)
                return attachment
            if len(email.attachments) >= self.config.max_attachments_per_email:
                raise Rejection(spec.TOO_MANY_ATTACHMENTS, "too_many_attachments",
                                detail=f"{len(email.attachments)} attachments, at most {self.config.max_attachments_per_email}")
            attachment = Attachment(
                file_ref=_new_ref(),
                file_name=form.file.file_name,
                content_type=form.file.content_type,
                data=form.file.data,
                sha256=form.file.sha256,
                esign=form.esign,
                uploaded_ms=now,
            )
            email.attachments[attachment.file_ref] = attachment
            self._file_index[attachment.file_ref] = email.email_ref
            self._put(email)
            return attachment

    def delete_attachment(self, company: Company, email_ref: str, file_ref: str) -> Email:
        """seed: "An attachment can only be deleted if the the email has not yet been sent"."""
        with self._lock:
            email = self._unsent_email(company, email_ref)
            self._attachment(email, file_ref)
            del email.attachments[file_ref]
            self._put(email)
            self._file_index.pop(file_ref, None)
            return email

    # --- send (seed, "Send Email") ----------------------------------------
    def send_new(self, company: Company, payload: Any) -> tuple[Email, SendRequest]:
        """One call: "The email address of the sender (senderEmail) is required for a new email"."""
        request = self.parse_send(company, payload, prepared=False)
        with self._lock:
            now = self.clock.now_ms()
            ref, sender, subject, body = _new_ref(), request.sender_email or "", request.subject or "", request.body or ""
            # The record straight from the request (the hot path: the bench profile's request), the Email beside it.
            record = (ref, company.api_id, sender, subject, body, "sent", now, False, 0, (), flat_recipients(request.recipients), now)
            self._emails[ref] = record
            self._account(record)
            email = Email(ref, company.api_id, sender, subject, body, "sent", now, False, 0, OrderedDict(), request.recipients, now)
            return email, request

    def send_prepared(self, company: Company, email_ref: str, payload: Any) -> tuple[Email, SendRequest, int]:
        """Send a prepared email; returns it, the request, and how many uploads were still in flight."""
        with self._lock:
            self._unsent_record(company, email_ref)
        request = self.parse_send(company, payload, prepared=True)
        with self._lock:
            email = self._unsent_email(company, email_ref)
            in_flight = self._in_flight.get(email_ref, 0)
            if in_flight and self.config.send_during_upload == "reject":
                raise Rejection(spec.UPLOAD_IN_PROGRESS, "send_while_upload_in_flight",
                                detail=f"{in_flight} upload(s) of {email_ref} not finished")
            if request.subject is not None:
                email.subject = request.subject
            if request.body is not None:
                email.body = request.body
            email.recipients = request.recipients
            email.status = "sent"
            email.sent_ms = self.clock.now_ms()
            self._put(email)
            return email, request, in_flight

    def parse_send(self, company: Company, payload: Any, *, prepared: bool) -> SendRequest:
        warnings = list(self._check_fields(payload, spec.SEND_FIELDS))
        sender: str | None = None
        if prepared:
            if payload.get("senderEmail") not in (None, ""):
                # seed: senderEmail "should not be specified for an email which has already been prepared".
                if self.config.sender_on_prepared_send == "reject":
                    raise Rejection(spec.SENDER_EMAIL_NOT_ALLOWED, "sender_on_prepared_send", field="senderEmail")
                warnings.append("sender_on_prepared_send_ignored")
        else:
            sender = self._sender(company, payload, required=True)
        recipients, list_warnings = self._recipients(payload)
        return SendRequest(
            sender_email=sender,
            subject=_optional_text(payload, "emailSubject"),
            body=_optional_text(payload, "emailBody"),
            recipients=recipients,
            warnings=tuple(warnings + list_warnings),
        )

    # --- inspection ---------------------------------------------------------
    def emails(self) -> list[Email]:
        with self._lock:
            records = list(self._emails.values())
        return [email_from_record(record) for record in records]

    def email(self, email_ref: str) -> Email | None:
        with self._lock:
            record = self._emails.get(email_ref)
        return email_from_record(record) if record is not None else None

    def attachment_bytes(self, email_ref: str, file_ref: str) -> Attachment | None:
        with self._lock:
            record = self._emails.get(email_ref)
        return attachment_from_record(record, file_ref) if record is not None else None

    # --- internals ------------------------------------------------------------
    def _put(self, email: Email) -> None:
        """Keep ``email`` as one flat tuple (new, or replacing its old tuple in place), then account for it."""
        record = email_record(email)
        self._emails[email.email_ref] = record
        self._account(record)

    def _account(self, record: EmailRecord) -> None:
        """Count an email's bytes again after a change, then evict past the budgets (never that email itself)."""
        keep = record[REF]
        size = record_bytes(record)
        self._retained_bytes += size - self._sizes.get(keep, 0)
        self._sizes[keep] = size
        while len(self._emails) > 1 and (
            len(self._emails) > self.config.email_capacity or self._retained_bytes > self.config.email_max_bytes
        ):
            oldest_ref = next(iter(self._emails))
            if oldest_ref == keep:
                self._emails.move_to_end(keep)  # the email being written stays; the next oldest goes
                continue
            evicted = self._emails.pop(oldest_ref)
            for attachment in evicted[ATTACHMENTS]:
                self._file_index.pop(attachment[0], None)
            self._retained_bytes -= self._sizes.pop(oldest_ref, 0)
            self.evicted_emails += 1

    def _record(self, company: Company, email_ref: str) -> EmailRecord:
        record = self._emails.get(email_ref)
        if record is None:
            raise Rejection(spec.EMAIL_NOT_FOUND, "email_ref_unknown", detail=f"emailRef {email_ref[:80]!r}")
        if record[COMPANY] != company.api_id:
            raise Rejection(spec.EMAIL_NOT_FOUND, "email_ref_other_company", detail=f"emailRef {email_ref} belongs to another company")
        return record

    def _unsent_record(self, company: Company, email_ref: str) -> EmailRecord:
        record = self._record(company, email_ref)
        if record[STATUS] == "sent":
            reason = "email_already_sent" if record[PREPARED] else "email_sent_without_prepare"
            raise Rejection(spec.EMAIL_ALREADY_SENT, reason, detail=f"emailRef {email_ref} was sent")
        return record

    def _email(self, company: Company, email_ref: str) -> Email:
        """A copy of the email to change and :meth:`_put` back."""
        return email_from_record(self._record(company, email_ref))

    def _unsent_email(self, company: Company, email_ref: str) -> Email:
        return email_from_record(self._unsent_record(company, email_ref))

    def _attachment(self, email: Email, file_ref: str) -> Attachment:
        attachment = email.attachments.get(file_ref)
        if attachment is None:
            self._missing_attachment(email.email_ref, file_ref)
        return attachment

    def _missing_attachment(self, email_ref: str, file_ref: str) -> NoReturn:
        owner = self._file_index.get(file_ref)
        reason = "file_ref_other_email" if owner is not None else "file_ref_unknown"
        raise Rejection(spec.FILE_NOT_FOUND, reason, detail=f"fileRef {file_ref[:80]!r} on emailRef {email_ref}")

    def _check_fields(self, payload: Any, known: frozenset[str]) -> list[str]:
        if not isinstance(payload, dict):
            raise Rejection(spec.INVALID_JSON, "body_not_object", detail=f"JSON {type(payload).__name__}")
        unknown = sorted(name for name in payload if name not in known)
        if unknown and self.config.unknown_fields == "reject":
            raise Rejection(spec.INVALID_REQUEST, "unknown_field", field=unknown[0], message=f"Unknown parameter {unknown[0]}")
        return [f"unknown_field:{name}" for name in unknown]

    def _sender(self, company: Company, payload: dict[str, Any], *, required: bool) -> str | None:
        sender = payload.get("senderEmail")
        if sender is None or sender == "":
            if required:
                raise Rejection(spec.SENDER_EMAIL_REQUIRED, "sender_email_missing", field="senderEmail")
            return None
        if not isinstance(sender, str):
            raise Rejection(spec.SENDER_EMAIL_INVALID, "sender_email_type", field="senderEmail", detail=type(sender).__name__)
        sender = sender.strip()
        if not is_email(sender):
            raise Rejection(spec.SENDER_EMAIL_INVALID, "sender_email_invalid", field="senderEmail", detail=repr(sender[:80]))
        domain = sender.rsplit("@", 1)[1].lower()
        if not self._domain_allowed(company, domain):
            raise Rejection(spec.SENDER_DOMAIN_NOT_ALLOWED, "sender_domain_not_allowed", field="senderEmail",
                            detail=f"{domain} not in {list(company.domains)}")
        return sender

    def _domain_allowed(self, company: Company, domain: str) -> bool:
        if company.owns_domain(domain):
            return True
        return self.config.allow_subdomains and any(domain.endswith("." + d) for d in company.domains)

    def _recipients(self, payload: dict[str, Any]) -> tuple[dict[str, list[str]], list[str]]:
        """seed: each list is "a semi-colon separated" string of addresses; at least one recipient overall."""
        lists: dict[str, list[str]] = {}
        warnings: list[str] = []
        for name in spec.ADDRESS_LIST_FIELDS:
            value = payload.get(name)
            if value is None:
                lists[name] = []
                continue
            if not isinstance(value, str):
                raise Rejection(spec.INVALID_RECIPIENTS, "address_list_type", field=name,
                                detail=f"{name} is {type(value).__name__}; the seed wants a semicolon-separated string")
            items = [item.strip() for item in value.split(spec.ADDRESS_SEPARATOR)]
            addresses: list[str] = []
            for index, item in enumerate(items):
                if not item:
                    if self.config.allow_empty_list_items:
                        continue
                    raise Rejection(spec.INVALID_RECIPIENTS, "address_list_empty_item", field=name, detail=f"item {index} is empty")
                if not is_email(item):
                    reason = "address_list_comma_separated" if "," in item else "address_invalid"
                    raise Rejection(spec.INVALID_RECIPIENTS, reason, field=name, detail=f"item {index}: {item[:80]!r}")
                addresses.append(item)
            lists[name] = addresses
        everyone = [a.lower() for items in lists.values() for a in items]
        if not everyone:
            raise Rejection(spec.NO_RECIPIENTS, "no_recipients", detail="emailToList, emailCcList and emailBccList are all empty")
        if len(set(everyone)) != len(everyone):
            warnings.append("duplicate_recipients")
        return lists, warnings


def _optional_text(payload: dict[str, Any], name: str) -> str | None:
    value = payload.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise Rejection(spec.INVALID_REQUEST, f"{name}_type", field=name, message=f"{name} must be a string",
                        detail=type(value).__name__)
    return value


def _new_ref() -> str:
    """[open] References are opaque to clients; the mock uses UUID4 text."""
    return str(uuid.uuid4())
