"""Netcore CE activity upload conformance checks (requirements in conformance/requirements/netcore_ce.py).

A client under test implements :class:`NetcoreCeAdapter`: it turns neutral
:class:`Event` objects into the provider's activities (asset id, UTC
timestamp, source), encrypts them with the requested eCode and the key
material from ``GET /__mock__/config``, and uploads them.

Every verdict is judged from the journal, i.e. from the bytes the mock really
received. Bodies are read leniently here (any hex case, other key derivations,
other paddings) so that one mistake fails only its own requirement: a client
that zero-pads fails CE-PKCS7, and its payload is still read and judged.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any, Iterator, Protocol

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from sealmail.conformance.clients.netcore_ce import (
    AES_256_CBC_BASE64,
    AES_256_CBC_HEX,
    AES_256_GCM_BASE64,
    NetcoreCeClient,
    activity,
    generate_key_and_iv,
    utc_timestamp,
)
from sealmail.conformance.evidence import decode_lenient, encoding_of, mock_said
from sealmail.conformance.framework import CheckContext, Suite, Verdict, failed, judge, not_evaluated, passed
from sealmail.conformance.requirements.netcore_ce import REQUIREMENTS
from sealmail.conformance.retries import judge_measured_retries
from sealmail.mockservers.core import JournalEntry
from sealmail.mockservers.crypto import CryptoError, aes_gcm

UPLOAD_PATH = "/v1/activity/upload"
ECODES = (AES_256_CBC_BASE64, AES_256_CBC_HEX, AES_256_GCM_BASE64)
IST = dt.timezone(dt.timedelta(hours=5, minutes=30))
UTC_Z = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,9})?Z")


@dataclass(frozen=True)
class Event:
    """What happened, before it becomes a provider activity.

    The client adds ``asset_id`` (its asset), formats ``occurred_at`` (an aware
    datetime, often not in UTC) as the activity's ``timestamp``, and copies
    ``name``, ``identity``, ``params`` and ``source``.
    """

    name: str
    identity: str | int
    params: dict[str, Any]
    occurred_at: dt.datetime
    source: str = "web"


class NetcoreCeAdapter(Protocol):
    """What a client under test provides (methods may be ``async``).

    The factory ``factory(base_url, config)`` gets ``GET /__mock__/config``:
    ``api_key``, ``asset``, ``key`` and ``iv`` (CBC), ``gcm_key`` (11258).
    """

    def generate_key_and_iv(self) -> tuple[str, str]:
        """The customer's key generator (seed Step 1): SECRET_KEY and SECRET_IV."""

    def upload(self, events: list[Event], ecode: int) -> Any:
        """Encrypt the events as activities with ``ecode`` and upload them. Raise on failure."""


class ReferenceAdapter:
    """The reference client behind the adapter protocol."""

    def __init__(self, base_url: str, config: dict[str, Any]) -> None:
        self.asset = config["asset"]
        self._clients = {
            ecode: NetcoreCeClient(
                base_url,
                config["api_key"],
                config["asset"],
                config["gcm_key"] if ecode == AES_256_GCM_BASE64 else config["key"],
                None if ecode == AES_256_GCM_BASE64 else config["iv"],
                ecode=ecode,
            )
            for ecode in ECODES
        }

    def generate_key_and_iv(self) -> tuple[str, str]:
        return generate_key_and_iv()

    def activities(self, events: list[Event]) -> list[dict[str, Any]]:
        return [
            activity(self.asset, e.name, e.identity, e.params, source=e.source, timestamp=utc_timestamp(e.occurred_at))
            for e in events
        ]

    async def upload(self, events: list[Event], ecode: int) -> Any:
        return await self._clients[ecode].upload(self.activities(events))

    async def aclose(self) -> None:
        for client in self._clients.values():
            await client.close()


def reference_client(base_url: str, config: dict[str, Any]) -> ReferenceAdapter:
    return ReferenceAdapter(base_url, config)


SUITE = Suite("netcore-ce", REQUIREMENTS, reference_client, NetcoreCeAdapter)


