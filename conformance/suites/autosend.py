"""AutoSend conformance checks (requirements in conformance/requirements/autosend.py).

A client under test implements :class:`AutoSendAdapter`. Every verdict is
judged from the journal, i.e. from what the mock really received. To attribute
each mistake to its own requirement, a request is opened *leniently* here
(jwcrypto, any RSA key-management and AES content algorithm, JSON or compact
serialization, every key the mock ever listed), whatever the mock itself
answered: a client using RSA-OAEP with SHA-1 fails AS-JWE-ALG only, not also
AS-WHOLE-BODY.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Iterator, Protocol

from jwcrypto.jwe import JWE

from sealmail.conformance.clients.autosend import AutoSendClient
from sealmail.conformance.clients.http import RetryPolicy
from sealmail.conformance.evidence import clip, mock_said
from sealmail.conformance.framework import CheckContext, Suite, Verdict, failed, judge, judge_equal, not_evaluated, passed
from sealmail.conformance.requirements.autosend import REQUIREMENTS
from sealmail.conformance.retries import judge_measured_retries
from sealmail.mockservers.core import JournalEntry
from sealmail.mockservers.providers.autosend import spec

SAMPLE_MAIL: dict[str, Any] = {
    "to": {"email": "recipient@example.com", "name": "Zoë Émile 李"},
    "from": {"email": "sender@example.com", "name": "sealmail conformance"},
    "subject": "Conformance check ✓",
    "html": "<p>Grüße — {{name}} 🌍</p>",
    "dynamicData": {"name": "Zoë"},
}

LENIENT_ALGS = ["RSA-OAEP", "RSA-OAEP-256", "RSA1_5", "A128GCM", "A192GCM", "A256GCM",
                "A128CBC-HS256", "A192CBC-HS384", "A256CBC-HS512"]
"""What the judge will open (the mock accepts only RSA-OAEP-256 + A256GCM)."""

BIG_JOURNAL = 1 << 20


class AutoSendAdapter(Protocol):
    """What a client under test provides (the method may be ``async``)."""

    def send_mail(self, mail: dict[str, Any]) -> Any:
        """``POST /v1/mails/send`` with ``mail`` JWE-encrypted. Return anything on success; raise on failure."""


def reference_client(base_url: str, config: dict[str, Any]) -> AutoSendClient:
    """The reference client (its ``send_mail`` fits the adapter as it is)."""
    return AutoSendClient(base_url, config["api_key"], jwks_url=config.get("jwks_url"), retry=RetryPolicy(backoff_s=0.05))


SUITE = Suite("autosend", REQUIREMENTS, reference_client, AutoSendAdapter)


# --- reading what the mock received ---------------------------------------------------------------

@dataclass
class Seen:
    """One request as the judge reads it."""

    entry: JournalEntry
    envelope: dict[str, Any] | None
    token: str | None
    header: dict[str, Any] | None
    plaintext: bytes | None = None
    cek: bytes | None = None
    iv: bytes | None = None
    key_used: str | None = None

    @property
    def x_key_id(self) -> str | None:
        return self.entry.header(spec.HEADER_KEY_ID)

    @property
    def claimed_kid(self) -> str | None:
        return self.x_key_id or (self.header or {}).get("kid")

    @property
    def compact(self) -> bool:
        return self.token is not None and not self.token.lstrip().startswith("{") and self.token.count(".") == 4


def read(ctx: CheckContext, entry: JournalEntry) -> Seen:
    """Parse the envelope and open the JWE leniently with every key the mock held."""
    try:
        envelope = json.loads(entry.body)
    except (ValueError, RecursionError):  # JSONDecodeError, or a number past the int-digit limit
        envelope = None
    token = envelope.get(spec.ENVELOPE_FIELD) if isinstance(envelope, dict) else None
    seen = Seen(entry, envelope if isinstance(envelope, dict) else None, token if isinstance(token, str) else None, None)
    if seen.token is None:
        return seen
    obj = JWE()
    try:
        obj.deserialize(seen.token)
        header = obj.jose_header
        seen.header = header if isinstance(header, dict) else None
        seen.iv = obj.objects.get("iv")
    except Exception:  # a malformed token is a finding, not a crash
        return seen
    obj.allowed_algs = LENIENT_ALGS
    ring = ctx.mock.model.ring
    candidates = sorted(ring.history(), key=lambda k: k.kid != seen.claimed_kid)
    for key in candidates:
        try:
            obj.decrypt(key.private)
        except Exception:
            continue
        seen.plaintext, seen.cek, seen.key_used = obj.plaintext, obj.cek, key.kid
        break
    return seen


def _sends(ctx: CheckContext) -> list[JournalEntry]:
    return ctx.mock.requests(path=spec.SEND_PATH)


def _jwks_fetches(ctx: CheckContext) -> list[JournalEntry]:
    return ctx.mock.requests(path=spec.JWKS_PATH)


def _after(entries: list[JournalEntry], first_id: int) -> list[JournalEntry]:
    return [e for e in entries if e.id > first_id]


# --- checks ---------------------------------------------------------------------------------------

SEND_IDS = ("AS-AUTH-BEARER", "AS-CONTENT-TYPE", "AS-ENC-HEADER", "AS-ENVELOPE", "AS-JWE-COMPACT", "AS-JWE-ALG",
            "AS-JWE-ENC", "AS-WHOLE-BODY", "AS-KID-CONSISTENT", "AS-ACTIVE-KEY")


@SUITE.check(*SEND_IDS, journal_body_limit=BIG_JOURNAL, initial_keys=3)
def encrypted_send(ctx: CheckContext) -> Iterator[Verdict]:
    """One send with three listed keys; judge headers, envelope, JWE, kid and plaintext."""
    attempt = ctx.attempt(ctx.client.send_mail, SAMPLE_MAIL)
    entries = _sends(ctx)
    if not entries:
        for rid in SEND_IDS:
            yield failed(rid, f"no request reached POST {spec.SEND_PATH} (client {attempt.describe()})")
        return
    seen = read(ctx, entries[0])
    entry = seen.entry
    auth = entry.header("Authorization") or ""
    scheme, _, token = auth.partition(" ")
    yield judge("AS-AUTH-BEARER", scheme.lower() == "bearer" and token == ctx.mock.config["api_key"],
                "Authorization: Bearer <api key>", f"Authorization was {auth[:40]!r}")
    content_type = (entry.header("Content-Type") or "").split(";")[0].strip().lower()
    yield judge("AS-CONTENT-TYPE", content_type == "application/json", "Content-Type: application/json",
                f"Content-Type was {content_type!r}")
    flag = entry.header(spec.HEADER_ENCRYPTION)
    yield judge("AS-ENC-HEADER", flag == spec.ENCRYPTION_JWE, "X-Payload-Encryption: jwe", f"X-Payload-Encryption was {flag!r}")
    if entry.body_truncated:
        for rid in SEND_IDS[3:]:
            yield not_evaluated(rid, "body exceeds the journal limit")
        return
    envelope_ok = seen.envelope is not None and set(seen.envelope) == {spec.ENVELOPE_FIELD} and seen.token is not None
    yield judge("AS-ENVELOPE", envelope_ok, '{"encryptedData": "<JWE>"} and nothing else',
                f"body was {entry.body[:80]!r}" if seen.envelope is None else f"body fields {sorted(seen.envelope)}")
    if seen.token is None:
        for rid in SEND_IDS[4:]:
            yield not_evaluated(rid, "no encryptedData string to judge")
        return
    yield judge("AS-JWE-COMPACT", seen.compact, "compact serialization, 5 segments",
                "JSON serialization" if seen.token.lstrip().startswith("{") else f"{seen.token.count('.') + 1} segments")
    if seen.header is None:
        for rid in SEND_IDS[5:]:
            yield not_evaluated(rid, "the JWE could not be parsed")
        return
    alg, enc = seen.header.get("alg"), seen.header.get("enc")
    yield judge("AS-JWE-ALG", alg == spec.ALG, f"alg {alg}", f"alg {alg!r}, must be {spec.ALG}")
    yield judge("AS-JWE-ENC", enc == spec.ENC, f"enc {enc}", f"enc {enc!r}, must be {spec.ENC}")
    if seen.plaintext is None:
        yield failed("AS-WHOLE-BODY", "the JWE does not decrypt with any key the mock listed" + mock_said(entry))
    else:
        try:
            payload = json.loads(seen.plaintext.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            yield failed("AS-WHOLE-BODY", f"plaintext is not UTF-8 JSON ({error}): {clip(repr(seen.plaintext), 80)}")
        else:
            yield judge_equal("AS-WHOLE-BODY", SAMPLE_MAIL, payload, "the decrypted plaintext")
    x_key_id, header_kid = seen.x_key_id, seen.header.get("kid")
    if x_key_id is None and header_kid is None:
        yield failed("AS-KID-CONSISTENT", "no kid: neither X-Key-Id nor a kid in the protected header")
    elif x_key_id is not None and header_kid is not None and x_key_id != header_kid:
        yield failed("AS-KID-CONSISTENT", f"X-Key-Id {x_key_id!r} but header kid {header_kid!r}")
    elif seen.key_used is not None and seen.key_used != seen.claimed_kid:
        yield failed("AS-KID-CONSISTENT", f"kid {seen.claimed_kid!r} sent, but the JWE was encrypted to {seen.key_used!r}")
    elif seen.key_used is None:
        yield not_evaluated("AS-KID-CONSISTENT", "the JWE does not decrypt, so the key used is unknown")
    else:
        yield passed("AS-KID-CONSISTENT", f"kid {seen.claimed_kid} (X-Key-Id {x_key_id!r}, header {header_kid!r}) is the key used")
    active = ctx.mock.model.ring.active.kid
    used = seen.key_used or seen.claimed_kid
    yield judge("AS-ACTIVE-KEY", used == active, f"encrypted to the active key {active}",
                f"encrypted to {used!r}, the active (first) key is {active!r}")


@SUITE.check("AS-CEK-FRESH", "AS-IV-FRESH", journal_body_limit=BIG_JOURNAL)
def fresh_cek_and_iv(ctx: CheckContext) -> Iterator[Verdict]:
    """Three sends: three different CEKs (recovered with the mock's private keys) and IVs."""
    for _ in range(3):
        ctx.attempt(ctx.client.send_mail, SAMPLE_MAIL)
    seen = [read(ctx, e) for e in _sends(ctx)]
    ivs = [s.iv for s in seen if s.iv is not None]
    ceks = [s.cek for s in seen if s.cek is not None]
    if len(ivs) < 2:
        yield not_evaluated("AS-IV-FRESH", f"only {len(ivs)} readable JWE(s) reached the mock")
    else:
        yield judge("AS-IV-FRESH", len(set(ivs)) == len(ivs), f"{len(ivs)} requests, {len(ivs)} distinct IVs",
                    f"{len(ivs)} requests but only {len(set(ivs))} distinct IVs (IV reuse breaks GCM)")
    if len(ceks) < 2:
        yield not_evaluated("AS-CEK-FRESH", f"only {len(ceks)} JWE(s) could be opened")
    else:
        yield judge("AS-CEK-FRESH", len(set(ceks)) == len(ceks), f"{len(ceks)} requests, {len(ceks)} distinct CEKs",
                    f"{len(ceks)} requests but only {len(set(ceks))} distinct CEKs")


@SUITE.check("AS-JWKS-CACHED")
def jwks_cached(ctx: CheckContext) -> Iterator[Verdict]:
    """Three sends under the default max-age (a day): at most one JWKS fetch."""
    for _ in range(3):
        ctx.attempt(ctx.client.send_mail, SAMPLE_MAIL)
    sends, fetches = len(_sends(ctx)), len(_jwks_fetches(ctx))
    if sends < 3:
        yield not_evaluated("AS-JWKS-CACHED", f"only {sends} send(s) reached the mock")
        return
    yield judge("AS-JWKS-CACHED", fetches <= 1, f"{fetches} JWKS fetch(es) for {sends} requests",
                f"{fetches} JWKS fetches for {sends} requests (fetched per request)")


@SUITE.check("AS-JWKS-REFRESH", jwks_max_age_s=0)
def jwks_refresh(ctx: CheckContext) -> Iterator[Verdict]:
    """JWKS served with max-age=0: after a rotation the next send is preceded by a fresh JWKS fetch."""
    ctx.attempt(ctx.client.send_mail, SAMPLE_MAIL)
    first = _sends(ctx)
    if not first:
        yield not_evaluated("AS-JWKS-REFRESH", "the first send never reached the mock")
        return
    new_kid = ctx.mock.model.rotate().kid
    ctx.attempt(ctx.client.send_mail, SAMPLE_MAIL)
    later_sends = _after(_sends(ctx), first[-1].id)
    if not later_sends:
        yield not_evaluated("AS-JWKS-REFRESH", "the second send never reached the mock")
        return
    refetched = [e for e in _jwks_fetches(ctx) if first[-1].id < e.id < later_sends[0].id]
    yield judge("AS-JWKS-REFRESH", bool(refetched),
                f"stale JWKS fetched again before the next request (then kid {later_sends[0].header(spec.HEADER_KEY_ID)!r}, active {new_kid!r})",
                "the JWKS was stale (max-age=0) and rotated, but the client did not fetch it again")


@SUITE.check("AS-RETIRED-RECOVERY")
def retired_key_recovery(ctx: CheckContext) -> Iterator[Verdict]:
    """Cache key A; rotate to B and retire A; send: one refresh, one retry with B. Then a persistent
    UNKNOWN_KEY_ID (scripted): at most one retry, and the error reaches the caller."""
    ctx.attempt(ctx.client.send_mail, SAMPLE_MAIL)
    first = _sends(ctx)
    if not first:
        yield not_evaluated("AS-RETIRED-RECOVERY", "the first send never reached the mock")
        return
    old_kid = ctx.mock.model.ring.active.kid
    new_kid = ctx.mock.model.rotate().kid
    ctx.mock.model.retire(old_kid)
    attempt = ctx.attempt(ctx.client.send_mail, SAMPLE_MAIL)
    phase = _after(ctx.mock.requests(), first[-1].id)
    sends = [e for e in phase if e.path.split("?")[0] == spec.SEND_PATH]
    verdict = _recovery_verdict(ctx, phase, sends, old_kid, new_kid, attempt.ok)
    if verdict is not None:
        yield verdict
        return
    mark = ctx.mock.requests()[-1].id
    ctx.mock.model.script_errors(spec.UNKNOWN_KEY_ID, 3)
    persistent = ctx.attempt(ctx.client.send_mail, SAMPLE_MAIL)
    ctx.mock.model.clear_scripted()
    retried = len(_after(_sends(ctx), mark))
    if retried > 2:
        yield failed("AS-RETIRED-RECOVERY", f"{retried} sends on a persistent UNKNOWN_KEY_ID (refresh and retry once, then give up)")
    elif persistent.ok:
        yield failed("AS-RETIRED-RECOVERY", "client reported success although every answer was 400 UNKNOWN_KEY_ID")
    else:
        yield passed("AS-RETIRED-RECOVERY", f"retired key: one refresh and one retry with {new_kid}; persistent error raised after {retried} send(s)")


def _recovery_verdict(ctx: CheckContext, phase: list[JournalEntry], sends: list[JournalEntry], old_kid: str,
                      new_kid: str, succeeded: bool) -> Verdict | None:
    """A failing (or unjudgeable) verdict for the retired-key phase; None when it went right."""
    rid = "AS-RETIRED-RECOVERY"
    if not sends:
        return failed(rid, "no send after the key was retired")
    first_kid = read(ctx, sends[0]).claimed_kid
    if sends[0].error_code != spec.UNKNOWN_KEY_ID.code:
        if first_kid == new_kid:
            return None  # the client already had the new key (it refreshed on its own)
        return not_evaluated(rid, f"the mock refused the request ({sends[0].error_code}) before looking at its kid {first_kid!r}")
    until = sends[1].id if len(sends) > 1 else None
    fetches = [e for e in phase if e.id > sends[0].id and (until is None or e.id < until)
               and e.path.split("?")[0] == spec.JWKS_PATH]
    if not fetches:
        return failed(rid, f"400 UNKNOWN_KEY_ID for {old_kid}, but the client did not refresh the JWKS")
    if len(fetches) > 1:
        return failed(rid, f"{len(fetches)} JWKS fetches after one UNKNOWN_KEY_ID (refresh once)")
    if len(sends) != 2:
        return failed(rid, f"{len(sends) - 1} retries after refreshing (retry once)")
    # The retry is judged by the key it names; other refusals (a wrong alg, say) belong to other requirements.
    retry_kid = read(ctx, sends[1]).claimed_kid
    if sends[1].error_code == spec.UNKNOWN_KEY_ID.code or retry_kid != new_kid:
        return failed(rid, f"the retry named kid {retry_kid!r} ({sends[1].status} {sends[1].error_code}); the new active key is {new_kid!r}")
    if sends[1].status == 200 and not succeeded:
        return failed(rid, "the retry was accepted but the client reported a failure")
    return None


@SUITE.check("AS-SURFACE-ERRORS")
def surfaces_400s(ctx: CheckContext) -> Iterator[Verdict]:
    """DECRYPTION_FAILED, INVALID_JWE and VALIDATION_FAILED answers must not be reported as success."""
    results = []
    for kind in (spec.DECRYPTION_FAILED, spec.INVALID_JWE, spec.VALIDATION_FAILED):
        ctx.mock.model.script_errors(kind, 1)
        attempt = ctx.attempt(ctx.client.send_mail, SAMPLE_MAIL)
        ctx.mock.model.clear_scripted()
        last = _sends(ctx)[-1] if _sends(ctx) else None
        results.append((kind.code, attempt.ok and last is not None and last.error_code == kind.code))
    hidden = [code for code, success_reported in results if success_reported]
    yield judge("AS-SURFACE-ERRORS", not hidden, "every 400 was raised to the caller",
                f"client reported success after 400 {hidden}")


@SUITE.check("AS-NO-RETRY-4XX")
def no_retry_on_400(ctx: CheckContext) -> Iterator[Verdict]:
    """Three DECRYPTION_FAILED scripted: a correct client stops after the first."""
    ctx.mock.model.script_errors(spec.DECRYPTION_FAILED, 3)
    ctx.attempt(ctx.client.send_mail, SAMPLE_MAIL)
    ctx.mock.model.clear_scripted()
    count = len(_sends(ctx))
    yield judge("AS-NO-RETRY-4XX", count == 1, "one request, no retry after 400 DECRYPTION_FAILED",
                f"{count} requests after a 400 DECRYPTION_FAILED (a 4xx was retried)")


@SUITE.check("AS-RETRY-BOUNDED")
def bounded_retry_on_5xx(ctx: CheckContext) -> Iterator[Verdict]:
    """Six 503s scripted: no retry, or a bounded number of attempts with growing gaps (conformance/retries.py)."""
    def measure() -> list[int]:
        before = len(_sends(ctx))
        ctx.mock.fault(503, times=6, path=spec.SEND_PATH)
        ctx.attempt(ctx.client.send_mail, SAMPLE_MAIL)
        return [entry.time_ms for entry in _sends(ctx)[before:]]

    yield from judge_measured_retries("AS-RETRY-BOUNDED", measure)
