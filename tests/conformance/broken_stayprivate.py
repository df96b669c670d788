"""Deliberately broken stayprivate clients: each must fail exactly the requirements it breaks."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import aiohttp
from jwcrypto.common import base64url_encode
from jwcrypto.jwk import JWK

from sealmail.conformance.clients.http import HttpReply, read_reply
from sealmail.conformance.clients.stayprivate import (
    API_BASE,
    ESIGN_FIELD,
    EmailMessage,
    OutgoingAttachment,
    SendResult,
    StayPrivateClient,
    TokenSigner,
)
from sealmail.mockservers.crypto.jwt import sign_compact

PROVIDER = "stayprivate"


class _Signer(TokenSigner):
    """The reference signer with one claim or the algorithm wrong."""

    def __init__(self, company_api_id: str, private_key_pem: str, public_key_pem: str, mistake: str) -> None:
        super().__init__(company_api_id, private_key_pem, lifetime_s=86_400 if mistake == "long_lived" else 300)
        self.mistake = mistake
        self.public_key_pem = public_key_pem

    def claims(self, now: int) -> dict[str, Any]:
        claims = super().claims(now)
        if self.mistake == "no_exp":
            del claims["exp"]
        if self.mistake == "wrong_iss":
            claims["iss"] = "my-app"  # a common slip: the app name instead of the company API id
        return claims

    def token(self) -> str:
        if self.mistake != "hs256_public_key":
            return super().token()
        # Key confusion: HS256 "signed" with the RSA public key PEM as the HMAC secret.
        secret = JWK(kty="oct", k=base64url_encode(self.public_key_pem.encode("ascii")))
        payload = json.dumps(self.claims(int(time.time()))).encode()
        return sign_compact({"alg": "HS256", "typ": "JWT"}, payload, secret)


class _Broken(StayPrivateClient):
    """The reference client with one mistake switched on."""

    def __init__(self, base_url: str, config: dict[str, Any], mistake: str) -> None:
        signer = _Signer(config["company_api_id"], config["private_key_pem"], config["public_key_pem"], mistake)
        super().__init__(base_url, config["company_api_id"], config["private_key_pem"], signer=signer)
        self.mistake = mistake

    async def upload(self, email_ref: str, attachment: OutgoingAttachment, *, file_ref: str | None = None) -> str:
        if self.mistake != "wrong_field":
            return await super().upload(email_ref, attachment, file_ref=file_ref)
        path = f"{API_BASE}/{email_ref}/attachments/upload"

        async def once() -> HttpReply:
            form = aiohttp.FormData(quote_fields=False)
            form.add_field(ESIGN_FIELD, "Y" if attachment.esign else "N")
            form.add_field("file", attachment.data, filename=attachment.file_name, content_type=attachment.content_type)
            async with self._http().post(self.base_url + path, data=form, headers=self._auth()) as response:
                return await read_reply(response)

        return str((await self._checked(once)).get("fileRef"))

    async def send_email(self, message: EmailMessage) -> SendResult:
        if self.mistake != "send_before_upload" or not message.attachments:
            return await super().send_email(message)
        # Fires the uploads and the send together instead of waiting for each upload.
        email_ref = await self.prepare(message.sender_email, subject=message.subject, body=message.body)
        uploads = [self.upload(email_ref, a) for a in message.attachments]
        send = self.send(email_ref, subject=message.subject, body=message.body, to=message.to, cc=message.cc, bcc=message.bcc)
        results = await asyncio.gather(*uploads, send, return_exceptions=True)
        for result in results:
            if isinstance(result, BaseException):
                raise result
        return results[-1]  # type: ignore[return-value]


def _factory(mistake: str) -> Any:
    def factory(base_url: str, config: dict[str, Any]) -> _Broken:
        return _Broken(base_url, config, mistake)

    factory.__name__ = factory.__qualname__ = f"broken_{mistake}"
    return factory


BROKEN_CLIENTS: dict[str, tuple[Any, frozenset[str]]] = {
    "token without exp": (_factory("no_exp"), frozenset({"SP-JWT-EXP"})),
    "iss is not the company API id": (_factory("wrong_iss"), frozenset({"SP-JWT-ISS"})),
    "HS256 keyed with the public key": (_factory("hs256_public_key"), frozenset({"SP-JWT-ALG"})),
    "wrong multipart field name": (_factory("wrong_field"), frozenset({"SP-UPLOAD-FIELD"})),
    "sends before the uploads finish": (_factory("send_before_upload"), frozenset({"SP-FLOW-ORDER"})),
    "day-long tokens": (_factory("long_lived"), frozenset({"SP-JWT-LIFETIME"})),
}