def sample_events(tag: str = "") -> list[Event]:
    """Two events, one web one app, with times given in IST (the client must convert to UTC)."""
    return [
        Event(f"form_submitted{tag}", "9999911111", {"user_name": "Mahesh", "reason": "test 123", "day": "Tuesday", "city": "Pune ✓"},
              dt.datetime(2025, 8, 26, 17, 35, 43, tzinfo=IST), "web"),
        Event(f"app_opened{tag}", 42, {"items": [{"sku": "A-1", "qty": 2}], "note": "Grüße — 🌍"},
              dt.datetime(2025, 8, 26, 23, 59, 1, tzinfo=IST), "app"),
    ]


# --- reading what the mock received ------------------------------------------------------
@dataclass
class Reading:
    """One upload as received, decoded as leniently as the evidence allows."""

    entry: JournalEntry
    requested: int
    text: str | None = None
    envelope_problem: str | None = None
    data: bytes | None = None
    key_used: str | None = None
    padding: str | None = None
    gcm_layout: bool | None = None
    plaintext: bytes | None = None
    json_ok: bool = False
    payload: Any = None
    notes: list[str] = field(default_factory=list)

    @property
    def decrypted(self) -> bool:
        return self.plaintext is not None


def read_upload(entry: JournalEntry, requested: int, config: dict[str, Any]) -> Reading:
    reading = Reading(entry, requested)
    if entry.body_truncated:
        reading.envelope_problem = "body exceeds the journal limit"
        return reading
    try:
        body = json.loads(entry.body)
    except ValueError as error:
        reading.envelope_problem = f"body is not JSON ({error})"
        body = None
    if isinstance(body, dict) and isinstance(body.get("encryptedRequest"), str):
        reading.text = body["encryptedRequest"]
    elif body is not None:
        reading.envelope_problem = 'body is not {"encryptedRequest": "<string>"}'
    if reading.text is None:
        return reading
    reading.data = decode_lenient(reading.text)
    if reading.data is None:
        return reading
    if requested == AES_256_GCM_BASE64:
        _open_gcm(reading, config)
    else:
        _open_cbc(reading, config)
    if reading.plaintext is not None:
        try:
            reading.payload = json.loads(reading.plaintext.decode("utf-8"))
            reading.json_ok = True
        except ValueError:
            reading.notes.append("decrypts, but the plaintext is not UTF-8 JSON")
    return reading


AS_SHARED = "as shared"


def _key_candidates(text: str, sizes: tuple[int, ...], *, gcm: bool = False) -> list[tuple[str, bytes]]:
    """The shared key as the provider reads it (labelled AS_SHARED), then the usual misreadings."""
    utf8 = ("UTF-8 bytes", text.encode("utf-8"))
    found: list[tuple[str, bytes]] = [] if gcm else [(AS_SHARED, utf8[1])]
    try:
        found.append((AS_SHARED if gcm else "base64-decoded", base64.b64decode(text, validate=True)))
    except (binascii.Error, ValueError):
        pass
    if gcm:
        found.append(utf8)
    try:
        found.append(("hex-decoded", binascii.unhexlify(text)))
    except (binascii.Error, ValueError):
        pass
    found.append(("SHA-256 of the text", hashlib.sha256(text.encode("utf-8")).digest()))
    return [(name, key) for name, key in found if len(key) in sizes]


def _open_cbc(reading: Reading, config: dict[str, Any]) -> None:
    data = reading.data or b""
    if not data or len(data) % 16:
        reading.notes.append(f"{len(data)} bytes is not a whole number of AES blocks")
        return
    ivs = _key_candidates(config["iv"], (16,))
    for key_name, key in _key_candidates(config["key"], (16, 24, 32)):
        for iv_name, iv in ivs:
            decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
            raw = decryptor.update(data) + decryptor.finalize()
            for padding_name, plaintext in _unpaddings(raw):
                if _is_json(plaintext):
                    reading.key_used = AS_SHARED if key_name == iv_name == AS_SHARED else f"key {key_name}, IV {iv_name}"
                    reading.padding = padding_name
                    reading.plaintext = plaintext
                    return
    # No reading gives JSON: PKCS#7 that checks out under the key as shared still shows the key was right.
    key, iv = config["key"].encode("utf-8"), config["iv"].encode("utf-8")
    if len(key) == 32 and len(iv) == 16:
        decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
        raw = decryptor.update(data) + decryptor.finalize()
        padding_name, plaintext = next(_unpaddings(raw))
        if padding_name == "PKCS#7":
            reading.key_used, reading.padding, reading.plaintext = AS_SHARED, padding_name, plaintext


