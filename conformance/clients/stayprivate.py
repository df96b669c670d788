"""Reference client for the StayPrivate secure email API (seed 004).

>>> with StayPrivateSyncClient(base_url, company_api_id, private_key_pem) as client:   # doctest: +SKIP
...     client.send_email(EmailMessage(sender_email="me@example.com", to=("you@example.org",),
...                                    subject="Hi", body="Hello",
...                                    attachments=(OutgoingAttachment("a.pdf", pdf_bytes, "application/pdf", esign=True),)))

What it does, each point from the seed:

- every call carries ``SP-Company-Api-Id`` and ``Authorization: Bearer <JWT>``;
  the JWT is RS256 (PKCS#1 v1.5, deterministic) with ``iss`` = the company API
  id, ``iat`` and a short ``exp`` (5 minutes), signed with the company's
  private key; a token is reused until it has less than a minute left;
- an email without attachments goes out in one call (``POST /emails/send``
  with ``senderEmail``); one with attachments follows the three steps:
  prepare, upload each attachment and wait for it to finish (multipart file
  field ``emailAttachment``, ``reqESignFlag`` ``Y``/``N``), then send the
  prepared email without ``senderEmail``;
- recipient lists are joined with ``;``;
- a 4xx raises :class:`StayPrivateError` at once (code and message from the
  seed's error body); 429 and 5xx are retried a bounded number of times.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import aiohttp

from sealmail.mockservers.crypto.jwt import load_rsa_private_key, sign_jwt

from .http import HttpReply, ProviderError, RetryPolicy, SessionClient, SyncFacade, read_reply, with_retries

API_BASE = "/1.0/emails"
COMPANY_HEADER = "SP-Company-Api-Id"
ATTACHMENT_FIELD = "emailAttachment"
ESIGN_FIELD = "reqESignFlag"
TOKEN_LIFETIME_S = 300
"""Lifetime of each token: short, so a leaked token is useless soon."""
TOKEN_REFRESH_MARGIN_S = 60
"""A cached token is replaced once it has less than this left."""


@dataclass(frozen=True)
class OutgoingAttachment:
    """A file to attach. ``esign``: the attachment requires e-signing (``reqESignFlag=Y``)."""

    file_name: str
    data: bytes
    content_type: str = "application/octet-stream"
    esign: bool = False


@dataclass(frozen=True)
class EmailMessage:
    """What to send. ``sender_email`` must be at one of the company's domains."""

    sender_email: str
    to: Sequence[str] = ()
    cc: Sequence[str] = ()
    bcc: Sequence[str] = ()
    subject: str | None = None
    body: str | None = None
    attachments: Sequence[OutgoingAttachment] = field(default_factory=tuple)


@dataclass(frozen=True)
class SendResult:
    """``status`` is the provider's ``data.status`` (``"S"``); ``email_ref`` is set when the email was prepared."""

    status: str
    email_ref: str | None
    file_refs: tuple[str, ...] = ()


class StayPrivateError(ProviderError):
    """An error answer: HTTP ``status`` and the seed's ``error.code`` / ``error.message``."""

    def __init__(self, status: int, body: Any) -> None:
        error = body.get("error") if isinstance(body, dict) else None
        self.code = error.get("code") if isinstance(error, dict) else None
        message = error.get("message") if isinstance(error, dict) else None
        super().__init__(status, body, f"{self.code}: {message}" if self.code else None)


