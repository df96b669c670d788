"""netcore-email traffic rules: what the journal alone says about a client (requirements NE-*)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence

from sealmail.mockservers.crypto import CryptoError, aes_gcm

from ..evidence import decode_lenient, encoding_of
from ..framework import Verdict
from . import Entry, Traffic, TrafficRules, freshness_verdict, header, request_ids

SEND_PATH = "/v6/mail/send"
KEY_SIZE, IV_SIZE = 32, 12  # seed 000, "How Encryption Works"


def _encrypted(entries: Sequence[Entry]) -> list[Entry]:
    return [e for e in entries if header(e, "X-Encryption") == "1"]


def _decoded(entry: Entry, name: str) -> str | None:
    raw = decode_lenient(header(entry, name) or "")
    return raw.hex() if raw else None


def headers_and_sizes(traffic: Traffic) -> Iterator[Verdict]:
    """Content-Type of every call; encoding and size of every key and IV sent."""
    entries = traffic.api_calls
    wrong_type = [e for e in entries if (header(e, "Content-Type") or "").split(";")[0].strip().lower() != "application/json"]
    if wrong_type:
        yield Verdict("NE-CONTENT-TYPE", False, f"{request_ids(wrong_type)} sent Content-Type {header(wrong_type[0], 'Content-Type')!r}")
    elif entries:
        yield Verdict("NE-CONTENT-TYPE", True, f"{request_ids(entries)}: Content-Type: application/json")
    encrypted = _encrypted(entries)
    for name, requirement_id, size in (("X-AES-KEY", "NE-KEY-SIZE", KEY_SIZE), ("X-AES-IV", "NE-IV-SIZE", IV_SIZE)):
        sent = [e for e in encrypted if header(e, name)]
        not_base64 = [e for e in sent if encoding_of(header(e, name) or "") != "base64"]
        if not_base64:
            kind = encoding_of(header(not_base64[0], name) or "")
            yield Verdict("NE-BASE64-STD", False, f"{request_ids(not_base64)} sent {name} as {kind}, not standard base64")
        wrong = [e for e in sent if len(decode_lenient(header(e, name) or "") or b"") != size]
        if wrong:
            got = len(decode_lenient(header(wrong[0], name) or "") or b"")
            yield Verdict(requirement_id, False, f"{request_ids(wrong)} sent a {got}-byte {name}; the seed asks for {size} bytes")
        elif sent:
            yield Verdict(requirement_id, True, f"{request_ids(sent)}: {size}-byte {name}")


def freshness(traffic: Traffic) -> Iterator[Verdict]:
    """No key and no IV in two requests (NIST SP 800-38D section 8 for the IV)."""
    encrypted = _encrypted(traffic.api_calls)
    for requirement_id, what, name in (("NE-KEY-FRESH", "key", "X-AES-KEY"), ("NE-IV-FRESH", "IV", "X-AES-IV")):
        verdict = freshness_verdict(requirement_id, what, encrypted, lambda e, n=name: _decoded(e, n))
        if verdict is not None:
            yield verdict


def body(traffic: Traffic) -> Iterator[Verdict]:
    """Decrypt each whole body with the key and IV it came with: layout, then the plaintext's JSON."""
    layout_bad: list[Entry] = []
    plaintext_bad: list[Entry] = []
    judged: list[Entry] = []
    for entry in _encrypted(traffic.api_calls):
        key, iv = decode_lenient(header(entry, "X-AES-KEY") or ""), decode_lenient(header(entry, "X-AES-IV") or "")
        text = str(entry.get("body") or "")
        if entry.get("body_truncated") or not key or not iv or len(key) != KEY_SIZE or encoding_of(text) != "base64":
            continue  # judged by its size, encoding or journal reason instead
        judged.append(entry)
        try:
            plaintext = aes_gcm.decrypt(key, iv, decode_lenient(text) or b"")
        except CryptoError:
            layout_bad.append(entry)
            continue
        try:
            if not isinstance(json.loads(plaintext.decode("utf-8")), dict):
                plaintext_bad.append(entry)
        except (UnicodeDecodeError, ValueError):
            plaintext_bad.append(entry)
    if layout_bad:
        yield Verdict("NE-BODY-LAYOUT", False, f"{request_ids(layout_bad)}: the body does not decrypt as base64(ciphertext || tag) with the key and IV sent")
    elif judged:
        yield Verdict("NE-BODY-LAYOUT", True, f"{request_ids(judged)} decrypt with the key and IV sent")
    if plaintext_bad:
        yield Verdict("NE-PLAINTEXT-JSON", False, f"{request_ids(plaintext_bad)}: the plaintext is not UTF-8 JSON of an object")


RULES = TrafficRules(
    provider_id="netcore-email",
    is_api_call=lambda e: str(e.get("path") or "").split("?")[0] == SEND_PATH,
    reasons={
        "auth_missing": "NE-AUTH-BEARER", "auth_scheme": "NE-AUTH-BEARER", "auth_invalid_key": "NE-AUTH-BEARER",
        "auth_legacy_header": "NE-AUTH-BEARER",
        "encryption_flag_invalid": "NE-ENC-HEADERS", "encryption_version_missing": "NE-ENC-HEADERS",
        "encryption_version_unsupported": "NE-ENC-HEADERS", "encryption_headers_without_flag": "NE-ENC-HEADERS",
        "aes_key_missing": "NE-KEY-SIZE", "aes_iv_missing": "NE-IV-SIZE",
        "body_not_base64": "NE-BASE64-STD", "gcm_too_short": "NE-BODY-LAYOUT", "gcm_tag_mismatch": "NE-BODY-LAYOUT",
        "payload_not_utf8": "NE-PLAINTEXT-JSON", "payload_not_json": "NE-PLAINTEXT-JSON", "payload_not_object": "NE-PLAINTEXT-JSON",
    },
    judges=(headers_and_sizes, freshness, body),
    judged_by_traffic=frozenset({"NE-CONTENT-TYPE", "NE-KEY-FRESH", "NE-IV-FRESH", "NE-BASE64-STD"}),
)