def _unpaddings(raw: bytes) -> Iterator[tuple[str, bytes]]:
    """PKCS#7 first, then the paddings clients get wrong."""
    n = raw[-1] if raw else 0
    if 1 <= n <= 16 and raw.endswith(bytes([n]) * n):
        yield "PKCS#7", raw[:-n]
    if 1 <= n <= 16:
        yield "length-byte padding (ANSI X.923 / ISO 10126)", raw[:-n]
    if raw.endswith(b"\x00"):
        yield "zero padding", raw.rstrip(b"\x00")
    if raw.endswith(b" "):
        yield "space padding", raw.rstrip(b" ")
    yield "no padding", raw


def _is_json(plaintext: bytes) -> bool:
    try:
        json.loads(plaintext.decode("utf-8"))
        return True
    except ValueError:
        return False


def _open_gcm(reading: Reading, config: dict[str, Any]) -> None:
    data = reading.data or b""
    if len(data) < 28:
        reading.gcm_layout = False
        reading.notes.append(f"{len(data)} bytes: shorter than nonce + tag")
        return
    for key_name, key in _key_candidates(config["gcm_key"], (32,), gcm=True):
        try:
            reading.plaintext = aes_gcm.decrypt(key, data[:12], data[12:])
        except CryptoError:
            continue
        reading.key_used = key_name
        reading.gcm_layout = True
        return
    reading.gcm_layout = False


# --- checks ------------------------------------------------------------------------------
def _uploads(ctx: CheckContext) -> list[JournalEntry]:
    return ctx.mock.requests(path=UPLOAD_PATH)


MAIN_IDS = (
    "CE-AUTH-BEARER", "CE-CONTENT-TYPE", "CE-BODY-ENVELOPE", "CE-ECODE-MATCH", "CE-ASSET-MATCH", "CE-KEY-BYTES",
    "CE-PKCS7", "CE-ENCODING", "CE-GCM-LAYOUT", "CE-PAYLOAD", "CE-TIMESTAMP-UTC", "CE-ACTIVITY-SOURCE",
)


@SUITE.check(*MAIN_IDS, journal_body_limit=1 << 20)
def upload_with_each_ecode(ctx: CheckContext) -> Iterator[Verdict]:
    """One upload per eCode; judge headers, encoding, key use, padding, layout and payload of each."""
    config = ctx.mock.config
    verdicts: dict[str, list[Verdict]] = {rid: [] for rid in MAIN_IDS}
    for ecode in ECODES:
        events = sample_events(f"_{ecode}")
        before = len(_uploads(ctx))
        attempt = ctx.attempt(ctx.client.upload, events, ecode)
        entries = _uploads(ctx)[before:]
        if not entries:
            for rid in MAIN_IDS:
                verdicts[rid].append(failed(rid, f"{ecode}: no request reached POST {UPLOAD_PATH} (client {attempt.describe()})"))
            continue
        reading = read_upload(entries[0], ecode, config)
        for verdict in _judge_upload(reading, events, config):
            verdicts[verdict.requirement_id].append(verdict)
    for rid, found in verdicts.items():
        yield _worst(rid, found)


def _worst(rid: str, verdicts: list[Verdict]) -> Verdict:
    for verdict in verdicts:
        if verdict.passed is False:
            return verdict
    good = [v for v in verdicts if v.passed]
    if good:
        return passed(rid, "; ".join(v.evidence for v in good))
    return verdicts[0] if verdicts else not_evaluated(rid, "no upload judged it")


