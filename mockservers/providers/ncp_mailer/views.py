"""JSON shapes of the delivery-result operations (API reference getMailRequestStatus, getMailList, getMail).

Labels follow ``x-ncp-lang``; dates are the reference's NesDateTime
(``utc`` epoch ms plus KST ``formattedDate`` / ``formattedDateTime``).
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone
from typing import Any

from . import spec
from .models import Mail, MailRequest

_EPOCH = datetime.fromtimestamp(0, timezone.utc)


def nes_datetime(ms: int | None) -> dict[str, Any] | None:
    """``{"utc": 1542694793101, "formattedDate": "2018-11-20", "formattedDateTime": "2018-11-20 15:19:53 101"}``."""
    if ms is None:
        return None
    local = _EPOCH + timedelta(milliseconds=ms + spec.KST_OFFSET_MS)
    return {
        "utc": ms,
        "formattedDate": local.strftime("%Y-%m-%d"),
        "formattedDateTime": local.strftime("%Y-%m-%d %H:%M:%S ") + f"{ms % 1000:03d}",
    }


def email_status(code: str, lang: str) -> dict[str, str]:
    labels = spec.STATUS_LABELS.get(lang) or spec.STATUS_LABELS[spec.DEFAULT_LANGUAGE]
    return {"label": labels[code], "code": code}


def recipient_type(code: str, lang: str) -> dict[str, str]:
    labels = spec.RECIPIENT_TYPE_LABELS.get(lang) or spec.RECIPIENT_TYPE_LABELS[spec.DEFAULT_LANGUAGE]
    return {"label": labels[code], "code": code}


def request_status(request: MailRequest, now_ms: int, lang: str) -> dict[str, Any]:
    """getMailRequestStatus: counts by status of the request's mails."""
    statuses = [mail.status(now_ms) for mail in request.mails]
    counts = {code: statuses.count(code) for code in spec.STATUS_CODES}
    return {
        "requestId": request.request_id,
        "readyCompleted": True,
        "allSentSuccess": all(s == "S" for s in statuses),
        "requestCount": len(statuses),
        "sentCount": counts["S"],
        "finishCount": sum(counts[c] for c in spec.FINISHED_STATUSES),
        "readyCount": len(statuses),
        "reservationDate": nes_datetime(request.reservation_ms),
        "countsByStatus": [{"status": email_status(code, lang), "count": n} for code, n in counts.items() if n],
    }


def mail_summary(mail: Mail, now_ms: int, lang: str) -> dict[str, Any]:
    """One ``content`` item of getMailList (MailListResponse)."""
    return {
        "requestId": mail.request_id,
        "requestDate": nes_datetime(mail.request_ms),
        "mailId": mail.mail_id,
        "templateSid": mail.template_sid,
        "templateName": mail.template_name,
        "title": mail.title,
        "emailStatus": email_status(mail.status(now_ms), lang),
        "senderAddress": mail.sender_address,
        "senderName": mail.sender_name,
        "sendDate": nes_datetime(mail.send_ms(now_ms)),
        "advertising": mail.advertising,
        "representativeRecipient": mail.representative_recipient(),
    }


def mail_detail(mail: Mail, now_ms: int, lang: str) -> dict[str, Any]:
    """getMail: the rendered title and body, recipients and their status."""
    status = mail.status(now_ms)
    send = nes_datetime(mail.send_ms(now_ms))
    return {
        "requestId": mail.request_id,
        "requesterIp": mail.requester_ip,
        "requestDate": nes_datetime(mail.request_ms),
        "mailId": mail.mail_id,
        "title": mail.title,
        "templateSid": mail.template_sid,
        "templateName": mail.template_name,
        "emailStatus": email_status(status, lang),
        "senderAddress": mail.sender_address,
        "senderName": mail.sender_name,
        "sendDate": send,
        "reservationDate": nes_datetime(mail.reservation_ms),
        "body": mail.body,
        "referencesHeader": mail.references_header,
        "attachFiles": [],
        "recipients": [
            {
                "address": r.address,
                "name": r.name,
                "type": recipient_type(r.type, lang),
                "received": status == "S",
                "receivedDate": send if status == "S" else None,
                "status": email_status(status, lang),
                "retryCount": 0,
                "sendResultMessage": None,
            }
            for r in mail.recipients
        ],
        "advertising": mail.advertising,
    }


def page(items: list[dict[str, Any]], number: int, size: int) -> dict[str, Any]:
    """The reference's page envelope around ``content``."""
    total = len(items)
    pages = math.ceil(total / size) if total else 0
    content = items[number * size:(number + 1) * size]
    return {
        "content": content,
        "first": number == 0,
        "last": number >= pages - 1,
        "number": number,
        "numberOfElements": len(content),
        "size": size,
        "totalElements": total,
        "totalPages": pages,
    }
