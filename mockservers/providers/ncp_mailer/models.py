"""The ncp-mailer mock's config and state: credentials, templates, mail requests and their mails.

Delivery is simulated: a mail is "S" (sent successfully) as soon as it is
accepted, "R" (ready) while its reservation lies ahead of the mock clock or
while it waits for confirmation (``confirmAndSend``), and whatever a test sets
through :meth:`NcpMailerModel.set_mail_status` (``POST /__mock__/mails/{id}/status``).

What the model keeps per request and per mail is one flat tuple of atomic values (a
recipient's parameters as name/value pairs): tuples the garbage collector stops tracking,
so a full store does not lengthen every full collection (issue 16). :class:`Mail` and
:class:`MailRequest` are rebuilt from them on each read; a status override replaces the
stored tuple.
"""

from __future__ import annotations

import functools
import itertools
import secrets
import sys
import threading
from collections import OrderedDict
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from types import MappingProxyType
from typing import Any, Final, Mapping

from sealmail.mockservers.core import MockClock, MockConfig
from sealmail.mockservers.core.registry_caps import check_room, text_bytes

from . import spec
from .gateway import GatewayRules
from .validation import DraftRules, MailDraft, Recipient, Template


@dataclass(kw_only=True)
class NcpMailerConfig(MockConfig):
    """Settings of the ncp-mailer mock (overridable from the CLI ``--set ncp-mailer.KEY=VALUE`` or fixtures)."""

    access_key: str = spec.DEFAULT_ACCESS_KEY
    """The default credential's access key (``x-ncp-iam-access-key``)."""
    secret_key: str = spec.DEFAULT_SECRET_KEY
    """The default credential's secret key (HMAC key, used as UTF-8)."""
    verify_signature: bool = True
    """False: the gateway check is skipped entirely (benchmarks, quick experiments)."""
    timestamp_tolerance_ms: int = spec.TIMESTAMP_TOLERANCE_MS
    """Largest accepted |mock clock - timestamp|; 300000 accepts exactly 5 minutes (seed: "more than 5 minutes" is invalid)."""
    accept_v1_signature_header: bool = False
    """Also take the signature from ``x-ncp-apigw-signature-v1`` (NAVER's sample does this; fact sheet [code])."""
    signed_uri: str = "raw"
    """``raw``: sign the request target exactly as received, a lone trailing ``?`` included; ``strip_empty_query``: not."""
    create_status: int = 201
    """Status of a successful createMailRequest: 201 (API reference); clients accept 200/201/202 (fact sheet [code])."""
    strict_addresses: bool = False
    """True: addresses must pass the WHATWG rule (rejects the seed's ``naver_.com`` example addresses)."""
    missing_parameter: str = "keep"
    """A ``${name}`` with no parameter: ``keep`` it as written, make it ``empty``, or ``reject`` the request."""
    regions_share_data: bool = False
    """False: a request made under /api/v1-sgn is not visible under /api/v1 (regions are separate systems)."""

    def __post_init__(self) -> None:
        if self.create_status not in {200, 201, 202}:
            raise ValueError("create_status must be 200, 201 or 202")
        if self.missing_parameter not in {"keep", "empty", "reject"}:
            raise ValueError("missing_parameter must be 'keep', 'empty' or 'reject'")
        if self.signed_uri not in {"raw", "strip_empty_query"}:
            raise ValueError("signed_uri must be 'raw' or 'strip_empty_query'")
        if self.timestamp_tolerance_ms < 0:
            raise ValueError("timestamp_tolerance_ms must not be negative")

    def gateway_rules(self) -> GatewayRules:
        return GatewayRules(self.timestamp_tolerance_ms, self.accept_v1_signature_header, self.signed_uri)

    def draft_rules(self) -> DraftRules:
        return DraftRules(self.strict_addresses, self.missing_parameter, self.message_max_bytes)  # type: ignore[arg-type]


@dataclass
class Credential:
    """An access key / secret key pair and the state of its account."""

    access_key: str
    secret_key: str
    state: str = "active"

    def to_json(self) -> dict[str, str]:
        return {"accessKey": self.access_key, "secretKey": self.secret_key, "state": self.state}


