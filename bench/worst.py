"""The most expensive inputs each provider takes: maximum-size bodies, header floods, longest tokens.

Used by the stall figure (:mod:`bench.stall`: does one such client stall the
health checks of every mock?) and the memory figure (:mod:`bench.memory`:
does RSS stay within the documented bound when every retained entry is as big
as the limits allow?). Each builder returns requests valid against the mock's
default credentials (``GET /__mock__/config``) and sized from the provider's
default settings, so raising a limit raises the input with it.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from sealmail.mockservers.core import get_provider

from .profiles import PreparedRequest, _autosend_public_key, _multipart, json_body, sample_email

MAX_HEADERS = 120
"""Header lines a flood adds (aiohttp refuses more than 128 in all)."""
HEADER_VALUE_BYTES = 8000
"""Bytes of each flood header's value (aiohttp's field limit is 8190 with the name)."""


@dataclass(frozen=True)
class WorstInput:
    """One expensive request of one provider, and why it is expensive."""

    provider_id: str
    name: str
    why: str
    build: Callable[[Mapping[str, Any]], PreparedRequest]
    expect: str = "accepted"
    """``accepted``, or ``rejected`` for inputs refused at the limit (still the most work a request gets)."""


def flood_headers() -> dict[str, str]:
    """120 header lines of 8,000 bytes: the most header bytes aiohttp accepts (~940 KiB)."""
    return {f"X-Flood-{i:03d}": "h" * HEADER_VALUE_BYTES for i in range(MAX_HEADERS)}


def _max_body(provider_id: str) -> int:
    return int(get_provider(provider_id).default_config().max_body_bytes)


def _filler(size: int) -> str:
    return "x" * max(0, size)


# --- netcore-email: AES-256-GCM body as large as max_body_bytes --------------------------
def netcore_email_big(config: Mapping[str, Any], *, flood: bool = False) -> PreparedRequest:
    from sealmail.conformance.clients import netcore_email as client

    email = sample_email(0)
    base = len(client.encrypt_request(email).body)
    # base64 of (plaintext + 16-byte tag): 4/3 of the plaintext; leave 1 KiB of room.
    email["content"][0]["value"] += _filler((_max_body("netcore-email") - base - 1024) * 3 // 4)
    encrypted = client.encrypt_request(email)
    headers = {**encrypted.headers, "Authorization": f"Bearer {config['api_key']}", **(flood_headers() if flood else {})}
    return PreparedRequest("POST", client.SEND_PATH, headers, encrypted.body)


# --- autosend: JWE (RSA-OAEP-256 + A256GCM) with the largest plaintext allowed ------------------------
def autosend_big(config: Mapping[str, Any]) -> PreparedRequest:
    from sealmail.conformance.clients import autosend as client

    limit = int(get_provider("autosend").default_config().max_plaintext_bytes)
    contact = {"email": "big@example.org", "firstName": "Big", "lastName": _filler(limit - 200), "userId": "u-big"}
    encrypted = client.encrypt_body(contact, _autosend_public_key(config))
    return PreparedRequest("POST", client.UPSERT_CONTACT_PATH, {**encrypted.headers, "Authorization": f"Bearer {config['api_key']}"},
                           encrypted.body)


# --- ncp-mailer: the largest mail body, and the most recipients ----------------------------------------
def _ncp_request(config: Mapping[str, Any], mail: dict[str, Any]) -> PreparedRequest:
    from sealmail.conformance.clients import ncp_mailer as client

    uri = "/api/v1/mails"
    headers = client.signed_headers("POST", uri, config["access_key"], config["secret_key"], client.now_ms())
    return PreparedRequest("POST", uri, {**headers, "Content-Type": "application/json"}, json_body(mail))


def ncp_mailer_big_body(config: Mapping[str, Any]) -> PreparedRequest:
    from sealmail.mockservers.providers.ncp_mailer import spec

    body = "<p>Hello ${name}</p>" + _filler(spec.MAX_BODY_BYTES - 64)
    return _ncp_request(config, {"senderAddress": "sender@example.com", "title": "Big", "body": body,
                                 "recipients": [{"address": "big@example.org", "type": "R", "parameters": {"name": "Big"}}]})


def ncp_mailer_many_recipients(config: Mapping[str, Any], count: int = 0) -> PreparedRequest:
    """As many personalised recipients as fit the body limit (the spec allows 100,000)."""
    from sealmail.mockservers.providers.ncp_mailer import spec

    per_recipient = len(json.dumps({"address": "user00000@example.org", "type": "R", "parameters": {"name": "U00000"}})) + 1
    count = count or min(spec.MAX_RECIPIENTS, (_max_body("ncp-mailer") - 4096) // per_recipient)
    recipients = [{"address": f"user{i:05d}@example.org", "type": "R", "parameters": {"name": f"U{i:05d}"}} for i in range(count)]
    return _ncp_request(config, {"senderAddress": "sender@example.com", "title": "Hi ${name}",
                                 "body": "<p>Hello ${name}</p>", "recipients": recipients})


# --- netcore-ce: AES-256-CBC activities, the most activities with the largest payloads -----------------
def netcore_ce_big(config: Mapping[str, Any], activities: int = 0) -> PreparedRequest:
    """``activities`` (default ``max_activities``) activities whose payloads fill ``max_body_bytes`` together."""
    from sealmail.conformance.clients import netcore_ce as client

    limit = activities or int(get_provider("netcore-ce").default_config().max_activities)
    # base64(CBC(plaintext)) inside {"encryptedRequest": ...}: 4/3 of the plaintext.
    room = (_max_body("netcore-ce") - 4096) * 3 // 4 // limit - 400
    activities = [client.activity(config["asset"], "product_viewed", f"99999{i:05d}", {"sku": f"SKU-{i}", "blob": _filler(room)})
                  for i in range(limit)]
    text = client.encrypt_text(client.encode_activities(activities), client.AES_256_CBC_BASE64, config["key"], config["iv"])
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {config['api_key']}", "x-asset": config["asset"],
               "x-eCode": str(client.AES_256_CBC_BASE64)}
    return PreparedRequest("POST", client.UPLOAD_PATH, headers, json_body({"encryptedRequest": text}))


# --- stayprivate: the longest JWT, the largest upload, the most form parts ------------------------------
def _stayprivate_token(config: Mapping[str, Any], padding: int = 0) -> str:
    from sealmail.conformance.clients import stayprivate as client
    from sealmail.mockservers.crypto.jwt import load_rsa_private_key, sign_jwt

    now = int(time.time())
    claims: dict[str, Any] = {"iss": config["company_api_id"], "iat": now, "exp": now + client.TOKEN_LIFETIME_S - 5}
    if padding:
        claims["pad"] = _filler(padding)
    return sign_jwt(claims, load_rsa_private_key(config["private_key_pem"]), algorithm="RS256")


def stayprivate_big_send(config: Mapping[str, Any]) -> PreparedRequest:
    """A one-call send whose body text fills ``max_body_bytes`` (kept by the email store and the message store)."""
    from sealmail.conformance.clients import stayprivate as client

    fields = {"senderEmail": config["sender_email"], "emailSubject": "Big", "emailToList": "a@example.org",
              "emailBody": _filler(_max_body("stayprivate") - 4096)}
    headers = {"Content-Type": "application/json", client.COMPANY_HEADER: config["company_api_id"],
               "Authorization": f"Bearer {_stayprivate_token(config)}"}
    return PreparedRequest("POST", f"{client.API_BASE}/send", headers, json_body(fields))


def stayprivate_long_token(config: Mapping[str, Any]) -> PreparedRequest:
    """A send whose bearer token is as long as the mock takes (``MAX_TOKEN_CHARS``; a padded claim set)."""
    from sealmail.conformance.clients import stayprivate as client
    from sealmail.mockservers.crypto.jwt import MAX_TOKEN_CHARS

    token = _stayprivate_token(config)
    token = _stayprivate_token(config, padding=(MAX_TOKEN_CHARS - len(token) - 16) * 3 // 4)
    fields = {"senderEmail": config["sender_email"], "emailSubject": "Long token", "emailBody": "<p>hi</p>", "emailToList": "a@example.org"}
    headers = {"Content-Type": "application/json", client.COMPANY_HEADER: config["company_api_id"], "Authorization": f"Bearer {token}"}
    return PreparedRequest("POST", f"{client.API_BASE}/send", headers, json_body(fields))


def _prepared_email(config: Mapping[str, Any], base_url: str) -> tuple[str, dict[str, str]]:
    from sealmail.conformance.clients import stayprivate as client

    with client.StayPrivateSyncClient(base_url, config["company_api_id"], config["private_key_pem"]) as sync:
        ref = sync.prepare(config["sender_email"], subject="Worst upload", body="<p>upload</p>")
    token = _stayprivate_token(config)
    return ref, {client.COMPANY_HEADER: config["company_api_id"], "Authorization": f"Bearer {token}"}


def stayprivate_big_upload(config: Mapping[str, Any]) -> PreparedRequest:
    """One file of ``max_attachment_bytes`` with a long file name (each replayed upload replaces it)."""
    from sealmail.conformance.clients import stayprivate as client

    ref, auth = _prepared_email(config, config["base_url"])
    # Replayed to the replace path (``.../attachments/{fileRef}/upload``): a new upload each time would hit
    # max_attachments_per_email after 20 and be refused.
    with client.StayPrivateSyncClient(config["base_url"], config["company_api_id"], config["private_key_pem"]) as sync:
        file_ref = sync.upload(ref, client.OutgoingAttachment("first.pdf", b"%PDF", "application/pdf"))
    limit = int(get_provider("stayprivate").default_config().max_attachment_bytes)
    form, content_type = _multipart(client, "f" * 4000 + ".pdf", b"%PDF" + b"p" * (limit - 4))
    return PreparedRequest("POST", f"{client.API_BASE}/{ref}/attachments/{file_ref}/upload",
                           {**auth, "Content-Type": content_type}, form)


def stayprivate_many_parts(config: Mapping[str, Any], parts: int = 1000) -> PreparedRequest:
    """A multipart form of ``parts`` small fields around the file (the parser's bounds decide: accepted or refused)."""
    from sealmail.conformance.clients import stayprivate as client

    ref, auth = _prepared_email(config, config["base_url"])
    boundary = "sealmailbenchboundary"
    chunks = [f'--{boundary}\r\nContent-Disposition: form-data; name="extra{i}"\r\n\r\nv\r\n'.encode() for i in range(parts)]
    chunks.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{client.ESIGN_FIELD}"\r\n\r\nN\r\n'.encode())
    chunks.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{client.ATTACHMENT_FIELD}"; filename="a.txt"\r\n'
                  f'Content-Type: text/plain\r\n\r\nhello\r\n--{boundary}--\r\n'.encode())
    headers = {**auth, "Content-Type": f"multipart/form-data; boundary={boundary}"}
    return PreparedRequest("POST", f"{client.API_BASE}/{ref}/attachments/upload", headers, b"".join(chunks))