def _judge_upload(r: Reading, events: list[Event], config: dict[str, Any]) -> Iterator[Verdict]:
    e, ecode = r.entry, r.requested
    auth = e.header("Authorization") or ""
    scheme, _, token = auth.partition(" ")
    yield judge("CE-AUTH-BEARER", scheme.lower() == "bearer" and token == config["api_key"],
                f"{ecode}: Bearer API key", f"{ecode}: Authorization was {auth[:40]!r}")
    content_type = (e.header("Content-Type") or "").split(";")[0].strip().lower()
    yield judge("CE-CONTENT-TYPE", content_type == "application/json",
                f"{ecode}: application/json", f"{ecode}: Content-Type was {content_type!r}")
    yield judge("CE-BODY-ENVELOPE", r.envelope_problem is None and r.text is not None,
                f"{ecode}: {{\"encryptedRequest\": ...}}", f"{ecode}: {r.envelope_problem}")
    header_ecode = (e.header("x-eCode") or "").strip()
    yield judge("CE-ECODE-MATCH", header_ecode == str(ecode),
                f"{ecode}: x-eCode {ecode}", f"body encrypted as {ecode} but x-eCode was {header_ecode or 'absent'!r}")
    if r.text is None:
        for rid in ("CE-ASSET-MATCH", "CE-KEY-BYTES", "CE-PKCS7", "CE-ENCODING", "CE-GCM-LAYOUT", "CE-PAYLOAD",
                    "CE-TIMESTAMP-UTC", "CE-ACTIVITY-SOURCE"):
            yield not_evaluated(rid, f"{ecode}: no encryptedRequest to read")
        return

    yield _judge_encoding(ecode, r.text)
    unreadable = ("CE-KEY-BYTES", "CE-PKCS7", "CE-GCM-LAYOUT", "CE-PAYLOAD", "CE-TIMESTAMP-UTC", "CE-ACTIVITY-SOURCE")
    if r.data is None:
        for rid in unreadable:
            yield not_evaluated(rid, f"{ecode}: encryptedRequest is neither base64 nor hex")
        yield from _judge_asset_header(r, config)
        return
    notes = f" ({'; '.join(r.notes)})" if r.notes else ""
    if ecode == AES_256_GCM_BASE64:
        yield judge("CE-GCM-LAYOUT", bool(r.gcm_layout), "11258: nonce || ciphertext || tag decrypts",
                    "11258: not base64(12-byte nonce || ciphertext || 16-byte tag) under the shared key read any usual way" + notes
                    + mock_said(r.entry))
    if not r.decrypted:
        if ecode == AES_256_GCM_BASE64:
            yield not_evaluated("CE-KEY-BYTES", "11258: a wrong key and a wrong layout look alike (judged under CE-GCM-LAYOUT)")
        else:
            yield failed("CE-KEY-BYTES", f"{ecode}: body does not decrypt to JSON with the shared key read any usual way" + notes + mock_said(r.entry))
        for rid in ("CE-PKCS7", "CE-PAYLOAD", "CE-TIMESTAMP-UTC", "CE-ACTIVITY-SOURCE"):
            yield not_evaluated(rid, f"{ecode}: body could not be decrypted")
        yield from _judge_asset_header(r, config)
        return
    yield judge("CE-KEY-BYTES", r.key_used == AS_SHARED, f"{ecode}: shared key used as specified",
                f"{ecode}: body decrypts only with the shared {r.key_used}")
    if ecode != AES_256_GCM_BASE64:
        yield judge("CE-PKCS7", r.padding == "PKCS#7", f"{ecode}: PKCS#7", f"{ecode}: plaintext has {r.padding}, not PKCS#7")
    if not r.json_ok:
        yield failed("CE-PAYLOAD", f"{ecode}: the plaintext is not UTF-8 JSON")
        for rid in ("CE-TIMESTAMP-UTC", "CE-ACTIVITY-SOURCE"):
            yield not_evaluated(rid, f"{ecode}: the plaintext is not JSON")
        yield from _judge_asset_header(r, config)
        return
    yield from _judge_payload(r, events, config)


