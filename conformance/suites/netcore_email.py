"""Netcore Email v6 conformance checks (requirements in conformance/requirements/netcore_email.py).

A client under test implements :class:`NetcoreEmailAdapter`. Every verdict is
judged from the journal, i.e. from the bytes the mock really received; the
body is decrypted here with the key and IV the client sent, decoded leniently,
so that one mistake (hex instead of base64, say) fails only its own requirement.
"""

from __future__ import annotations

import json
from typing import Any, Iterator, Protocol

from sealmail.conformance.clients.netcore_email import NetcoreEmailClient
from sealmail.conformance.evidence import decode_lenient, encoding_of, mock_said
from sealmail.conformance.framework import CheckContext, Suite, Verdict, failed, judge, judge_equal, not_evaluated, passed
from sealmail.conformance.requirements.netcore_email import REQUIREMENTS
from sealmail.conformance.retries import judge_measured_retries
from sealmail.mockservers.core import JournalEntry
from sealmail.mockservers.crypto import CryptoError, aes_gcm

SAMPLE_MESSAGE: dict[str, Any] = {
    "personalizations": [{"to": [{"email": "recipient@example.com", "name": "Zoë Émile 李"}]}],
    "from": {"email": "sender@example.com", "name": "sealmail conformance"},
    "subject": "Conformance check ✓",
    "content": [{"type": "html", "value": "<p>Grüße — 🌍</p>"}],
}


class NetcoreEmailAdapter(Protocol):
    """What a client under test provides (methods may be ``async``)."""

    def send(self, message: dict[str, Any]) -> Any:
        """Send one v6 payload, encrypted. Return anything on success; raise on failure."""


def reference_client(base_url: str, config: dict[str, Any]) -> NetcoreEmailClient:
    """The reference client (its ``send`` fits the adapter as it is)."""
    return NetcoreEmailClient(base_url, config["api_key"], encrypt=True)


SUITE = Suite("netcore-email", REQUIREMENTS, reference_client, NetcoreEmailAdapter)


def _sends(ctx: CheckContext) -> list[JournalEntry]:
    return ctx.mock.requests(path="/v6/mail/send")


