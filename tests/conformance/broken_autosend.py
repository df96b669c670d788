"""Deliberately broken AutoSend clients: each must fail exactly the requirements it breaks."""

from __future__ import annotations

import json
import os
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from jwcrypto.common import base64url_encode, json_encode
from jwcrypto.jwe import JWE

from sealmail.conformance.clients.autosend import AutoSendClient, AutoSendError, EncryptedBody, PublicKey, encrypt_body
from sealmail.conformance.clients.http import RetryPolicy
from sealmail.mockservers.crypto import jwe

PROVIDER = "autosend"


def _body(token: str, kid: str, **extra: Any) -> EncryptedBody:
    headers = {"Content-Type": "application/json", "X-Payload-Encryption": "jwe", "X-Key-Id": kid}
    return EncryptedBody(json.dumps({"encryptedData": token, **extra}).encode(), headers, kid, token)


def _plaintext(payload: Any) -> bytes:
    return json.dumps(payload, ensure_ascii=False).encode("utf-8")


class _Broken(AutoSendClient):
    """The reference client with one mistake switched on."""

    def __init__(self, base_url: str, api_key: str, *, mistake: str) -> None:
        # The reference backoff (50 then 100 ms): at 20 then 40 ms, load noise of tens of ms hid the growth
        # that AS-RETRY-BOUNDED looks for (9% of runs read as constant pace on a loaded machine).
        super().__init__(base_url, api_key, retry=RetryPolicy(backoff_s=0.05))
        self.mistake = mistake
        self.fixed_iv = os.urandom(12)
        self.fixed_cek = os.urandom(32)
        self._keys: list[PublicKey] = []

    def _choose_key(self, keys: list[PublicKey]) -> PublicKey:
        self._keys = keys
        return keys[-1] if self.mistake == "last_key" else keys[0]

    def _cache_is_fresh(self) -> bool:
        if self.mistake == "fetch_every_request":
            return False
        if self.mistake == "never_refreshes":
            return self._jwks is not None
        return super()._cache_is_fresh()

    async def _on_unknown_kid(self) -> bool:
        if self.mistake == "never_refreshes":
            return False
        return await super()._on_unknown_kid()

    def _encrypt(self, payload: Any, key: PublicKey) -> EncryptedBody:
        plaintext = _plaintext(payload)
        if self.mistake == "oaep_sha1":
            return _body(jwe.encrypt_compact(plaintext, key.key, kid=key.kid, alg="RSA-OAEP"), key.kid)
        if self.mistake == "java_default_oaep":
            # Java's Cipher "RSA/ECB/OAEPWithSHA-256AndMGF1Padding" without an OAEPParameterSpec: MGF1 stays SHA-1.
            header = {"alg": "RSA-OAEP-256", "enc": "A256GCM", "kid": key.kid}
            cek = os.urandom(32)
            parts = jwe.encrypt_compact_with(plaintext, key.key, header=header, cek=cek, iv=os.urandom(12)).split(".")
            public = key.key.get_op_key("wrapKey")
            parts[1] = base64url_encode(public.encrypt(cek, padding.OAEP(mgf=padding.MGF1(hashes.SHA1()), algorithm=hashes.SHA256(), label=None)))
            return _body(".".join(parts), key.kid)
        if self.mistake == "a128gcm":
            return _body(jwe.encrypt_compact(plaintext, key.key, kid=key.kid, enc="A128GCM"), key.kid)
        if self.mistake in ("reuse_iv", "reuse_cek"):
            cek = self.fixed_cek if self.mistake == "reuse_cek" else os.urandom(32)
            iv = self.fixed_iv if self.mistake == "reuse_iv" else os.urandom(12)
            header = {"alg": "RSA-OAEP-256", "enc": "A256GCM", "kid": key.kid}
            return _body(jwe.encrypt_compact_with(plaintext, key.key, header=header, cek=cek, iv=iv), key.kid)
        if self.mistake == "json_serialization":
            token = JWE(plaintext, protected=json_encode({"alg": "RSA-OAEP-256", "enc": "A256GCM", "kid": key.kid}),
                        algs=["RSA-OAEP-256", "A256GCM"])
            token.add_recipient(key.key)
            return _body(token.serialize(compact=False), key.kid)
        if self.mistake == "kid_mismatch":
            other = self._keys[-1].kid
            return _body(jwe.encrypt_compact(plaintext, key.key, kid=key.kid), other)
        if self.mistake == "field_in_clear":
            return _body(encrypt_body(payload, key).token, key.kid, to=payload.get("to"))
        if self.mistake == "drops_a_field":
            return encrypt_body({k: v for k, v in payload.items() if k != "dynamicData"}, key)
        request = encrypt_body(payload, key)
        if self.mistake == "no_encryption_header":
            headers = {k: v for k, v in request.headers.items() if k != "X-Payload-Encryption"}
            return EncryptedBody(request.body, headers, request.kid, request.token)
        return request

    async def post(self, path: str, payload: Any) -> dict[str, Any]:
        if self.mistake == "success_on_400":
            reply = await self._post_once(path, payload)  # never looks at the status
            return reply.body if isinstance(reply.body, dict) else {}
        if self.mistake == "retries_400":
            for attempt in range(3):
                try:
                    return await super().post(path, payload)
                except AutoSendError as error:
                    if error.status != 400 or error.code == "UNKNOWN_KEY_ID" or attempt == 2:
                        raise
        return await super().post(path, payload)



def _factory(mistake: str) -> Any:
    def factory(base_url: str, config: dict[str, Any]) -> _Broken:
        return _Broken(base_url, config["api_key"], mistake=mistake)

    factory.__name__ = factory.__qualname__ = f"broken_{mistake}"
    return factory


BROKEN_CLIENTS: dict[str, tuple[Any, frozenset[str]]] = {
    "RSA-OAEP with SHA-1": (_factory("oaep_sha1"), frozenset({"AS-JWE-ALG"})),
    "A128GCM": (_factory("a128gcm"), frozenset({"AS-JWE-ENC"})),
    "Java's default OAEP (MGF1-SHA-1) under RSA-OAEP-256": (_factory("java_default_oaep"), frozenset({"AS-WHOLE-BODY"})),
    "always the last key": (_factory("last_key"), frozenset({"AS-ACTIVE-KEY"})),
    "JWKS fetched on every request": (_factory("fetch_every_request"), frozenset({"AS-JWKS-CACHED"})),
    "never refreshes the JWKS": (_factory("never_refreshes"), frozenset({"AS-JWKS-REFRESH", "AS-RETIRED-RECOVERY"})),
    "reuses the IV": (_factory("reuse_iv"), frozenset({"AS-IV-FRESH"})),
    "reuses the CEK": (_factory("reuse_cek"), frozenset({"AS-CEK-FRESH"})),
    "JSON serialization": (_factory("json_serialization"), frozenset({"AS-JWE-COMPACT"})),
    "X-Key-Id names another key": (_factory("kid_mismatch"), frozenset({"AS-KID-CONSISTENT"})),
    "a field in clear beside encryptedData": (_factory("field_in_clear"), frozenset({"AS-ENVELOPE"})),
    "drops a field before encrypting": (_factory("drops_a_field"), frozenset({"AS-WHOLE-BODY"})),
    "omits X-Payload-Encryption": (_factory("no_encryption_header"), frozenset({"AS-ENC-HEADER"})),
    "reports success on 400": (_factory("success_on_400"), frozenset({"AS-SURFACE-ERRORS", "AS-RETIRED-RECOVERY"})),
    "retries a 400": (_factory("retries_400"), frozenset({"AS-NO-RETRY-4XX"})),
}