def _judge_asset_header(r: Reading, config: dict[str, Any]) -> Iterator[Verdict]:
    """CE-ASSET-MATCH when the payload cannot be read: only the header can be judged."""
    asset_header = r.entry.header("x-asset")
    if asset_header != config["asset"]:
        yield failed("CE-ASSET-MATCH", f"{r.requested}: x-asset was {asset_header!r}, the panel asset is {config['asset']!r}")
    else:
        yield not_evaluated("CE-ASSET-MATCH", f"{r.requested}: x-asset is right; the payload's asset_id could not be read")


def _judge_encoding(ecode: int, text: str) -> Verdict:
    if ecode == AES_256_CBC_HEX:
        ok = bool(re.fullmatch(r"(?:[0-9a-f]{2})+", text))
        found = "upper-case hex" if re.fullmatch(r"(?:[0-9a-fA-F]{2})+", text) else encoding_of(text)
        return judge("CE-ENCODING", ok, "11257: lowercase hex", f"11257: encryptedRequest is {found}, not lowercase hex")
    found = encoding_of(text)
    return judge("CE-ENCODING", found == "base64", f"{ecode}: standard base64", f"{ecode}: encryptedRequest is {found}, not standard base64")


def _judge_payload(r: Reading, events: list[Event], config: dict[str, Any]) -> Iterator[Verdict]:
    ecode, payload = r.requested, r.payload
    asset_header = r.entry.header("x-asset")
    shape_ok = isinstance(payload, list) and len(payload) == len(events) and all(isinstance(a, dict) for a in payload)
    if not shape_ok:
        yield failed("CE-PAYLOAD", f"{ecode}: plaintext is not an array of {len(events)} activity objects")
        for rid in ("CE-TIMESTAMP-UTC", "CE-ACTIVITY-SOURCE"):
            yield not_evaluated(rid, f"{ecode}: payload is not an array of activities")
        yield judge("CE-ASSET-MATCH", asset_header == config["asset"], f"{ecode}: x-asset is the panel asset",
                    f"{ecode}: x-asset was {asset_header!r}")
        return
    asset_ids = {a.get("asset_id") for a in payload}
    yield judge("CE-ASSET-MATCH", asset_header == config["asset"] and asset_ids == {asset_header},
                f"{ecode}: x-asset equals every asset_id", f"{ecode}: x-asset {asset_header!r}, asset_id(s) {sorted(map(str, asset_ids))}")
    faithful = all(
        a.get("activity_name") == ev.name and a.get("identity") == ev.identity and a.get("activity_params") == ev.params
        for a, ev in zip(payload, events)
    )
    yield judge("CE-PAYLOAD", faithful, f"{ecode}: activity_name, identity and activity_params as given",
                f"{ecode}: activity_name, identity or activity_params differ from the events")
    problems = [p for a, ev in zip(payload, events) if (p := _timestamp_problem(a.get("timestamp"), ev.occurred_at))]
    yield judge("CE-TIMESTAMP-UTC", not problems, f"{ecode}: UTC timestamps with Z", f"{ecode}: {problems[0] if problems else ''}")
    sources = [a.get("activity_source") for a in payload]
    yield judge("CE-ACTIVITY-SOURCE", sources == [ev.source for ev in events],
                f"{ecode}: activity_source {sources}", f"{ecode}: activity_source {sources}, expected {[ev.source for ev in events]}")


def _timestamp_problem(value: Any, when: dt.datetime) -> str | None:
    if not isinstance(value, str) or not UTC_Z.fullmatch(value):
        return f"timestamp {value!r} is not UTC ISO-8601 with Z"
    parsed = dt.datetime.fromisoformat(value)
    if int(parsed.timestamp()) != int(when.timestamp()):
        return f"timestamp {value} is not the event time {utc_timestamp(when)}"
    return None


