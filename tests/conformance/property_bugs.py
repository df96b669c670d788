"""Python clients with bugs only some payloads trigger: the property run must find and shrink them."""

from __future__ import annotations

import json
from typing import Any

from sealmail.conformance.clients.http import read_reply
from sealmail.conformance.clients.netcore_email import SEND_PATH, NetcoreEmailClient, encrypt_request


class Latin1Client(NetcoreEmailClient):
    """Encodes the JSON as ISO-8859-1 instead of UTF-8: fine for ASCII, broken for anything else."""

    async def send(self, payload: Any) -> Any:
        text = json.dumps(payload, ensure_ascii=False)
        request = encrypt_request(payload)
        from sealmail.mockservers.crypto import aes_gcm
        from sealmail.mockservers.crypto.encoding import b64encode

        body = b64encode(aes_gcm.encrypt(request.key, request.iv, text.encode("latin-1", errors="replace"))).encode()
        headers = {**request.headers, "Authorization": f"Bearer {self.api_key}"}
        async with self._http().post(self.base_url + SEND_PATH, data=body, headers=headers) as response:
            reply = await read_reply(response)
        if reply.status >= 400:
            raise RuntimeError(f"HTTP {reply.status}")
        return reply


class DropsEmptyListsClient(NetcoreEmailClient):
    """Removes every empty list from the payload before sending (``cc: []`` disappears)."""

    async def send(self, payload: Any) -> Any:
        return await super().send(_without_empty_lists(payload))


def _without_empty_lists(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_empty_lists(v) for k, v in value.items() if v != []}
    if isinstance(value, list):
        return [_without_empty_lists(v) for v in value]
    return value


def latin1_client(base_url: str, config: dict[str, Any]) -> Latin1Client:
    return Latin1Client(base_url, config["api_key"], encrypt=True)


def drops_empty_lists_client(base_url: str, config: dict[str, Any]) -> DropsEmptyListsClient:
    return DropsEmptyListsClient(base_url, config["api_key"], encrypt=True)
