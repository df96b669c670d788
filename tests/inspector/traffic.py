"""Real client traffic for the inspector tests: the reference clients, as an app would send it."""

from __future__ import annotations

from typing import Any

import requests

from sealmail.conformance.clients.autosend import AutoSendSyncClient
from sealmail.conformance.clients.ncp_mailer import NcpMailerSyncClient
from sealmail.conformance.clients.netcore_ce import NetcoreCeSyncClient, activity
from sealmail.conformance.clients.netcore_email import NetcoreEmailSyncClient
from sealmail.conformance.clients.stayprivate import EmailMessage, OutgoingAttachment, StayPrivateSyncClient
from sealmail.mockservers.core import MockHandle


def netcore_email(mock: MockHandle, html: str = "<p>Hello [%NAME%]</p>", people: tuple[tuple[str, str], ...] = (("ada@example.com", "Ada"),),
                  subject: str = "Hi [%NAME%]") -> str:
    mail = {
        "from": {"email": "from@example.com"},
        "subject": subject,
        "content": [{"type": "html", "value": html}],
        "personalizations": [{"to": [{"email": email}], "attributes": {"NAME": name}} for email, name in people],
    }
    with NetcoreEmailSyncClient(mock.url, mock.config["api_key"]) as client:
        return client.send(mail).message_id


def netcore_email_wrong_key(mock: MockHandle) -> int:
    """A request the mock rejects (bad API key): the status it answered."""
    reply = requests.post(mock.url + "/v6/mail/send", json={"subject": "x"}, headers={"Authorization": "Bearer wrong"}, timeout=10)
    return reply.status_code


def autosend(mock: MockHandle, subject: str = "Welcome {{name}}", name: str = "Grace") -> dict[str, Any]:
    mail = {"to": {"email": "grace@example.org", "name": name}, "from": {"email": "from@example.com"},
            "subject": subject, "html": "<p>Dear {{name}}</p>", "dynamicData": {"name": name}}
    with AutoSendSyncClient(mock.url, mock.config["api_key"]) as client:
        return client.send_mail(mail)


def ncp_mailer(mock: MockHandle) -> None:
    mail = {"senderAddress": "no_reply@company.com", "title": "Grade for ${customer_name}", "body": "<p>Now ${grade}</p>",
            "recipients": [{"address": "hong@example.net", "name": "Hong", "type": "R", "parameters": {"customer_name": "Hong", "grade": "GOLD"}}],
            "individual": True, "advertising": False}
    with NcpMailerSyncClient(mock.url, mock.config["access_key"], mock.config["secret_key"]) as client:
        client.send(mail)


def netcore_ce(mock: MockHandle) -> None:
    config = mock.config
    with NetcoreCeSyncClient(mock.url, config["api_key"], config["asset"], config["key"], config["iv"]) as client:
        client.upload([activity(config["asset"], "plan_upgraded", "9999911111", {"plan": "pro"})])


def stayprivate(mock: MockHandle, attachments: tuple[OutgoingAttachment, ...] = ()) -> None:
    config = mock.config
    message = EmailMessage(sender_email=config["sender_email"], to=("lin@example.org",), cc=(), subject="Contract ready",
                           body="<p>Please sign the contract.</p>", attachments=attachments)
    with StayPrivateSyncClient(mock.url, config["company_api_id"], config["private_key_pem"]) as client:
        client.send_email(message)
