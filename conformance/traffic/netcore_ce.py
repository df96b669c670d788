"""netcore-ce traffic rules: what the journal alone says about a client (requirements CE-*)."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterator

from sealmail.mockservers.providers.netcore_ce.layout_hints import IV_HINTS

from ..framework import Verdict
from . import Entry, Traffic, TrafficRules, freshness_verdict, header

GCM_ECODE = "11258"
NONCE_BYTES = 12  # seed 003: base64(12-byte nonce || ciphertext || tag)


def _gcm_nonce(entry: Entry) -> str | None:
    """The nonce of an 11258 body (hex), when the journal kept the whole body."""
    if header(entry, "x-eCode") != GCM_ECODE or entry.get("body_truncated"):
        return None
    try:
        envelope = json.loads(str(entry.get("body") or ""))
        data = base64.b64decode(envelope["encryptedRequest"], validate=True)
    except (ValueError, KeyError, TypeError, binascii.Error):
        return None
    return data[:NONCE_BYTES].hex() if len(data) > NONCE_BYTES else None


def nonces(traffic: Traffic) -> Iterator[Verdict]:
    """Every 11258 request with its own nonce, per asset key (NIST SP 800-38D section 8)."""
    by_asset: dict[str, list[Entry]] = {}
    for entry in traffic.api_calls:
        if _gcm_nonce(entry):
            by_asset.setdefault(header(entry, "x-asset") or "", []).append(entry)
    for entries in by_asset.values():
        verdict = freshness_verdict("CE-NONCE-FRESH", "nonce", entries, _gcm_nonce)
        if verdict is not None:
            yield verdict


def iv_mistake(entry: Entry) -> str | None:
    """A CBC body whose first block alone decrypts to garbage: the IV is wrong (or prepended), the payload is fine."""
    diagnosis = str((entry.get("details") or {}).get("diagnosis") or "")
    return "CE-KEY-BYTES" if any(hint in diagnosis for hint in IV_HINTS) else None


_ENVELOPE = ("body_not_json", "body_not_object", "encrypted_request_missing", "encrypted_request_not_string")
_PAYLOAD = ("plaintext_not_utf8", "plaintext_not_json", "plaintext_too_deep", "payload_not_array", "payload_empty",
            "activity_not_object", "activity_name_missing", "identity_missing", "activity_params_missing",
            "identity_invalid", "activity_params_not_object", "activity_name_invalid")

RULES = TrafficRules(
    provider_id="netcore-ce",
    is_api_call=lambda e: str(e.get("path") or "").split("?")[0] == "/v1/activity/upload",
    reasons={
        "auth_missing": "CE-AUTH-BEARER", "auth_scheme": "CE-AUTH-BEARER", "auth_invalid_key": "CE-AUTH-BEARER",
        "content_type_invalid": "CE-CONTENT-TYPE",
        **{reason: "CE-BODY-ENVELOPE" for reason in _ENVELOPE},
        "x_ecode_missing": "CE-ECODE-MATCH", "ecode_unknown": "CE-ECODE-MATCH", "ecode_not_configured": "CE-ECODE-MATCH",
        "x_asset_missing": "CE-ASSET-MATCH", "asset_unknown": "CE-ASSET-MATCH", "asset_id_mismatch": "CE-ASSET-MATCH",
        "not_base64": "CE-ENCODING", "not_hex": "CE-ENCODING", "hex_not_lowercase": "CE-ENCODING",
        "cbc_empty": "CE-PKCS7", "cbc_length_not_block_multiple": "CE-PKCS7",
        "cbc_bad_padding": "CE-KEY-BYTES", "gcm_tag_mismatch": "CE-KEY-BYTES",
        "gcm_too_short": "CE-GCM-LAYOUT",
        "gcm_nonce_reused": "CE-NONCE-FRESH",
        **{reason: "CE-PAYLOAD" for reason in _PAYLOAD},
        "timestamp_format": "CE-TIMESTAMP-UTC", "timestamp_invalid_date": "CE-TIMESTAMP-UTC", "timestamp_missing": "CE-TIMESTAMP-UTC",
        "activity_source_invalid": "CE-ACTIVITY-SOURCE", "activity_source_missing": "CE-ACTIVITY-SOURCE",
    },
    judges=(nonces,),
    refine=iv_mistake,
    judged_by_traffic=frozenset({"CE-NONCE-FRESH"}),
)
