"""ncp-mailer traffic rules: what the journal alone says about a client (requirements NCP-*).

The mock checks every request's API Gateway signature and, when it does not match, names the variant the
client signed (``signature_mismatch`` with a diagnosis); those diagnoses decide the signing requirements.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from sealmail.mockservers.crypto.ncp_signature import UNEXPLAINED

from ..framework import Verdict
from . import Entry, Traffic, TrafficRules, header, request_ids

TOLERANCE_MS = 300_000  # seed 002: the API Gateway accepts timestamps within 5 minutes


def _is_create(entry: Entry) -> bool:
    return entry.get("method") == "POST" and str(entry.get("path") or "").split("?")[0].endswith("/mails")


def timestamps(traffic: Traffic) -> Iterator[Verdict]:
    """Milliseconds, and taken when the request was sent (within the window of the mock's clock)."""
    stamped = [e for e in traffic.api_calls if (header(e, "x-ncp-apigw-timestamp") or "").isdigit()]
    if not stamped:
        return
    seconds = [e for e in stamped if len(header(e, "x-ncp-apigw-timestamp") or "") <= 11]
    if seconds:
        yield Verdict("NCP-TS-MILLIS", False, f"{request_ids(seconds)} sent a timestamp in seconds")
    else:
        yield Verdict("NCP-TS-MILLIS", True, f"{request_ids(stamped)}: epoch milliseconds")
    millis = [e for e in stamped if e not in seconds]
    stale = [e for e in millis if abs(int(header(e, "x-ncp-apigw-timestamp") or 0) - int(e.get("time_ms") or 0)) > TOLERANCE_MS]
    if stale:
        skew = int(header(stale[0], "x-ncp-apigw-timestamp") or 0) - int(stale[0].get("time_ms") or 0)
        yield Verdict("NCP-TS-FRESH", False, f"{request_ids(stale)}: timestamp {skew / 1000:+.0f} s from the mock's clock (window 300 s)")
    elif millis:
        yield Verdict("NCP-TS-FRESH", True, f"{request_ids(millis)} within 5 minutes of the mock's clock")


def create_bodies(traffic: Traffic) -> Iterator[Verdict]:
    """createMailRequest: Content-Type application/json and a UTF-8 JSON object."""
    creates = [e for e in traffic.api_calls if _is_create(e)]
    if not creates:
        return
    wrong_type = [e for e in creates if (header(e, "Content-Type") or "").split(";")[0].strip().lower() != "application/json"]
    yield (Verdict("NCP-CONTENT-TYPE", False, f"{request_ids(wrong_type)} sent Content-Type {header(wrong_type[0], 'Content-Type')!r}")
           if wrong_type else Verdict("NCP-CONTENT-TYPE", True, f"{request_ids(creates)}: application/json"))
    not_json = []
    for entry in creates:
        if entry.get("body_truncated"):
            continue
        try:
            if not isinstance(json.loads(str(entry.get("body") or "")), dict):
                not_json.append(entry)
        except ValueError:
            not_json.append(entry)
    if not_json:
        yield Verdict("NCP-BODY-JSON", False, f"{request_ids(not_json)}: the body is not a UTF-8 JSON object")


_DIAGNOSES = (
    # phrase in the mock's signature diagnosis (mockservers/crypto/ncp_signature.py) -> requirement
    ("hex hmac", "NCP-SIG-BASE64"),
    ("url-safe", "NCP-SIG-BASE64"),
    ("trailing '?'", "NCP-SIGN-NO-EMPTY-QUERY"),
    ("without its query string", "NCP-SIGN-QUERY"),
    ("percent-decoded", "NCP-SIGN-QUERY"),
    ("host", "NCP-SIGN-QUERY"),
    ("region", "NCP-SIGN-QUERY"),
    ("iso-8859-1", "NCP-SECRET-UTF8"),
)


def signature_diagnoses(traffic: Traffic) -> Iterator[Verdict]:
    """``signature_mismatch`` entries: the mock's diagnosis names the mistake; each maps to its requirement."""
    for entry in traffic.api_calls:
        if entry.get("reason") != "signature_mismatch":
            continue
        detail = str(entry.get("detail") or "")
        diagnosis = detail.split(" (expected string to sign", 1)[0].lower()
        named = set() if diagnosis.startswith(UNEXPLAINED) else {rid for phrase, rid in _DIAGNOSES if phrase in diagnosis}
        for requirement_id in sorted(named or {"NCP-SIGN-STRING"}):
            yield Verdict(requirement_id, False, f"{request_ids([entry])} refused as signature_mismatch: {detail}")


RULES = TrafficRules(
    provider_id="ncp-mailer",
    is_api_call=lambda e: str(e.get("path") or "").startswith("/api/v1"),
    reasons={
        "header_missing": "NCP-HEADER-AUTH", "header_repeated": "NCP-HEADER-AUTH",
        "signature_v1_header": "NCP-HEADER-SIGNATURE",
        "timestamp_malformed": "NCP-TS-MILLIS", "timestamp_in_seconds": "NCP-TS-MILLIS",
        "timestamp_expired": "NCP-TS-FRESH", "timestamp_future": "NCP-TS-FRESH",
        "content_type_not_json": "NCP-CONTENT-TYPE",
        "body_not_json": "NCP-BODY-JSON", "body_not_object": "NCP-BODY-JSON", "body_not_utf8": "NCP-BODY-JSON",
    },
    judges=(timestamps, create_bodies, signature_diagnoses),
    judged_by_traffic=frozenset({"NCP-SIGN-STRING", "NCP-SIGN-QUERY", "NCP-SIGN-NO-EMPTY-QUERY", "NCP-SIG-BASE64", "NCP-SECRET-UTF8"}),
)