@dataclass(slots=True)
class Mail:
    """One stored mail (one per recipient when ``individual``).

    A fresh copy on each read: the model keeps the values as one tuple (see the module docstring),
    so changing a returned mail does not change the stored one.
    """

    mail_id: str
    request_id: str
    region: str
    title: str
    body: str
    recipients: tuple[Recipient, ...]
    sender_address: str | None
    sender_name: str | None
    template_sid: int | None
    template_name: str | None
    advertising: bool
    references_header: str | None
    request_ms: int
    reservation_ms: int | None
    confirm_and_send: bool
    requester_ip: str
    unfilled: tuple[str, ...] = ()
    status_override: str | None = None

    def status(self, now_ms: int) -> str:
        """Delivery status at mock time ``now_ms`` (see the module docstring)."""
        if self.status_override is not None:
            return self.status_override
        if self.confirm_and_send or (self.reservation_ms is not None and self.reservation_ms > now_ms):
            return "R"
        return "S"

    def send_ms(self, now_ms: int) -> int | None:
        if self.status(now_ms) not in spec.FINISHED_STATUSES:
            return None
        return self.reservation_ms if self.reservation_ms is not None else self.request_ms

    def representative_recipient(self) -> str:
        """API reference: ``xxx@domain.com(9)`` for a mail sent to 10 addresses."""
        first = self.recipients[0].address
        return first if len(self.recipients) == 1 else f"{first}({len(self.recipients) - 1})"

    def to_payload(self) -> dict[str, Any]:
        """What the message store keeps: the rendered mail."""
        return {
            "mailId": self.mail_id,
            "requestId": self.request_id,
            "region": self.region,
            "senderAddress": self.sender_address,
            "senderName": self.sender_name,
            "title": self.title,
            "body": self.body,
            "recipients": [r.to_json() for r in self.recipients],
            "advertising": self.advertising,
            "reservationUtc": self.reservation_ms,
        }


@dataclass(slots=True)
class MailRequest:
    """One createMailRequest call and the mails it produced (a fresh copy on each read, like :class:`Mail`)."""

    request_id: str
    region: str
    request_ms: int
    reservation_ms: int | None
    mails: list[Mail] = field(default_factory=list)
    retained_bytes: int = 0
    """Bytes its mails' texts hold (a text shared by every mail counted once), against ``message_max_bytes``."""


