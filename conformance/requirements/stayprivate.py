"""StayPrivate requirements. Sources: seed 004_91e3463c2f6ef9ca.txt ("seed"), providers/stayprivate.md ("fact sheet")."""

from __future__ import annotations

from sealmail.conformance.framework import Requirement, documented

SEED = "seed 004_91e3463c2f6ef9ca.txt"

DOCUMENTATION = "https://stayprivate.com/api/"
"""StayPrivate, "The StayPrivate API": the page seed 004 was taken from (same text; every requirement cites it)."""

REQUIREMENTS: tuple[Requirement, ...] = (
    Requirement("SP-HDR-COMPANY", "Every request carries `SP-Company-Api-Id` with the company's API id.", "MUST",
                f"{SEED}, Authorisation: 'Each API request header needs to specify: ... the unique company API ID'; "
                "'SP-Company-Api-Id: <insert your Unique Company API ID>'"),
    Requirement("SP-HDR-BEARER", "Every request carries `Authorization: Bearer <JWT>` with a compact JWS.", "MUST",
                f"{SEED}, Typical Request Headers: 'Authorization: Bearer <insert the JWT token>'; RFC 7515 section 7.1"),
    Requirement("SP-CONTENT-TYPE", "Prepare and send use `Content-Type: application/json`; uploads use `multipart/form-data`.", "MUST",
                f"{SEED}, Request header lists: 'Content-Type: application/json' (prepare, send) and "
                "'Content-Type: multipart/form-data' (upload)"),
    Requirement("SP-JWT-ISS", "The JWT `iss` claim is the company API id.", "MUST",
                f"{SEED}, 'The JWT token must include the company API id as issuer (iss)'; Required JWT Fields 'iss'"),
    Requirement("SP-JWT-EXP", "The JWT has a numeric `exp` that is still in the future when the request is sent.", "MUST",
                f"{SEED}, 'and a valid expiry time (exp)'; RFC 7519 section 4.1.4"),
    Requirement("SP-JWT-ALG", "The JWT is signed with RS256 (or another RSA JWS algorithm) by the private key matching the "
                "registered public key; never `none`, HMAC, or a key carried in the token.", "MUST",
                f"{SEED}, 'signed using the corresponding private key for the public key registered'; 'alg: <RS256 or similar>'; "
                "RFC 8725 sections 3.1 and 3.2"),
    Requirement("SP-JWT-LIFETIME", "Tokens are short-lived: `exp` at most one hour after the request.", "SHOULD",
                f"{SEED}, 'a valid expiry time (exp)' and 'authenticated by your application server'; [open] sealmail: a "
                "bounded lifetime limits how long a leaked bearer token can be replayed"),
    Requirement("SP-UPLOAD-FIELD", "Attachments are uploaded as a multipart file part named `emailAttachment` (with a file name).", "MUST",
                f"{SEED}, Upload Attachment: 'the email attachment should be uploaded as an input file with id/name "
                "\"emailAttachment\"'; cURL example -F \"emailAttachment=@<file path>\""),
    Requirement("SP-UPLOAD-ESIGN", "`reqESignFlag` is `Y` for an attachment that needs e-signing, `N` or absent otherwise.", "MUST",
                f"{SEED}, Upload Attachment: 'reqESignFlag (optional) - include and set to Y if the attachment requires "
                "e-signing. Set to N or omit if this is not the case.'"),
    Requirement("SP-FLOW-ORDER", "An email with attachments is prepared, each attachment uploaded to that emailRef and "
                "finished, and only then that emailRef is sent.", "MUST",
                f"{SEED}, Using the API: 'For emails with attachments you should follow the following three-step process: "
                "1. Prepare the email 2. Upload an attachment to the email - repeat if required 3. Send the email'"),
    Requirement("SP-SEND-SENDER", "`senderEmail` is given when sending a new email and omitted when sending a prepared one.", "MUST",
                f"{SEED}, Send Email: 'The email address of the sender (senderEmail) is required for a new email but should "
                "not be specified for an email which has already been prepared.'"),
    Requirement("SP-ADDR-LIST", "Recipient lists are strings of addresses separated by semicolons.", "MUST",
                f"{SEED}, Send Email: 'emailToList (optional) - a semi-colon separated of email \"To\" recipients' "
                "(likewise emailCcList, emailBccList)"),
    Requirement("SP-PAYLOAD-FAITHFUL", "Sender, subject, body, recipients and every uploaded file (name, type, bytes) are "
                "exactly what the caller asked to send.", "MUST",
                f"{SEED}, Prepare / Send Email request bodies (senderEmail, emailSubject, emailBody, address lists) and "
                "Upload Attachment (the file itself)"),
    Requirement("SP-SURFACE-401", "A 401 answer is reported to the caller as a failure.", "MUST",
                f"{SEED}, every method: 'If the method fails, an HTTP status code of 401, 422 or 500 is returned' with "
                "'{\"success\": false, ...}'"),
    Requirement("SP-SURFACE-422", "A 422 answer is reported to the caller as a failure.", "MUST",
                f"{SEED}, every method: 'If the method fails, an HTTP status code of 401, 422 or 500 is returned' with "
                "'{\"success\": false, ...}'"),
    Requirement("SP-NO-RETRY-4XX", "A 401 or 422 answer is not retried (the same request would fail again).", "MUST",
                "RFC 9110 section 15.5: 4xx statuses describe the request itself; seed: 401/422 are the request's failures"),
)
REQUIREMENTS = documented(REQUIREMENTS, DOCUMENTATION)