class TokenSigner:
    """Short-lived RS256 tokens for one company, cached until close to expiry."""

    def __init__(
        self,
        company_api_id: str,
        private_key_pem: str | bytes,
        *,
        password: bytes | None = None,
        algorithm: str = "RS256",
        lifetime_s: int = TOKEN_LIFETIME_S,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.company_api_id = company_api_id
        self.algorithm = algorithm
        self.lifetime_s = lifetime_s
        self._key = load_rsa_private_key(private_key_pem, password)
        self._clock = clock
        self._token: str | None = None
        self._expires = 0.0

    def claims(self, now: int) -> dict[str, Any]:
        """seed, Required JWT Fields: ``iss`` (the company API id) and ``exp``; ``iat`` for the record."""
        return {"iss": self.company_api_id, "iat": now, "exp": now + self.lifetime_s}

    def token(self) -> str:
        now = self._clock()
        if self._token is None or self._expires - now < min(TOKEN_REFRESH_MARGIN_S, self.lifetime_s / 2):
            issued = int(now)
            self._token = sign_jwt(self.claims(issued), self._key, algorithm=self.algorithm)
            self._expires = issued + self.lifetime_s
        return self._token


def join_addresses(addresses: Sequence[str]) -> str | None:
    """seed: "a semi-colon separated" list; None when there is nobody."""
    return ";".join(addresses) if addresses else None


class StayPrivateClient(SessionClient):
    """Async client for the StayPrivate API. Each method is one documented call; :meth:`send_email` runs the flow."""

    def __init__(
        self,
        base_url: str,
        company_api_id: str,
        private_key_pem: str | bytes,
        *,
        session: aiohttp.ClientSession | None = None,
        retry: RetryPolicy = RetryPolicy(),
        signer: TokenSigner | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.company_api_id = company_api_id
        self.signer = signer or TokenSigner(company_api_id, private_key_pem)
        self.retry = retry
        super().__init__(session)

    # --- the flow ------------------------------------------------------------
    async def send_email(self, message: EmailMessage) -> SendResult:
        """One call without attachments; prepare -> upload each (in order, awaited) -> send with them."""
        if not message.attachments:
            return await self.send(
                sender_email=message.sender_email, subject=message.subject, body=message.body,
                to=message.to, cc=message.cc, bcc=message.bcc,
            )
        email_ref = await self.prepare(message.sender_email, subject=message.subject, body=message.body)
        file_refs = []
        for attachment in message.attachments:
            file_refs.append(await self.upload(email_ref, attachment))
        result = await self.send(email_ref, subject=message.subject, body=message.body,
                                 to=message.to, cc=message.cc, bcc=message.bcc)
        return SendResult(result.status, email_ref, tuple(file_refs))

    # --- the four methods ----------------------------------------------------
    async def prepare(self, sender_email: str, *, subject: str | None = None, body: str | None = None,
                      email_ref: str | None = None) -> str:
        """``POST /emails/prepare`` (or ``/emails/<emailRef>/prepare`` for a new draft); returns the emailRef."""
        path = f"{API_BASE}/{email_ref}/prepare" if email_ref else f"{API_BASE}/prepare"
        data = await self._json_call(path, _fields(senderEmail=sender_email, emailSubject=subject, emailBody=body))
        return _required(data, "emailRef")

    async def upload(self, email_ref: str, attachment: OutgoingAttachment, *, file_ref: str | None = None) -> str:
        """``POST /emails/<emailRef>/attachments[/<fileRef>]/upload`` as multipart; returns the fileRef."""
        path = f"{API_BASE}/{email_ref}/attachments/{file_ref}/upload" if file_ref else f"{API_BASE}/{email_ref}/attachments/upload"

        async def once() -> HttpReply:
            form = aiohttp.FormData(quote_fields=False)  # raw UTF-8 file names, as browsers and curl send them
            form.add_field(ESIGN_FIELD, "Y" if attachment.esign else "N")
            form.add_field(ATTACHMENT_FIELD, attachment.data, filename=attachment.file_name,
                           content_type=attachment.content_type)
            async with self._http().post(self.base_url + path, data=form, headers=self._auth()) as response:
                return await read_reply(response)

        return _required(await self._checked(once), "fileRef")

    async def delete_attachment(self, email_ref: str, file_ref: str) -> None:
        """``DELETE /emails/<emailRef>/attachments/<fileRef>`` (only before the email is sent)."""
        path = f"{API_BASE}/{email_ref}/attachments/{file_ref}"

        async def once() -> HttpReply:
            async with self._http().delete(self.base_url + path, headers=self._auth()) as response:
                return await read_reply(response)

        await self._checked(once)

    async def send(self, email_ref: str | None = None, *, sender_email: str | None = None, subject: str | None = None,
                   body: str | None = None, to: Sequence[str] = (), cc: Sequence[str] = (),
                   bcc: Sequence[str] = ()) -> SendResult:
        """``POST /emails/send`` (new: ``sender_email`` required) or ``/emails/<emailRef>/send`` (prepared: no sender)."""
        if email_ref is None and not sender_email:
            raise ValueError("a new email needs sender_email")
        if email_ref is not None and sender_email:
            raise ValueError("seed: senderEmail should not be specified for an email which has already been prepared")
        path = f"{API_BASE}/{email_ref}/send" if email_ref else f"{API_BASE}/send"
        fields = _fields(senderEmail=sender_email, emailSubject=subject, emailBody=body,
                         emailToList=join_addresses(to), emailCcList=join_addresses(cc), emailBccList=join_addresses(bcc))
        data = await self._json_call(path, fields)
        return SendResult(status=str(data.get("status")), email_ref=email_ref)

    # --- plumbing ----------------------------------------------------------------
    def _auth(self) -> dict[str, str]:
        return {COMPANY_HEADER: self.company_api_id, "Authorization": f"Bearer {self.signer.token()}"}

    async def _json_call(self, path: str, fields: dict[str, str]) -> dict[str, Any]:
        body = json.dumps(fields, ensure_ascii=False).encode("utf-8")

        async def once() -> HttpReply:
            headers = {"Content-Type": "application/json", **self._auth()}
            async with self._http().post(self.base_url + path, data=body, headers=headers) as response:
                return await read_reply(response)

        return await self._checked(once)

    async def _checked(self, once: Callable[[], Any]) -> dict[str, Any]:
        reply = await with_retries(once, self.retry)
        body = reply.body
        if reply.status >= 400 or not isinstance(body, dict) or body.get("success") is not True:
            raise StayPrivateError(reply.status, body)
        data = body.get("data")
        return data if isinstance(data, dict) else {}


def _fields(**values: str | None) -> dict[str, str]:
    return {name: value for name, value in values.items() if value is not None}


def _required(data: dict[str, Any], name: str) -> str:
    value = data.get(name)
    if not isinstance(value, str) or not value:
        raise ProviderError(200, data, f"success response without data.{name}")
    return value


class StayPrivateSyncClient(SyncFacade[StayPrivateClient]):
    """Blocking facade over :class:`StayPrivateClient` (safe inside or outside an event loop)."""

    def __init__(self, base_url: str, company_api_id: str, private_key_pem: str | bytes, *,
                 retry: RetryPolicy = RetryPolicy()) -> None:
        super().__init__(StayPrivateClient(base_url, company_api_id, private_key_pem, retry=retry))

    def send_email(self, message: EmailMessage) -> SendResult:
        return self._run(self._client.send_email(message))

    def prepare(self, sender_email: str, **kwargs: Any) -> str:
        return self._run(self._client.prepare(sender_email, **kwargs))

    def upload(self, email_ref: str, attachment: OutgoingAttachment, *, file_ref: str | None = None) -> str:
        return self._run(self._client.upload(email_ref, attachment, file_ref=file_ref))

    def delete_attachment(self, email_ref: str, file_ref: str) -> None:
        self._run(self._client.delete_attachment(email_ref, file_ref))

    def send(self, email_ref: str | None = None, **kwargs: Any) -> SendResult:
        return self._run(self._client.send(email_ref, **kwargs))
