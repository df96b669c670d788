"""AutoSend requirements. Sources: seed 001_103906771b4e2ec4.txt ("seed"), providers/autosend.md ("fact sheet")."""

from __future__ import annotations

from sealmail.conformance.framework import Requirement, documented

SEED = "seed 001_103906771b4e2ec4.txt"

DOCUMENTATION = "https://docs.autosend.com/others/encrypted-payloads"
"""AutoSend docs, "Encrypted Payloads (JWE)": the page seed 001 was taken from (same text; every requirement cites it)."""

REQUIREMENTS: tuple[Requirement, ...] = (
    Requirement("AS-AUTH-BEARER", "Send the API key as `Authorization: Bearer <API key>`.", "MUST",
                "fact sheet [docs]: '`Authorization: Bearer <API key>`'"),
    Requirement("AS-CONTENT-TYPE", "Send `Content-Type: application/json` (also for the encrypted envelope).", "MUST",
                "docs.autosend.com API Reference, Request Headers: 'Content-Type | application/json | Yes'"),
    Requirement("AS-ENC-HEADER", "Encrypted requests carry `X-Payload-Encryption: jwe`.", "MUST",
                f"{SEED}, Request format: 'Set to jwe for encrypted requests. Omit (or use none) for plaintext.'"),
    Requirement("AS-ENVELOPE", "The body is the JSON object `{\"encryptedData\": \"<JWE>\"}` and nothing else (no field in clear).", "MUST",
                f"{SEED}, Request format: 'Send the JWE as encryptedData'; 'Just put the JWE inside {{ \"encryptedData\": \"…\" }}'"),
    Requirement("AS-JWE-COMPACT", "The JWE uses the compact serialization (five base64url segments).", "MUST",
                f"{SEED}, Encryption standard: 'Serialization | JWE Compact'; 'The JWE compact string containing your complete JSON payload'"),
    Requirement("AS-JWE-ALG", "Key management is `alg` RSA-OAEP-256 (OAEP with SHA-256 and MGF1-SHA-256).", "MUST",
                f"{SEED}, Encryption standard: 'Key management (alg) | RSA-OAEP-256'; 'Always use alg = RSA-OAEP-256'"),
    Requirement("AS-JWE-ENC", "Content encryption is `enc` A256GCM.", "MUST",
                f"{SEED}, Encryption standard: 'Content encryption (enc) | A256GCM'; '... and enc = A256GCM'"),
    Requirement("AS-WHOLE-BODY", "The JWE plaintext is the complete JSON body the caller asked to send, unchanged.", "MUST",
                f"{SEED}, How it works: 'Encrypt the complete JSON body into a JWE compact string'"),
    Requirement("AS-CEK-FRESH", "A fresh random content encryption key (CEK) for every request.", "MUST",
                "RFC 7516 section 5.1 step 2: 'generate a random Content Encryption Key (CEK)' for each JWE; "
                f"{SEED}: RSA-OAEP-256 key management wraps a per-message CEK"),
    Requirement("AS-IV-FRESH", "A fresh random 96-bit IV for every request; never reused.", "MUST",
                "RFC 7516 section 5.1 step 9 ('generate a random JWE Initialization Vector'); RFC 7518 section 5.3; "
                "NIST SP 800-38D section 8 (IV uniqueness)"),
    Requirement("AS-KID-CONSISTENT", "The kid is sent (`X-Key-Id` and/or the protected header), both agree, and it names the key actually used.", "MUST",
                f"{SEED}, Request format: 'X-Key-Id: The kid of the public key you encrypted with. If omitted, AutoSend reads the kid from the JWE protected header.'"),
    Requirement("AS-ACTIVE-KEY", "Encrypt with the first key of the JWKS (the active one), not another listed key.", "SHOULD",
                f"{SEED}, How it works: 'The recommended (active) key is always listed first'; FAQ: 'always encrypt with the kid from the latest JWKS'"),
    Requirement("AS-JWKS-CACHED", "Cache the JWKS: do not fetch it for every request.", "SHOULD",
                f"{SEED}, How it works: 'Get AutoSend's public key from the JWKS endpoint and cache it.'"),
    Requirement("AS-JWKS-REFRESH", "Refresh the cached JWKS once it is stale (the mock's `Cache-Control: max-age`), so rotations are picked up.", "SHOULD",
                f"{SEED}, FAQ: 'Cache it and refresh periodically ... AutoSend supports key rotation, so always encrypt with the kid from the latest JWKS'; "
                "RFC 9111 section 5.2.2.1 (max-age)"),
    Requirement("AS-RETIRED-RECOVERY", "After `400 UNKNOWN_KEY_ID`, refresh the JWKS once and retry once with the new active key; then give up.", "SHOULD",
                f"{SEED}, Error handling, Unknown or missing key id: 'Refresh the JWKS and use the kid from the returned key.'"),
    Requirement("AS-SURFACE-ERRORS", "A 400 (malformed JWE, decryption failure, validation) is reported to the caller as a failure.", "MUST",
                f"{SEED}, Error handling: 'the API responds with HTTP 400'; fact sheet [docs] error body {{\"success\": false, \"error\": ...}}"),
    Requirement("AS-NO-RETRY-4XX", "A 400 other than UNKNOWN_KEY_ID is not retried (the same request fails again).", "MUST",
                "fact sheet [code]: the official SDK retries only on 429 and 5xx; RFC 9110 section 15.5"),
    Requirement("AS-RETRY-BOUNDED", "If the client retries 429/5xx, it does so a bounded number of times with growing delays.", "SHOULD",
                "fact sheet [code]: 'The official Node SDK retries on 429 and 5xx with 1 s / 2 s backoff'; RFC 9110 section 15.6"),
)
REQUIREMENTS = documented(REQUIREMENTS, DOCUMENTATION)