@SUITE.check("CE-KEY-FORMAT")
def key_generator(ctx: CheckContext) -> Iterator[Verdict]:
    """Three runs of the client's generator: 32 + 16 characters of [A-Za-z0-9], all different."""
    pairs = [ctx.call(ctx.client.generate_key_and_iv) for _ in range(3)]
    shapes = [(k, v) for k, v in pairs if isinstance(k, str) and isinstance(v, str)]
    if len(shapes) < len(pairs):
        yield failed("CE-KEY-FORMAT", f"generator returned {pairs[0]!r}, not (key, iv) strings")
        return
    bad = [(k, v) for k, v in shapes if not re.fullmatch(r"[A-Za-z0-9]{32}", k) or not re.fullmatch(r"[A-Za-z0-9]{16}", v)]
    if bad:
        key, iv = bad[0]
        yield failed("CE-KEY-FORMAT", f"generated key of {len(key)} and IV of {len(iv)} characters "
                     f"({'hex' if re.fullmatch(r'[0-9a-f]+', key + iv) else 'other'}); need 32 and 16 of [A-Za-z0-9]")
        return
    distinct = len({k for k, _ in shapes}) == len(shapes) and len({v for _, v in shapes}) == len(shapes)
    yield judge("CE-KEY-FORMAT", distinct, "3 runs: 32- and 16-character [A-Za-z0-9] keys and IVs, all different",
                "the generator repeats keys or IVs")


@SUITE.check("CE-NONCE-FRESH", journal_body_limit=1 << 20)
def fresh_gcm_nonces(ctx: CheckContext) -> Iterator[Verdict]:
    """Three 11258 uploads of different events: three different nonces."""
    for index in range(3):
        ctx.attempt(ctx.client.upload, sample_events(f"_nonce{index}"), AES_256_GCM_BASE64)
    nonces = []
    for entry in _uploads(ctx):
        reading = read_upload(entry, AES_256_GCM_BASE64, ctx.mock.config)
        if reading.data is not None and len(reading.data) >= 28:
            nonces.append(reading.data[:12])
    if len(nonces) < 2:
        yield not_evaluated("CE-NONCE-FRESH", f"only {len(nonces)} readable 11258 upload(s) reached the mock")
        return
    yield judge("CE-NONCE-FRESH", len(set(nonces)) == len(nonces), f"{len(nonces)} uploads, {len(nonces)} distinct nonces",
                f"{len(nonces)} uploads but only {len(set(nonces))} distinct nonces (nonce reuse breaks GCM)")


@SUITE.check("CE-SURFACE-ERRORS")
def surfaces_4xx(ctx: CheckContext) -> Iterator[Verdict]:
    """The first upload is answered 400: the client must not report success on that answer."""
    ctx.mock.fault(400, path=UPLOAD_PATH)
    attempt = ctx.attempt(ctx.client.upload, sample_events(), AES_256_CBC_BASE64)
    entries = _uploads(ctx)
    if not entries:
        yield not_evaluated("CE-SURFACE-ERRORS", "no request reached the mock")
        return
    last = entries[-1]
    reported_success_on_error = attempt.ok and (last.status or 0) >= 400
    yield judge("CE-SURFACE-ERRORS", not reported_success_on_error, f"client {attempt.describe()} after HTTP {last.status}",
                f"client reported success although its last answer was HTTP {last.status}")


@SUITE.check("CE-NO-RETRY-4XX")
def no_retry_on_4xx(ctx: CheckContext) -> Iterator[Verdict]:
    """Three 400s scripted: a correct client stops after the first."""
    ctx.mock.fault(400, times=3, path=UPLOAD_PATH)
    ctx.attempt(ctx.client.upload, sample_events(), AES_256_CBC_BASE64)
    count = len(_uploads(ctx))
    yield judge("CE-NO-RETRY-4XX", count == 1, "one request, no retry after 400", f"{count} requests after a 400 (a 4xx was retried)")


@SUITE.check("CE-RETRY-BOUNDED")
def bounded_retry_on_5xx(ctx: CheckContext) -> Iterator[Verdict]:
    """Six 503s scripted: no retry, or a bounded number of attempts with growing gaps (conformance/retries.py)."""
    def measure() -> list[int]:
        before = len(_uploads(ctx))
        ctx.mock.fault(503, times=6, path=UPLOAD_PATH)
        ctx.attempt(ctx.client.upload, sample_events(), AES_256_CBC_BASE64)
        return [entry.time_ms for entry in _uploads(ctx)[before:]]

    yield from judge_measured_retries("CE-RETRY-BOUNDED", measure)
