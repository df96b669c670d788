"""Netcore CE activity upload requirements. Sources: seed 003_1fae5127f2291a63.txt ("seed"), providers/netcore-ce.md ("fact sheet")."""

from __future__ import annotations

from sealmail.conformance.framework import Requirement

SEED = "seed 003_1fae5127f2291a63.txt"

REQUIREMENTS: tuple[Requirement, ...] = (
    Requirement("CE-AUTH-BEARER", "Send the panel API key as `Authorization: Bearer <API key>`.", "MUST",
                f"{SEED}, Step 3: 'API key of the panel must be used under Bearer token'"),
    Requirement("CE-CONTENT-TYPE", "Send `Content-Type: application/json`.", "MUST",
                f"{SEED}, Step 3 curl: --header 'Content-Type: application/json'"),
    Requirement("CE-BODY-ENVELOPE", "The body is a JSON object whose `encryptedRequest` string holds the encrypted payload.", "MUST",
                f"{SEED}, Step 3 curl: --data '{{\"encryptedRequest\":\"...\"}}'"),
    Requirement("CE-ECODE-MATCH", "`x-eCode` names the method the body is encrypted with: 11256 CBC base64, 11257 CBC hex, 11258 GCM base64.", "MUST",
                f"{SEED}, Step 3: '11256 points to AES_256_CBC_BASE64 Algorithm'; fact sheet, Methods table (11257 hex, 11258 GCM)"),
    Requirement("CE-ASSET-MATCH", "`x-asset` is the panel's asset id and equals the `asset_id` of every activity in the payload.", "MUST",
                f"{SEED}, Step 3: 'x-asset is the same asset id as in the payload encryption'; Step 2: 'asset_id must be picked from the panel'"),
    Requirement("CE-KEY-FORMAT", "The key generator gives a fresh SECRET_KEY of 32 and SECRET_IV of 16 random characters from [A-Za-z0-9].", "MUST",
                f"{SEED}, Step 1: 'Generate a SECRET_KEY and SECRET_IV ... share the data with us'; fact sheet [code]: 32 (key) and 16 (IV) random characters from [A-Za-z0-9]"),
    Requirement("CE-KEY-BYTES", "CBC encrypts with the shared key and IV strings as their UTF-8 bytes; GCM with the 32 bytes its base64 key decodes to.", "MUST",
                "fact sheet [code]: 'the key and IV are these ASCII strings used as their UTF-8 bytes (not hex, not base64)'; GCM key = base64 of 32 random bytes"),
    Requirement("CE-PKCS7", "CBC plaintext is padded with PKCS#7 (not zero, space or no padding).", "MUST",
                "fact sheet [code]: 'The CBC scripts: PKCS7 padding, AES-256-CBC'; RFC 5652 section 6.3"),
    Requirement("CE-ENCODING", "`encryptedRequest` is standard padded base64 (11256, 11258; RFC 4648 section 4) or lowercase hex (11257).", "MUST",
                "fact sheet, Methods table: AES_256_CBC_BASE64 / AES_256_CBC_HEX / AES_256_GCM_BASE64; [code] output = standard base64; "
                "[open] hex case: lowercase, as Python's bytes.hex() prints"),
    Requirement("CE-GCM-LAYOUT", "11258 `encryptedRequest` is base64(12-byte nonce || ciphertext || 16-byte tag) of AES-256-GCM, no AAD.", "MUST",
                "fact sheet [code]: 'output = base64(12-byte nonce || ciphertext || 16-byte tag), no AAD'"),
    Requirement("CE-NONCE-FRESH", "Every 11258 request uses a fresh random nonce; a nonce is never reused with the key.", "MUST",
                "fact sheet [code]: 'fresh nonce per request'; NIST SP 800-38D section 8: IV uniqueness"),
    Requirement("CE-PAYLOAD", "The plaintext is a UTF-8 JSON array of activities carrying the event's activity_name, identity and activity_params unchanged.", "MUST",
                f"{SEED}, Step 2: the payload is '[{{\"asset_id\", \"activity_name\", \"timestamp\", \"identity\", \"activity_source\", \"activity_params\"}}]'"),
    Requirement("CE-TIMESTAMP-UTC", "`timestamp` is the event's time in UTC, ISO-8601 with a Z suffix (e.g. 2025-08-26T12:05:43Z).", "MUST",
                f"{SEED}, Step 2: 'timestamp must be current timestamp / events occurence time in UTC format'; sample '2025-08-26T12:05:43Z'"),
    Requirement("CE-ACTIVITY-SOURCE", "`activity_source` is `web` for a web asset and `app` for an app asset.", "MUST",
                f"{SEED}, Step 2: 'activity_source can be web if web asset is used or app if app asset is used'"),
    Requirement("CE-SURFACE-ERRORS", "A 4xx answer is reported to the caller as a failure, never as success.", "MUST",
                "fact sheet, Responses: error bodies undocumented; RFC 9110 section 15.5 (4xx: the request failed)"),
    Requirement("CE-NO-RETRY-4XX", "A 4xx answer is not retried (the same request would fail again).", "MUST",
                "RFC 9110 section 15.5: 4xx statuses describe the request itself"),
    Requirement("CE-RETRY-BOUNDED", "If the client retries 429/5xx, it does so a bounded number of times with growing delays.", "SHOULD",
                "RFC 9110 section 15.6 (5xx) and RFC 6585 section 4 (429)"),
)
