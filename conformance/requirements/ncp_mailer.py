"""NAVER Cloud Outbound Mailer (API Gateway signature v2) requirements.

Sources: seed 002_1a42ba2c6936885a.txt ("seed"), providers/ncp-mailer.md ("fact sheet").
"""

from __future__ import annotations

from sealmail.conformance.framework import Requirement, documented

SEED = "seed 002_1a42ba2c6936885a.txt"

DOCUMENTATION = "https://api.ncloud-docs.com/docs/en/ai-application-service-cloudoutboundmailer"
"""NAVER Cloud API docs, "Cloud Outbound Mailer overview": the page seed 002 was taken from (same text; every requirement cites it)."""

REQUIREMENTS: tuple[Requirement, ...] = (
    Requirement("NCP-SIGN-STRING",
                "The string to sign is METHOD, one space, URI, newline, timestamp, newline, access key.", "MUST",
                f"{SEED}, Create a signature, sample code: append(method).append(space).append(url).append(newLine)"
                ".append(timestamp).append(newLine).append(accessKey)"),
    Requirement("NCP-SIGN-QUERY",
                "The signed URI is the path plus the query string exactly as sent on the request line.", "MUST",
                f"{SEED}, sample code: url = \"/api/v1/mails\"; // Full URL under \"/\" (including query strings), excluding the domain"),
    Requirement("NCP-SIGN-NO-EMPTY-QUERY",
                "With no query string, the signed URI is the path as sent: no trailing '?' is signed that is not sent.", "MUST",
                f"{SEED}, sample code: the URI signed is the URI requested; fact sheet [code]: "
                "'a trailing ? signed when the query is empty' (a known client bug)"),
    Requirement("NCP-SIG-BASE64",
                "x-ncp-apigw-signature-v2 is the standard base64 (with padding) of the raw 32-byte HMAC-SHA256, not hex.", "MUST",
                f"{SEED}, 'encrypt using SecretKey with HmacSHA256 algorithm, and encode using Base64'; "
                "Base64.getEncoder().encodeToString(rawHmac)"),
    Requirement("NCP-SECRET-UTF8", "The HMAC key is the secret key's UTF-8 bytes.", "MUST",
                f"{SEED}, sample code: new SecretKeySpec(secretKey.getBytes(\"UTF-8\"), \"HmacSHA256\")"),
    Requirement("NCP-TS-MILLIS", "x-ncp-apigw-timestamp is epoch time in milliseconds, not seconds.", "MUST",
                f"{SEED}, Request headers: 'the time elapsed since January 1, 1970 00:00:00 UTC in milliseconds'"),
    Requirement("NCP-TS-FRESH",
                "Every request carries the current time (a timestamp taken when it is sent), so it never falls outside "
                "the 5-minute window.", "MUST",
                f"{SEED}, Request headers: 'request is considered invalid if the timestamp differs from the current time by "
                "more than 5 minutes'; sample code: 'Current timestamp'; fact sheet [code]: timestamps computed once at import"),
    Requirement("NCP-HEADER-SIGNATURE", "The signature is sent in the header x-ncp-apigw-signature-v2.", "MUST",
                f"{SEED}, Request headers: 'x-ncp-apigw-signature-v2:{{API Gateway Signature}}'; fact sheet [code]: NAVER's "
                "sample sends it as x-ncp-apigw-signature-v1"),
    Requirement("NCP-HEADER-AUTH",
                "The request carries x-ncp-apigw-timestamp and x-ncp-iam-access-key (the access key) (header names in any case).",
                "MUST", f"{SEED}, Request headers table; RFC 9110 section 5.1 (field names are case-insensitive)"),
    Requirement("NCP-CONTENT-TYPE", "createMailRequest is sent with Content-Type: application/json.", "MUST",
                f"{SEED}, Request example: -H \"Content-Type:application/json\"; service error 415/77002 UNSUPPORTED_MEDIA_TYPE"),
    Requirement("NCP-BODY-JSON", "The createMailRequest body is the UTF-8 JSON of the mail the caller asked to send.", "MUST",
                f"{SEED}, Request example: -d '{{\"senderAddress\":...,\"recipients\":[...],...}}'"),
    Requirement("NCP-SURFACE-SERVICE-ERRORS",
                "A mailer error (e.g. 400 / 77102 BAD_REQUEST) is reported to the caller as a failure.", "MUST",
                f"{SEED}, Common responses: 400 77101-77103, 403 77201-77202, 405 77001, 415 77002, 500 77301-77303"),
    Requirement("NCP-SURFACE-GATEWAY-ERRORS",
                "An API Gateway error (e.g. 401 / 200 Authentication Failed) is reported to the caller as a failure.", "MUST",
                "fact sheet [docs]: API Gateway errors 401/200 Authentication Failed ... 504/510 Endpoint Timeout"),
)
REQUIREMENTS = documented(REQUIREMENTS, DOCUMENTATION)