@SUITE.check(
    "NE-AUTH-BEARER", "NE-CONTENT-TYPE", "NE-ENC-HEADERS", "NE-KEY-SIZE", "NE-IV-SIZE", "NE-BASE64-STD",
    "NE-BODY-LAYOUT", "NE-PLAINTEXT-JSON", "NE-PAYLOAD-FAITHFUL",
    journal_body_limit=1 << 20,
)
def encrypted_send(ctx: CheckContext) -> Iterator[Verdict]:
    """Send one message; judge every header and the body the mock received."""
    attempt = ctx.attempt(ctx.client.send, SAMPLE_MESSAGE)
    entries = _sends(ctx)
    if not entries:
        for rid in ("NE-AUTH-BEARER", "NE-CONTENT-TYPE", "NE-ENC-HEADERS", "NE-KEY-SIZE", "NE-IV-SIZE",
                    "NE-BASE64-STD", "NE-BODY-LAYOUT", "NE-PLAINTEXT-JSON", "NE-PAYLOAD-FAITHFUL"):
            yield failed(rid, f"no request reached POST /v6/mail/send (client {attempt.describe()})")
        return
    entry = entries[0]
    api_key = ctx.mock.config["api_key"]
    auth = entry.header("Authorization") or ""
    scheme, _, token = auth.partition(" ")
    yield judge("NE-AUTH-BEARER", scheme.lower() == "bearer" and token == api_key,
                "Authorization: Bearer <api key>", f"Authorization was {auth[:40]!r}")
    content_type = (entry.header("Content-Type") or "").split(";")[0].strip().lower()
    yield judge("NE-CONTENT-TYPE", content_type == "application/json",
                "Content-Type: application/json", f"Content-Type was {content_type!r}")
    flag, version = entry.header("X-Encryption"), entry.header("X-Encryption-Version")
    yield judge("NE-ENC-HEADERS", flag == "1" and version == "2",
                "X-Encryption: 1, X-Encryption-Version: 2", f"X-Encryption={flag!r}, X-Encryption-Version={version!r}")

    key_text, iv_text, body_text = entry.header("X-AES-KEY") or "", entry.header("X-AES-IV") or "", entry.body
    key, iv = decode_lenient(key_text), decode_lenient(iv_text)
    yield judge("NE-KEY-SIZE", key is not None and len(key) == 32, "32-byte key",
                f"key is {len(key)} bytes" if key is not None else f"X-AES-KEY not decodable: {key_text[:40]!r}")
    yield judge("NE-IV-SIZE", iv is not None and len(iv) == 12, "12-byte IV",
                f"IV is {len(iv)} bytes" if iv is not None else f"X-AES-IV not decodable: {iv_text[:40]!r}")
    encodings = {"X-AES-KEY": encoding_of(key_text), "X-AES-IV": encoding_of(iv_text), "body": encoding_of(body_text)}
    wrong = {name: enc for name, enc in encodings.items() if enc != "base64"}
    yield judge("NE-BASE64-STD", not wrong, "key, IV and body in standard base64", f"not standard base64: {wrong}")

    blob = decode_lenient(body_text)
    if key is None or iv is None or blob is None or entry.body_truncated:
        reason = "body exceeds the journal limit" if entry.body_truncated else "key, IV or body not decodable"
        for rid in ("NE-BODY-LAYOUT", "NE-PLAINTEXT-JSON", "NE-PAYLOAD-FAITHFUL"):
            yield not_evaluated(rid, reason)
        return
    try:
        plaintext = aes_gcm.decrypt(key, iv, blob)
    except CryptoError as error:
        yield failed("NE-BODY-LAYOUT", f"body does not decrypt as AES-GCM ciphertext||tag with the sent key and IV ({error.reason})" + mock_said(entry))
        yield not_evaluated("NE-PLAINTEXT-JSON", "body did not decrypt")
        yield not_evaluated("NE-PAYLOAD-FAITHFUL", "body did not decrypt")
        return
    yield passed("NE-BODY-LAYOUT", f"ciphertext||tag decrypts ({len(blob)} bytes)")
    try:
        payload = json.loads(plaintext.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        yield failed("NE-PLAINTEXT-JSON", f"plaintext is not UTF-8 JSON: {error}")
        yield not_evaluated("NE-PAYLOAD-FAITHFUL", "plaintext is not JSON")
        return
    yield judge("NE-PLAINTEXT-JSON", isinstance(payload, dict), "UTF-8 JSON object", f"JSON {type(payload).__name__}, not an object")
    yield judge_equal("NE-PAYLOAD-FAITHFUL", SAMPLE_MESSAGE, payload, "the decrypted payload")


@SUITE.check("NE-KEY-FRESH", "NE-IV-FRESH")
def fresh_key_and_iv(ctx: CheckContext) -> Iterator[Verdict]:
    """Three sends: three different keys and three different IVs."""
    for _ in range(3):
        ctx.attempt(ctx.client.send, SAMPLE_MESSAGE)
    entries = _sends(ctx)
    if len(entries) < 2:
        yield not_evaluated("NE-KEY-FRESH", f"only {len(entries)} request(s) reached the mock")
        yield not_evaluated("NE-IV-FRESH", f"only {len(entries)} request(s) reached the mock")
        return
    keys = [e.header("X-AES-KEY") for e in entries]
    ivs = [e.header("X-AES-IV") for e in entries]
    yield judge("NE-KEY-FRESH", len(set(keys)) == len(keys), f"{len(keys)} requests, {len(keys)} distinct keys",
                f"{len(keys)} requests but only {len(set(keys))} distinct keys")
    yield judge("NE-IV-FRESH", len(set(ivs)) == len(ivs), f"{len(ivs)} requests, {len(ivs)} distinct IVs",
                f"{len(ivs)} requests but only {len(set(ivs))} distinct IVs (IV reuse breaks GCM)")


@SUITE.check("NE-SURFACE-ERRORS")
def surfaces_4xx(ctx: CheckContext) -> Iterator[Verdict]:
    """The first send is answered 400: the client must not report success on that answer."""
    ctx.mock.fault(400, path="/v6/mail/send")
    attempt = ctx.attempt(ctx.client.send, SAMPLE_MESSAGE)
    entries = _sends(ctx)
    if not entries:
        yield not_evaluated("NE-SURFACE-ERRORS", "no request reached the mock")
        return
    last = entries[-1]
    reported_success_on_error = attempt.ok and (last.status or 0) >= 400
    yield judge("NE-SURFACE-ERRORS", not reported_success_on_error,
                f"client {attempt.describe()} after HTTP {last.status}",
                f"client reported success although its last answer was HTTP {last.status}")


@SUITE.check("NE-NO-RETRY-4XX")
def no_retry_on_4xx(ctx: CheckContext) -> Iterator[Verdict]:
    """Three 400s scripted: a correct client stops after the first."""
    ctx.mock.fault(400, times=3, path="/v6/mail/send")
    ctx.attempt(ctx.client.send, SAMPLE_MESSAGE)
    count = len(_sends(ctx))
    yield judge("NE-NO-RETRY-4XX", count == 1, "one request, no retry after 400",
                f"{count} requests after a 400 (a 4xx was retried)")


@SUITE.check("NE-RETRY-BOUNDED")
def bounded_retry_on_5xx(ctx: CheckContext) -> Iterator[Verdict]:
    """Six 503s scripted: no retry, or a bounded number of attempts with growing gaps (conformance/retries.py)."""
    def measure() -> list[int]:
        before = len(_sends(ctx))
        ctx.mock.fault(503, times=6, path="/v6/mail/send")
        ctx.attempt(ctx.client.send, SAMPLE_MESSAGE)
        return [entry.time_ms for entry in _sends(ctx)[before:]]

    yield from judge_measured_retries("NE-RETRY-BOUNDED", measure)
