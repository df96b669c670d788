"""An email and its attachments: the objects callers read, and the flat tuples the model retains.

Issue 16, item 1 (the latency tail): a full garbage collection walks every GC-tracked object
the process keeps. An email kept as a dataclass with an OrderedDict of attachment dataclasses
and a dict of lists left about six tracked objects per accepted send. The model therefore keeps
each email as ONE plain tuple of atomic values (str, bytes, int, bool, None and plain tuples of
those), which CPython stops tracking at its first collection; :class:`Email` and
:class:`Attachment` are rebuilt from it on every read, and a change stores a new tuple.
(Plain tuples only: the collector untracks exact tuples, never NamedTuple instances.)
"""

from __future__ import annotations

import base64
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Iterator, Literal, Mapping

EmailStatus = Literal["prepared", "sent"]

EmailRecord = tuple[Any, ...]
"""An :class:`Email` as retained: its fields in declaration order; attachments a tuple of attachment records,
recipients one flat tuple ``(list name, addresses tuple, list name, addresses tuple, ...)``: every value at most
two tuples below the record, so three collections untrack it whatever order the collector meets them in."""
AttachmentRecord = tuple[Any, ...]
"""An :class:`Attachment` as retained: its fields in declaration order."""


@dataclass
class Attachment:
    """One uploaded file of an email (bytes kept for ``/__mock__`` retrieval)."""

    file_ref: str
    file_name: str
    content_type: str
    data: bytes
    sha256: str
    esign: bool
    uploaded_ms: int
    versions: int = 1

    @property
    def size(self) -> int:
        return len(self.data)

    def to_json(self) -> dict[str, Any]:
        return {
            "fileRef": self.file_ref,
            "fileName": self.file_name,
            "contentType": self.content_type,
            "size": self.size,
            "sha256": self.sha256,
            "reqESignFlag": "Y" if self.esign else "N",
            "versions": self.versions,
        }


@dataclass
class Email:
    """An email as the mock shows it (a copy: changing it does not change the mock's state)."""

    email_ref: str
    company_api_id: str
    sender_email: str
    subject: str
    body: str
    status: EmailStatus
    created_ms: int
    prepared: bool
    drafts: int = 1
    attachments: "OrderedDict[str, Attachment]" = field(default_factory=OrderedDict)
    recipients: dict[str, list[str]] = field(default_factory=dict)
    sent_ms: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "emailRef": self.email_ref,
            "companyApiId": self.company_api_id,
            "senderEmail": self.sender_email,
            "emailSubject": self.subject,
            "emailBody": self.body,
            "status": self.status,
            "prepared": self.prepared,
            "drafts": self.drafts,
            "createdMs": self.created_ms,
            "sentMs": self.sent_ms,
            "recipients": {name: list(items) for name, items in self.recipients.items()},
            "attachments": [a.to_json() for a in self.attachments.values()],
        }


# Positions in an email record the model reads without rebuilding the email.
REF, COMPANY, STATUS, PREPARED, ATTACHMENTS = 0, 1, 5, 7, 9


def email_record(email: Email) -> EmailRecord:
    """``email`` as one flat tuple the collector stops tracking."""
    attachments = tuple([_attachment_record(a) for a in email.attachments.values()]) if email.attachments else ()
    return (
        email.email_ref, email.company_api_id, email.sender_email, email.subject, email.body, email.status,
        email.created_ms, email.prepared, email.drafts, attachments, flat_recipients(email.recipients), email.sent_ms,
    )


def flat_recipients(recipients: Mapping[str, list[str]]) -> tuple[Any, ...]:
    """``{list name: addresses}`` as the record keeps it: ``(name, addresses tuple, name, ...)``."""
    flat: list[Any] = []
    for name, items in recipients.items():
        flat += name, tuple(items)
    return tuple(flat)


def email_from_record(record: EmailRecord) -> Email:
    """A fresh :class:`Email` from :func:`email_record`'s tuple."""
    ref, company, sender, subject, body, status, created_ms, prepared, drafts, attachments, recipients, sent_ms = record
    return Email(
        ref, company, sender, subject, body, status, created_ms, prepared, drafts,
        OrderedDict([(a[0], Attachment(*a)) for a in attachments]),
        {name: list(items) for name, items in zip(recipients[::2], recipients[1::2])},
        sent_ms,
    )


def attachment_from_record(record: EmailRecord, file_ref: str) -> Attachment | None:
    """The attachment ``file_ref`` of an email record, or None."""
    for attachment in record[ATTACHMENTS]:
        if attachment[0] == file_ref:
            return Attachment(*attachment)
    return None


def file_refs(record: EmailRecord) -> Iterator[str]:
    return (attachment[0] for attachment in record[ATTACHMENTS])


def record_bytes(record: EmailRecord) -> int:
    """Retained bytes of an email: attachment bytes, texts and recipient addresses (characters), plus overhead."""
    subject, body, attachments, recipients = record[3], record[4], record[ATTACHMENTS], record[10]
    texts = len(subject) + len(body) + sum(len(a) + 64 for items in recipients[1::2] for a in items)
    files = sum(len(a[3]) + len(a[1]) + 256 for a in attachments)
    return 512 + texts + files


def _attachment_record(attachment: Attachment) -> AttachmentRecord:
    return (attachment.file_ref, attachment.file_name, attachment.content_type, attachment.data, attachment.sha256,
            attachment.esign, attachment.uploaded_ms, attachment.versions)


# --- persistence (serve --persist): the snapshot keeps the dataclasses' field names ---------------
def email_json(email: Email) -> dict[str, Any]:
    attachments = [{**vars(a), "data": base64.b64encode(a.data).decode("ascii")} for a in email.attachments.values()]
    recipients = {name: list(items) for name, items in email.recipients.items()}
    return {**vars(email), "attachments": attachments, "recipients": recipients}


def email_from_json(item: Mapping[str, Any]) -> Email:
    attachments = OrderedDict(
        (a["file_ref"], Attachment(**{**a, "data": base64.b64decode(a["data"], validate=True)})) for a in item["attachments"]
    )
    return Email(**{**item, "attachments": attachments, "recipients": {k: list(v) for k, v in item["recipients"].items()}})
