"""stayprivate traffic rules: what the journal alone says about a client (requirements SP-*)."""

from __future__ import annotations

import json
from collections.abc import Iterator

from jwcrypto.common import base64url_decode

from ..framework import Verdict
from . import Entry, Traffic, TrafficRules, header, request_ids

MAX_LIFETIME_S = 3600  # SP-JWT-LIFETIME: tokens live at most one hour


def _claims(entry: Entry) -> dict[str, object] | None:
    scheme, _, token = (header(entry, "Authorization") or "").partition(" ")
    parts = token.split(".")
    if scheme.lower() != "bearer" or len(parts) != 3:
        return None
    try:
        claims = json.loads(base64url_decode(parts[1]))
    except (ValueError, TypeError):
        return None
    return claims if isinstance(claims, dict) else None


def token_lifetime(traffic: Traffic) -> Iterator[Verdict]:
    """``exp`` at most an hour after the request (the mock's clock when it arrived)."""
    timed = [(e, c) for e in traffic.api_calls if (c := _claims(e)) is not None and isinstance(c.get("exp"), (int, float))]
    if not timed:
        return
    long_lived = [e for e, c in timed if float(c["exp"]) - int(e.get("time_ms") or 0) / 1000 > MAX_LIFETIME_S]  # type: ignore[arg-type]
    if long_lived:
        yield Verdict("SP-JWT-LIFETIME", False, f"{request_ids(long_lived)} carried tokens valid for more than an hour")
    else:
        yield Verdict("SP-JWT-LIFETIME", True, f"{request_ids(e for e, _ in timed)}: exp within the hour")


RULES = TrafficRules(
    provider_id="stayprivate",
    is_api_call=lambda e: str(e.get("path") or "").startswith("/1.0/emails"),
    reasons={
        "company_id_missing": "SP-HDR-COMPANY", "company_unknown": "SP-HDR-COMPANY",
        "auth_missing": "SP-HDR-BEARER", "auth_scheme_not_bearer": "SP-HDR-BEARER", "token_missing": "SP-HDR-BEARER",
        "token_empty": "SP-HDR-BEARER", "token_not_compact": "SP-HDR-BEARER",
        "iss_missing": "SP-JWT-ISS", "iss_mismatch": "SP-JWT-ISS", "iss_invalid": "SP-JWT-ISS",
        "exp_missing": "SP-JWT-EXP", "token_expired": "SP-JWT-EXP",
        "alg_none": "SP-JWT-ALG", "alg_hmac": "SP-JWT-ALG", "alg_not_allowed": "SP-JWT-ALG",
        "header_embedded_key": "SP-JWT-ALG", "signature_invalid": "SP-JWT-ALG",
        "token_lifetime_too_long": "SP-JWT-LIFETIME",
        "content_type_not_json": "SP-CONTENT-TYPE", "content_type_not_multipart": "SP-CONTENT-TYPE",
        "attachment_field_missing": "SP-UPLOAD-FIELD", "attachment_not_a_file": "SP-UPLOAD-FIELD",
        "attachment_multiple": "SP-UPLOAD-FIELD",
        "esign_flag_invalid": "SP-UPLOAD-ESIGN",
        "email_sent_without_prepare": "SP-FLOW-ORDER", "email_sent_during_upload": "SP-FLOW-ORDER",
        "email_already_sent": "SP-FLOW-ORDER",
        "sender_email_missing": "SP-SEND-SENDER", "sender_email_required": "SP-SEND-SENDER",
        "sender_email_not_allowed": "SP-SEND-SENDER",
        "address_list_comma_separated": "SP-ADDR-LIST", "address_invalid": "SP-ADDR-LIST", "address_list_type": "SP-ADDR-LIST",
    },
    judges=(token_lifetime,),
)
