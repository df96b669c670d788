"""Netcore Email v6 requirements. Sources: seed 000_215255420b4e398e.txt ("seed"), providers/netcore-email.md ("fact sheet")."""

from __future__ import annotations

from sealmail.conformance.framework import Requirement, documented

SEED = "seed 000_215255420b4e398e.txt"

DOCUMENTATION = "https://emaildocs.netcorecloud.com/reference/implement-encryption"
"""Netcore Email docs, "Implement Encryption": the page seed 000 was taken from (same text; every requirement cites it)."""

REQUIREMENTS: tuple[Requirement, ...] = (
    Requirement("NE-AUTH-BEARER", "Send the API key as `Authorization: Bearer <API key>`.", "MUST",
                f"{SEED}, Required Headers: 'Authorization | Bearer <YOUR_API_KEY>'"),
    Requirement("NE-CONTENT-TYPE", "Send `Content-Type: application/json` (also for the encrypted base64 body).", "MUST",
                f"{SEED}, Required Headers: 'Content-Type | application/json'; example posts data=final_payload with it"),
    Requirement("NE-ENC-HEADERS", "Encrypted requests carry `X-Encryption: 1` and `X-Encryption-Version: 2`.", "MUST",
                f"{SEED}, Required Headers: 'X-Encryption | 1', 'X-Encryption-Version | 2'"),
    Requirement("NE-KEY-SIZE", "`X-AES-KEY` carries a 32-byte (256-bit) AES key.", "MUST",
                f"{SEED}, How Encryption Works: 'Generating a 256-bit AES key (32 bytes)'"),
    Requirement("NE-IV-SIZE", "`X-AES-IV` carries a 12-byte IV.", "MUST",
                f"{SEED}, How Encryption Works: 'Generating a 12-byte Initialization Vector (IV)'"),
    Requirement("NE-KEY-FRESH", "A fresh random key for every request.", "MUST",
                f"{SEED}, 'Each request involves: Generating a 256-bit AES key'; example: aes_key = get_random_bytes(32) per call"),
    Requirement("NE-IV-FRESH", "A fresh random IV for every request; never reused across requests.", "MUST",
                f"{SEED}, 'Each request involves: ... Generating a 12-byte Initialization Vector'; NIST SP 800-38D section 8: IV uniqueness"),
    Requirement("NE-BASE64-STD", "Key, IV and body use standard base64 (RFC 4648 section 4, with padding), not hex or URL-safe.", "MUST",
                f"{SEED}, 'X-AES-KEY | Base64-encoded AES key'; example uses base64.b64encode for key, IV and body"),
    Requirement("NE-BODY-LAYOUT", "The body is base64(ciphertext || 16-byte GCM tag) of AES-256-GCM, no AAD.", "MUST",
                f"{SEED}, example: 'return iv, ciphertext + tag' and 'final_payload = base64.b64encode(encrypted_blob)'"),
    Requirement("NE-PLAINTEXT-JSON", "The plaintext is the UTF-8 encoding of a JSON object.", "MUST",
                f"{SEED}, example: json.dumps(data).encode('utf-8')"),
    Requirement("NE-PAYLOAD-FAITHFUL", "The decrypted payload equals (as JSON) the message the caller asked to send.", "MUST",
                f"{SEED}, 'Encrypting your JSON payload' (the whole payload, unchanged)"),
    Requirement("NE-SURFACE-ERRORS", "A 4xx answer is reported to the caller as a failure, never as success.", "MUST",
                "fact sheet [docs]: error statuses 400, 401, 403, 405; [code] clients read error[0].message"),
    Requirement("NE-NO-RETRY-4XX", "A 4xx answer is not retried (the same request would fail again).", "MUST",
                "fact sheet [docs]: 4xx statuses describe the request itself (RFC 9110 section 15.5)"),
    Requirement("NE-RETRY-BOUNDED", "If the client retries 429/5xx, it does so a bounded number of times with growing delays.", "SHOULD",
                "RFC 9110 section 15.6 (5xx) and RFC 6585 section 4 (429); fact sheet [code] SDK retry practice"),
)
REQUIREMENTS = documented(REQUIREMENTS, DOCUMENTATION)