class NcpMailerModel:
    """Credentials, templates, requests and mails of the ncp-mailer mock (thread-safe)."""

    def __init__(self, config: NcpMailerConfig, clock: MockClock) -> None:
        self.config = config
        self.clock = clock
        # Built once: a model's config never changes (new settings make a new model), and every
        # request reads these.
        self.gateway_rules = config.gateway_rules()
        self.draft_rules = config.draft_rules()
        self._lock = threading.RLock()
        self.reset()

    def reset(self) -> None:
        """Default credential only; no templates, requests or mails; id counter restarted."""
        with self._lock:
            self._credentials: dict[str, Credential] = {
                self.config.access_key: Credential(self.config.access_key, self.config.secret_key)
            }
            self._templates: dict[int, Template] = {}
            self._requests: OrderedDict[tuple[str, str], RequestRecord] = OrderedDict()
            self._mails: dict[tuple[str, str], MailRecord] = {}
            self._mail_count = 0
            self._retained_bytes = 0
            self._sequence = itertools.count(1)

    # --- persistence (serve --persist) ----------------------------------------------
    def snapshot(self) -> dict[str, Any]:
        """Credentials, templates, requests with their mails, and the id sequence (JSON-able)."""
        with self._lock:
            sequence = next(self._sequence)
            self._sequence = itertools.count(sequence)
            return {
                "credentials": [asdict(c) for c in self._credentials.values()],
                "templates": [asdict(t) for t in self._templates.values()],
                "requests": [self._request_json(r) for r in self._requests.values()],
                "sequence": sequence,
            }

    def restore(self, state: Mapping[str, Any]) -> None:
        """Take back a :meth:`snapshot`."""
        with self._lock:
            self._credentials = {c["access_key"]: Credential(**c) for c in state["credentials"]}
            self._templates = {t["sid"]: Template(**t) for t in state["templates"]}
            self._requests = OrderedDict()
            self._mails = {}
            for item in state["requests"]:
                mails = [_mail_record_from_json(m) for m in item["mails"]]
                request: RequestRecord = (item["request_id"], item["region"], item["request_ms"], item["reservation_ms"],
                                          tuple(m[_MAIL_ID] for m in mails), item.get("retained_bytes", 0))
                self._requests[self._key(request[_REGION], request[_REQUEST_ID])] = request
                self._mails.update((self._key(m[_M_REGION], m[_MAIL_ID]), m) for m in mails)
            self._mail_count = sum(len(r[_MAIL_IDS]) for r in self._requests.values())
            self._sequence = itertools.count(int(state["sequence"]))

    # --- credentials -------------------------------------------------------------
    @property
    def access_key(self) -> str:
        return self.config.access_key

    @property
    def secret_key(self) -> str:
        return self.config.secret_key

    def credential(self, access_key: str) -> Credential | None:
        # Copy-on-write, like the templates: every signed request looks its key up, without the lock.
        return self._credentials.get(access_key)

    def credentials(self) -> list[Credential]:
        with self._lock:
            return list(self._credentials.values())

    def add_credential(self, access_key: str | None = None, secret_key: str | None = None, state: str = "active") -> Credential:
        """Add (or replace) a credential; missing keys are generated. ``state``: see ``spec.ACCOUNT_STATES``."""
        if state not in spec.ACCOUNT_STATES:
            raise ValueError(f"state must be one of {', '.join(spec.ACCOUNT_STATES)}")
        credential = Credential(access_key or secrets.token_hex(10).upper(), secret_key or secrets.token_urlsafe(30), state)
        if not credential.access_key or not credential.secret_key:
            raise ValueError("access key and secret key must not be empty")
        with self._lock:
            old = self._credentials.get(credential.access_key)
            check_room(self.config, "ncp-mailer", "credentials", sizes=map(_credential_bytes, self._credentials.values()),
                       replaced=None if old is None else _credential_bytes(old), added=_credential_bytes(credential),
                       remove_hint="DELETE /__mock__/credentials/{accessKey}")
            self._credentials = {**self._credentials, credential.access_key: credential}
        return credential

    def remove_credential(self, access_key: str) -> bool:
        with self._lock:
            if access_key not in self._credentials:
                return False
            self._credentials = {key: value for key, value in self._credentials.items() if key != access_key}
            return True

    # --- templates -----------------------------------------------------------------
    def templates(self) -> Mapping[int, Template]:
        """The stored templates, read-only.

        Copy-on-write: adding a template publishes a new dict and a published one never changes,
        so reading needs neither the lock nor a copy (every createMailRequest reads this).
        """
        return MappingProxyType(self._templates)

    def add_template(self, sid: int, title: str, body: str, *, name: str | None = None,
                     sender_address: str | None = None, sender_name: str | None = None) -> Template:
        template = Template(sid, name or f"template-{sid}", title, body, sender_address, sender_name)
        with self._lock:
            old = self._templates.get(sid)
            check_room(self.config, "ncp-mailer", "templates", sizes=map(_template_bytes, self._templates.values()),
                       replaced=None if old is None else _template_bytes(old), added=_template_bytes(template),
                       remove_hint="replace one under its templateSid")
            self._templates = {**self._templates, sid: template}
        return template

    # --- requests and mails ----------------------------------------------------------
    def _key(self, region: str, ident: str) -> tuple[str, str]:
        return (self._scope(region), ident)

    def _scope(self, region: str) -> str:
        return "*" if self.config.regions_share_data else region

    def _new_id(self, day: str) -> str:
        """20 digits, ``yyyyMMdd`` (KST, see :func:`kst_day`) + a 12-digit sequence, like the reference's ``20181126000000246001``."""
        return f"{day}{next(self._sequence):012d}"

    def create(self, region: str, draft: MailDraft, requester_ip: str, now_ms: int | None = None) -> MailRequest:
        """Store a validated request and one :class:`Mail` per rendered mail, made at ``now_ms`` (default: the clock's now)."""
        now = self.clock.now_ms() if now_ms is None else now_ms
        day = kst_day(now)
        template = draft.template
        template_sid, template_name = (template.sid, template.name) if template else (None, None)
        sender_address, sender_name, advertising = draft.sender_address, draft.sender_name, draft.advertising
        references_header, reservation_ms, confirm_and_send = draft.references_header, draft.reservation_ms, draft.confirm_and_send
        with self._lock:
            request_id = self._new_id(day)
            scope = self._scope(region)
            mails, mail_ids = [], []
            for rendered in draft.mails:
                mail_id = self._new_id(day)
                title, body, recipients, unfilled = rendered.title, rendered.body, rendered.recipients, rendered.unfilled
                # Positional, in Mail's field order (_mail reads it back); recipients as tuples (_recipients_record).
                record = self._mails[(scope, mail_id)] = (
                    mail_id, request_id, region, title, body, _recipients_record(recipients), sender_address, sender_name,
                    template_sid, template_name, advertising, references_header, now, reservation_ms, confirm_and_send,
                    requester_ip, unfilled, None,
                )
                # The caller's Mail: the same values, with the validated Recipient objects themselves.
                mails.append(Mail(*record[:_RECIPIENTS], recipients, *record[_RECIPIENTS + 1:]))
                mail_ids.append(mail_id)
            retained_bytes = _text_bytes(mails)
            self._requests[(scope, request_id)] = (request_id, region, now, reservation_ms, tuple(mail_ids), retained_bytes)
            self._mail_count += len(mails)
            self._retained_bytes += retained_bytes
            self._evict()
        return MailRequest(request_id, region, now, reservation_ms, mails, retained_bytes)

    def _evict(self) -> None:
        """Keep at most ``message_capacity`` mails and ``message_max_bytes`` of their texts (oldest requests go first),
        like the message store."""
        while ((self._mail_count > self.config.message_capacity or self._retained_bytes > self.config.message_max_bytes)
               and len(self._requests) > 1):
            _, oldest = self._requests.popitem(last=False)
            scope = self._scope(oldest[_REGION])
            for mail_id in oldest[_MAIL_IDS]:
                self._mails.pop((scope, mail_id), None)
            self._mail_count -= len(oldest[_MAIL_IDS])
            self._retained_bytes -= oldest[_RETAINED_BYTES]

    def request(self, region: str, request_id: str) -> MailRequest | None:
        with self._lock:
            record = self._requests.get(self._key(region, request_id))
            return None if record is None else self._mail_request(record)

    def mail(self, region: str, mail_id: str) -> Mail | None:
        with self._lock:
            record = self._mails.get(self._key(region, mail_id))
        return None if record is None else _mail(record)

    def requests(self) -> list[MailRequest]:
        """Every stored request, oldest first (all regions)."""
        with self._lock:
            return [self._mail_request(record) for record in self._requests.values()]

    def mails(self) -> list[Mail]:
        """Every stored mail, oldest first (all regions)."""
        return [mail for request in self.requests() for mail in request.mails]

    def set_mail_status(self, mail_id: str, status: str | None) -> Mail:
        """Force a mail's delivery status (``None`` returns to the simulated one); KeyError if unknown."""
        if status is not None and status not in spec.STATUS_CODES:
            raise ValueError(f"status must be one of {', '.join(spec.STATUS_CODES)}")
        with self._lock:
            for key, record in self._mails.items():
                if key[1] == mail_id:
                    record = self._mails[key] = record[:_STATUS_OVERRIDE] + (status,)
                    return _mail(record)
        raise KeyError(mail_id)

    def _mail_records(self, request: RequestRecord) -> list[MailRecord]:
        """A stored request's mail records (evicted together with it: always all there). Caller holds the lock."""
        scope, mails = self._scope(request[_REGION]), self._mails
        return [mails[(scope, mail_id)] for mail_id in request[_MAIL_IDS]]

    def _mail_request(self, request: RequestRecord) -> MailRequest:
        mails = [_mail(record) for record in self._mail_records(request)]
        return MailRequest(request[_REQUEST_ID], request[_REGION], request[_REQUEST_MS], request[_RESERVATION_MS], mails,
                           request[_RETAINED_BYTES])

    def _request_json(self, request: RequestRecord) -> dict[str, Any]:
        """A request as :meth:`snapshot` writes it: MailRequest's fields, its mails' fields, recipients' fields."""
        request_id, region, request_ms, reservation_ms, _, retained_bytes = request
        mails = [_mail_json(record) for record in self._mail_records(request)]
        return {"request_id": request_id, "region": region, "request_ms": request_ms, "reservation_ms": reservation_ms,
                "mails": mails, "retained_bytes": retained_bytes}