WORST: tuple[WorstInput, ...] = (
    WorstInput("netcore-email", "largest body", "AES-256-GCM body at max_body_bytes (8 MiB): base64, decrypt, 6 MiB JSON",
               netcore_email_big),
    WorstInput("netcore-email", "header flood", "the largest body plus 120 headers of 8,000 bytes",
               lambda config: netcore_email_big(config, flood=True)),
    WorstInput("autosend", "largest JWE", "RSA-OAEP-256 + A256GCM, plaintext at max_plaintext_bytes (1 MiB)", autosend_big),
    WorstInput("ncp-mailer", "largest mail body", "HMAC-signed mail, body at the 500 KiB limit", ncp_mailer_big_body),
    WorstInput("ncp-mailer", "most recipients", "personalised recipients up to the body limit, one mail rendered each",
               ncp_mailer_many_recipients),
    WorstInput("netcore-ce", "largest upload", "AES-256-CBC, max_activities activities filling max_body_bytes", netcore_ce_big),
    WorstInput("stayprivate", "longest JWT", "RS256 bearer token of the 8,000 characters the mock takes", stayprivate_long_token),
    WorstInput("stayprivate", "largest upload", "multipart file of max_attachment_bytes (10 MiB), 4,000-character file name",
               stayprivate_big_upload),
    WorstInput("stayprivate", "many form parts", "1,000 form fields around the file", stayprivate_many_parts, expect="either"),
)
"""Every worst input, by provider."""
