"""Deliberately broken netcore-email clients: each must fail exactly the requirements it breaks."""

from __future__ import annotations

import json
import os
from typing import Any

from sealmail.conformance.clients.http import HttpReply, read_reply
from sealmail.conformance.clients.netcore_email import SEND_PATH, NetcoreEmailClient, encrypt_request
from sealmail.mockservers.crypto import aes_gcm
from sealmail.mockservers.crypto.encoding import b64encode

PROVIDER = "netcore-email"


class _Broken(NetcoreEmailClient):
    """The reference client with one mistake switched on."""

    def __init__(self, base_url: str, api_key: str, *, mistake: str) -> None:
        super().__init__(base_url, api_key)
        self.mistake = mistake
        self.fixed_iv = os.urandom(12)

    async def send(self, payload: Any) -> Any:
        if self.mistake == "success_on_400":
            return await self._send_once(payload)  # never looks at the status
        if self.mistake == "retry_400_forever":
            while True:
                reply = await self._send_once(payload)
                if reply.status != 400:
                    return reply
        return await super().send(payload)

    async def _send_once(self, payload: Any) -> HttpReply:
        plaintext = json.dumps(payload).encode("utf-8")
        request = encrypt_request(payload, iv=self.fixed_iv if self.mistake == "reuse_iv" else None)
        headers = {**request.headers, "Authorization": f"Bearer {self.api_key}"}
        body = request.body
        if self.mistake == "drop_tag":
            body = b64encode(aes_gcm.encrypt(request.key, request.iv, plaintext)[:-aes_gcm.TAG_SIZE]).encode()
        elif self.mistake == "hex":
            headers["X-AES-KEY"], headers["X-AES-IV"] = request.key.hex(), request.iv.hex()
            body = aes_gcm.encrypt(request.key, request.iv, plaintext).hex().encode()
        elif self.mistake == "omit_version":
            del headers["X-Encryption-Version"]
        async with self._http().post(self.base_url + SEND_PATH, data=body, headers=headers) as response:
            return await read_reply(response)


def _factory(mistake: str) -> Any:
    def factory(base_url: str, config: dict[str, Any]) -> _Broken:
        return _Broken(base_url, config["api_key"], mistake=mistake)

    factory.__name__ = factory.__qualname__ = f"broken_{mistake}"
    return factory


BROKEN_CLIENTS: dict[str, tuple[Any, frozenset[str]]] = {
    "reuses the IV": (_factory("reuse_iv"), frozenset({"NE-IV-FRESH"})),
    "drops the tag": (_factory("drop_tag"), frozenset({"NE-BODY-LAYOUT"})),
    "hex instead of base64": (_factory("hex"), frozenset({"NE-BASE64-STD"})),
    "omits X-Encryption-Version": (_factory("omit_version"), frozenset({"NE-ENC-HEADERS"})),
    "reports success on 400": (_factory("success_on_400"), frozenset({"NE-SURFACE-ERRORS"})),
    "retries a 400 forever": (_factory("retry_400_forever"), frozenset({"NE-NO-RETRY-4XX"})),
}
