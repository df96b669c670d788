"""autosend traffic rules: what the journal alone says about a client (requirements AS-*)."""

from __future__ import annotations

import json
from collections.abc import Iterator

from sealmail.mockservers.crypto import CryptoError
from sealmail.mockservers.crypto.jwe import CompactJwe, parse_compact

from ..framework import Verdict
from . import Entry, Traffic, TrafficRules, freshness_verdict, header, request_ids

JWKS_PATH = "/v1/jwks.json"


def _path(entry: Entry) -> str:
    return str(entry.get("path") or "").split("?")[0]


def _token(entry: Entry) -> CompactJwe | None:
    """The JWE the request carried, parsed strictly (``None`` for a plain or malformed body)."""
    if entry.get("body_truncated") or (header(entry, "X-Payload-Encryption") or "").lower() != "jwe":
        return None
    try:
        envelope = json.loads(str(entry.get("body") or ""))
        return parse_compact(envelope["encryptedData"]) if isinstance(envelope, dict) else None
    except (ValueError, KeyError, TypeError, CryptoError):
        return None


def token_fields(traffic: Traffic) -> Iterator[Verdict]:
    """alg, enc and kid of every token the mock could parse; one IV per request."""
    tokens = [(e, t) for e in traffic.api_calls if (t := _token(e)) is not None]
    if not tokens:
        return
    for requirement_id, field, wanted in (("AS-JWE-ALG", "alg", "RSA-OAEP-256"), ("AS-JWE-ENC", "enc", "A256GCM")):
        wrong = [e for e, t in tokens if t.header.get(field) != wanted]
        if wrong:
            got = next(t.header.get(field) for e, t in tokens if t.header.get(field) != wanted)
            yield Verdict(requirement_id, False, f"{request_ids(wrong)} used {field} {got!r}, not {wanted}")
        else:
            yield Verdict(requirement_id, True, f"{request_ids(e for e, _ in tokens)}: {field} {wanted}")
    inconsistent = [e for e, t in tokens if header(e, "X-Key-Id") not in (None, t.kid) or (t.kid is None and not header(e, "X-Key-Id"))]
    if inconsistent:
        yield Verdict("AS-KID-CONSISTENT", False, f"{request_ids(inconsistent)}: X-Key-Id and the header kid are missing or disagree")
    ivs = {id(e): t.iv.hex() for e, t in tokens}
    verdict = freshness_verdict("AS-IV-FRESH", "IV", [e for e, _ in tokens], lambda e: ivs.get(id(e)))
    if verdict is not None:
        yield verdict
    active = traffic.config.get("active_kid")
    stale = [e for e, t in tokens if active and (header(e, "X-Key-Id") or t.kid) != active]
    if stale:
        yield Verdict("AS-ACTIVE-KEY", False, (
            f"{request_ids(stale)} used kid {header(stale[0], 'X-Key-Id') or _token(stale[0]).kid!r}, "  # type: ignore[union-attr]
            f"the JWKS's active key is {active!r}"))


def jwks_cache(traffic: Traffic) -> Iterator[Verdict]:
    """A client that fetches the JWKS before every request does not cache it (RFC 9111 max-age)."""
    sends = [e for e in traffic.api_calls if e.get("method") == "POST"]
    fetches = [e for e in traffic.entries if _path(e) == JWKS_PATH and e.get("method") == "GET"]
    if len(sends) < 2:
        return
    if len(fetches) >= len(sends):
        yield Verdict("AS-JWKS-CACHED", False, f"{len(fetches)} JWKS fetches for {len(sends)} requests: the JWKS is not cached")
    else:
        yield Verdict("AS-JWKS-CACHED", True, f"{len(fetches)} JWKS fetch(es) for {len(sends)} requests")


_UNAUTHORIZED = ("auth_missing", "auth_scheme", "auth_invalid_key")
_ENVELOPE = ("envelope_not_json", "encrypted_data_missing", "encrypted_data_not_string", "envelope_extra_fields", "plaintext_body")
_COMPACT = ("segment_count", "segment_not_base64url", "json_serialization", "header_empty", "header_not_json",
            "header_not_utf8", "header_not_object", "header_alg_missing", "header_enc_missing", "header_duplicate_member")
_KID = ("kid_unknown", "kid_retired", "kid_missing", "kid_mismatch", "key_id_header_empty")

RULES = TrafficRules(
    provider_id="autosend",
    is_api_call=lambda e: e.get("method") == "POST" and _path(e).startswith("/v1/"),
    reasons={
        **{reason: "AS-AUTH-BEARER" for reason in _UNAUTHORIZED},
        "content_type_invalid": "AS-CONTENT-TYPE",
        "encryption_header_value": "AS-ENC-HEADER", "none_with_encrypted_data": "AS-ENC-HEADER",
        **{reason: "AS-ENVELOPE" for reason in _ENVELOPE},
        **{reason: "AS-JWE-COMPACT" for reason in _COMPACT},
        "alg_not_allowed": "AS-JWE-ALG", "rsa_oaep_unwrap_failed": "AS-JWE-ALG",
        "enc_not_allowed": "AS-JWE-ENC", "iv_length": "AS-JWE-ENC", "tag_length": "AS-JWE-ENC",
        **{reason: "AS-KID-CONSISTENT" for reason in _KID},
        "decrypted_not_json": "AS-WHOLE-BODY",
    },
    judges=(token_fields, jwks_cache),
    judged_by_traffic=frozenset({"AS-IV-FRESH", "AS-ACTIVE-KEY", "AS-JWKS-CACHED"}),
)
