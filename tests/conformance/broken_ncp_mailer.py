"""Deliberately broken ncp-mailer clients: each must fail exactly the requirements it breaks.

``QUIRK_CLIENTS`` are third-party habits the real gateway accepts (fact sheet
[code]); they must pass everything (tests/conformance/test_ncp_mailer_quirks.py).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from typing import Any, Callable, Mapping

from sealmail.conformance.clients.http import HttpReply, read_reply
from sealmail.conformance.clients.ncp_mailer import (
    MailRequestResult, NcpMailerClient, NcpMailerError, QueryValue, now_ms, request_target,
)
from sealmail.mockservers.crypto import ncp_signature
from yarl import URL

PROVIDER = "ncp-mailer"

IMPORT_TIME_MS = now_ms()
"""The "timestamp computed once at import" bug (fact sheet [code])."""


def _seconds() -> int:
    return time.time_ns() // 1_000_000_000


def _whole_seconds_in_ms() -> int:
    return time.time_ns() // 1_000_000_000 * 1000


class _Variant(NcpMailerClient):
    """The reference client with one habit switched on."""

    CLOCKS: dict[str, Callable[[], int]] = {
        "fixed_at_import": lambda: IMPORT_TIME_MS,
        "seconds": _seconds,
        "whole_seconds": _whole_seconds_in_ms,
    }

    def __init__(self, base_url: str, config: dict[str, Any], habit: str) -> None:
        super().__init__(base_url, config["access_key"], config["secret_key"], clock=self.CLOCKS.get(habit, now_ms))
        self.habit = habit

    async def send(self, mail: Mapping[str, Any]) -> MailRequestResult:
        try:
            return await super().send(mail)
        except NcpMailerError as error:
            ignored = {"ignores_service_errors": not error.from_gateway, "ignores_gateway_errors": error.from_gateway}
            if ignored.get(self.habit):
                return MailRequestResult("", 0, error.status, error.body)
            raise

    async def _send_once(self, method: str, path: str, query: Mapping[str, QueryValue] | None, body: bytes | None) -> HttpReply:
        uri = request_target(self.prefix, path, query)
        signed = uri
        if self.habit == "path_only":
            signed = uri.split("?", 1)[0]
        elif self.habit == "trailing_question_mark" and "?" not in uri:
            signed = uri + "?"
        timestamp = str(self.clock())
        message = ncp_signature.string_to_sign(method, signed, timestamp, self.access_key).encode("utf-8")
        key = self.secret_key.encode("latin-1" if self.habit == "latin1_secret" else "utf-8")
        raw = hmac.new(key, message, hashlib.sha256).digest()
        value = raw.hex() if self.habit == "hex" else base64.b64encode(raw).decode("ascii")
        names = ("x-ncp-apigw-timestamp", "x-ncp-iam-access-key",
                 "x-ncp-apigw-signature-v1" if self.habit == "v1_header" else "x-ncp-apigw-signature-v2")
        if self.habit == "mixed_case_headers":
            names = ("X-NCP-APIGW-TIMESTAMP", "X-Ncp-Iam-Access-Key", "X-NCP-APIGW-SIGNATURE-V2")
        headers = dict(zip(names, (timestamp, self.access_key, value)))
        if body is not None:
            headers["Content-Type"] = "text/plain" if self.habit == "text_plain" else "application/json"
        async with self._http().request(method, URL(self.base_url + uri, encoded=True), data=body, headers=headers) as response:
            return await read_reply(response)


def _factory(habit: str) -> Any:
    def factory(base_url: str, config: dict[str, Any]) -> _Variant:
        return _Variant(base_url, config, habit)

    factory.__name__ = factory.__qualname__ = f"ncp_{habit}"
    return factory


BROKEN_CLIENTS: dict[str, tuple[Any, frozenset[str]]] = {
    "timestamp fixed at import": (_factory("fixed_at_import"), frozenset({"NCP-TS-FRESH"})),
    "seconds instead of milliseconds": (_factory("seconds"), frozenset({"NCP-TS-MILLIS"})),
    "hex signature": (_factory("hex"), frozenset({"NCP-SIG-BASE64"})),
    "path without query": (_factory("path_only"), frozenset({"NCP-SIGN-QUERY"})),
    "trailing ? on an empty query": (_factory("trailing_question_mark"), frozenset({"NCP-SIGN-NO-EMPTY-QUERY"})),
    "v1 header name": (_factory("v1_header"), frozenset({"NCP-HEADER-SIGNATURE"})),
    "secret as ISO-8859-1": (_factory("latin1_secret"), frozenset({"NCP-SECRET-UTF8"})),
    "text/plain body": (_factory("text_plain"), frozenset({"NCP-CONTENT-TYPE"})),
    "ignores mailer errors": (_factory("ignores_service_errors"), frozenset({"NCP-SURFACE-SERVICE-ERRORS"})),
    "ignores gateway errors": (_factory("ignores_gateway_errors"), frozenset({"NCP-SURFACE-GATEWAY-ERRORS"})),
}

QUIRK_CLIENTS: dict[str, Any] = {
    "mixed-case header names": _factory("mixed_case_headers"),
    "whole-second timestamps times 1000": _factory("whole_seconds"),
}