# --- stored records (see the module docstring) -----------------------------------------------
MailRecord = tuple[Any, ...]
"""A :class:`Mail`'s fields in order, recipients as :data:`RecipientRecord` tuples."""
RecipientRecord = tuple[str, "str | None", str, tuple[tuple[str, str], ...]]
"""A :class:`Recipient`: address, name, type, parameters as (name, value) pairs."""
RequestRecord = tuple[str, str, int, "int | None", tuple[str, ...], int]
"""A :class:`MailRequest`: request id, region, request ms, reservation ms, its mails' ids, retained bytes."""

_MAIL_FIELDS: tuple[str, ...] = Mail.__slots__  # type: ignore[attr-defined]
_REQUEST_FIELDS: tuple[str, ...] = MailRequest.__slots__  # type: ignore[attr-defined]
_MAIL_ID: Final = 0
_M_REGION: Final = 2
_RECIPIENTS: Final = 5
_STATUS_OVERRIDE: Final = 17
_REQUEST_ID: Final = 0
_REGION: Final = 1
_REQUEST_MS: Final = 2
_RESERVATION_MS: Final = 3
_MAIL_IDS: Final = 4
_RETAINED_BYTES: Final = 5
# The records' layout follows the dataclasses' field order (create() writes mail records positionally).
assert [_MAIL_FIELDS.index(n) for n in ("mail_id", "region", "recipients", "status_override")] == [0, 2, 5, 17]
assert len(_MAIL_FIELDS) == 18 and _MAIL_FIELDS[-2] == "unfilled"
assert _REQUEST_FIELDS == ("request_id", "region", "request_ms", "reservation_ms", "mails", "retained_bytes")
assert Recipient.__slots__ == ("address", "name", "type", "parameters")  # type: ignore[attr-defined]


def _recipients_record(recipients: tuple[Recipient, ...]) -> tuple[RecipientRecord, ...]:
    return tuple([(r.address, r.name, r.type, tuple(r.parameters.items())) for r in recipients])


def _mail(record: MailRecord) -> Mail:
    recipients = tuple([Recipient(a, n, t, dict(p)) for a, n, t, p in record[_RECIPIENTS]])
    return Mail(*(record[:_RECIPIENTS] + (recipients,) + record[_RECIPIENTS + 1:]))


def _mail_json(record: MailRecord) -> dict[str, Any]:
    """Like ``asdict`` of the :class:`Mail` (whose deep copies cost ~10x more: snapshots of full stores must stay cheap)."""
    item = dict(zip(_MAIL_FIELDS, record))
    item["recipients"] = [{"address": a, "name": n, "type": t, "parameters": dict(p)} for a, n, t, p in record[_RECIPIENTS]]
    return item


def _mail_record_from_json(item: Mapping[str, Any]) -> MailRecord:
    recipients = tuple([(r["address"], r["name"], r["type"], tuple(r["parameters"].items())) for r in item["recipients"]])
    return tuple(recipients if name == "recipients" else tuple(item[name]) if name == "unfilled" else item.get(name)
                 for name in _MAIL_FIELDS)


_DAY_MS = 86_400_000
_KST_EPOCH_DAY = date(1970, 1, 1)


def kst_day(now_ms: int) -> str:
    """``yyyyMMdd`` of the KST date at epoch milliseconds ``now_ms`` (the prefix of request and mail ids)."""
    return _kst_date((now_ms + spec.KST_OFFSET_MS) // _DAY_MS)


@functools.lru_cache(maxsize=8)
def _kst_date(day_number: int) -> str:
    # Memoised per day: a datetime plus strftime cost ~3 us, twice per createMailRequest, for a
    # text that changes once a day (measured ~7% of the mock's CPU under load).
    return (_KST_EPOCH_DAY + timedelta(days=day_number)).strftime("%Y%m%d")


def _text_bytes(mails: list[Mail]) -> int:
    """Retained bytes of the mails' titles and bodies; one text shared by many mails counts once."""
    texts: dict[int, str] = {}
    for mail in mails:
        texts[id(mail.title)] = mail.title
        texts[id(mail.body)] = mail.body
    return sum(map(sys.getsizeof, texts.values())) + 512 * len(mails)


def _credential_bytes(credential: Credential) -> int:
    return text_bytes(credential.access_key, credential.secret_key)


def _template_bytes(template: Template) -> int:
    return text_bytes(template.name, template.title, template.body, template.sender_address, template.sender_name)
