"""NAVER Cloud Platform API Gateway signature v2 (seed 002_1a42ba2c6936885a.txt, "Create a signature").

The seed's sample code, exactly::

    message = method + " " + url + "\\n" + timestamp + "\\n" + accessKey
    signature = Base64(HmacSHA256(secretKey.getBytes("UTF-8"), message.getBytes("UTF-8")))

where ``url`` is "Full URL under "/" (including query strings), excluding the
domain" and ``timestamp`` is epoch milliseconds, as text. Pure functions over
strings and bytes: shared by the mock, the reference client, the conformance
suite and the vector generator. HMAC comes from the standard library ``hmac``
module; comparison is :func:`hmac.compare_digest` (constant time).

:func:`explain` is a diagnostic for *rejected* signatures only: it names the
common client mistake (hex instead of base64, path without its query...) that
reproduces a wrong signature. The mock writes its answer to the journal, never
to the caller.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from typing import Sequence
from urllib.parse import unquote

SPACE = " "
NEWLINE = "\n"
"""seed: ``String space = " ";`` and ``String newLine = "\\n";``."""


def string_to_sign(method: str, uri: str, timestamp: str | int, access_key: str) -> str:
    """``METHOD + " " + URI + "\\n" + TIMESTAMP + "\\n" + ACCESS_KEY`` (seed sample code).

    ``uri`` is the path plus query string exactly as sent on the request line
    (no scheme, no host); ``timestamp`` the header's text (an int is formatted
    in decimal).
    """
    return f"{method}{SPACE}{uri}{NEWLINE}{timestamp}{NEWLINE}{access_key}"


def hmac_sha256(key: bytes, message: bytes) -> bytes:
    """Raw HMAC-SHA256 (RFC 2104 with SHA-256): the primitive the signature uses."""
    return hmac.new(key, message, hashlib.sha256).digest()


def raw_signature(secret_key: str, method: str, uri: str, timestamp: str | int, access_key: str) -> bytes:
    """The 32-byte HMAC: key = secret as UTF-8, message = string to sign as UTF-8 (seed)."""
    message = string_to_sign(method, uri, timestamp, access_key)
    return hmac_sha256(_utf8(secret_key), _utf8(message))


def sign(secret_key: str, method: str, uri: str, timestamp: str | int, access_key: str) -> str:
    """The ``x-ncp-apigw-signature-v2`` value: standard base64 (with padding) of the raw HMAC."""
    return base64.b64encode(raw_signature(secret_key, method, uri, timestamp, access_key)).decode("ascii")


def verify(secret_key: str, method: str, uri: str, timestamp: str | int, access_key: str, signature: str) -> bool:
    """True when ``signature`` is exactly :func:`sign`'s value; compared in constant time.

    The received text is compared as bytes (``surrogateescape`` keeps any byte
    the HTTP layer let through), so a non-ASCII signature is simply unequal.
    """
    expected = sign(secret_key, method, uri, timestamp, access_key).encode("ascii")
    received = signature.encode("utf-8", errors="surrogateescape")
    return hmac.compare_digest(expected, received)


def _utf8(text: str) -> bytes:
    # surrogateescape: a URI the HTTP layer decoded with surrogateescape signs as its original bytes.
    return text.encode("utf-8", errors="surrogateescape")


# --- diagnosis of a rejected signature (journal and conformance only) -------------------

URI_AS_SENT = "as_sent"
URI_PATH_ONLY = "path_only"
URI_ADDED_QUESTION_MARK = "added_question_mark"
URI_DROPPED_QUESTION_MARK = "dropped_question_mark"
URI_DECODED = "percent_decoded"
URI_WITH_HOST = "with_host"
URI_OTHER_REGION = "other_region"

ENCODING_BASE64 = "base64"
ENCODING_HEX = "hex"
ENCODING_BASE64URL = "base64url"
ENCODING_BASE64_OF_HEX = "base64_of_hex"

SECRET_UTF8 = "utf-8"
SECRET_LATIN1 = "latin-1"

_MISTAKES = {
    URI_PATH_ONLY: "signed the path without its query string",
    URI_ADDED_QUESTION_MARK: "signed a trailing '?' that was not sent",
    URI_DROPPED_QUESTION_MARK: "sent a trailing '?' but did not sign it",
    URI_DECODED: "signed the percent-decoded URI instead of the URI as sent",
    URI_WITH_HOST: "host included in the signed URL (sign only the path and query, without scheme and domain)",
    URI_OTHER_REGION: "another region's path signed (the regional prefix signed differs from the one requested)",
    ENCODING_HEX: "signature is the hex HMAC, not base64",
    ENCODING_BASE64URL: "signature uses the URL-safe base64 alphabet",
    ENCODING_BASE64_OF_HEX: ("signature is the base64 of the hex HMAC text (PHP hash_hmac() without raw_output true, "
                             "or a hex digest base64-encoded): base64-encode the raw 32-byte HMAC"),
    SECRET_LATIN1: "secret key encoded as ISO-8859-1 instead of UTF-8",
}


@dataclass(frozen=True)
class SignatureExplanation:
    """Which variant of the inputs reproduces a signature: the URI signed, the text encoding, the key encoding."""

    uri: str
    encoding: str
    secret: str

    @property
    def correct(self) -> bool:
        return (self.uri, self.encoding, self.secret) == (URI_AS_SENT, ENCODING_BASE64, SECRET_UTF8)

    def mistakes(self) -> list[str]:
        """Human-readable list of what differs from the seed's recipe (empty when correct)."""
        return [_MISTAKES[part] for part in (self.uri, self.encoding, self.secret) if part in _MISTAKES]


def uri_variants(uri: str, hosts: Sequence[str] = (), region_prefixes: Sequence[str] = ()) -> list[tuple[str, str]]:
    """The URIs clients commonly sign by mistake for a request sent with ``uri``, as (variant, URI) pairs.

    ``hosts``: host names the client may have put in front (the request's Host
    header, the provider's domain); ``region_prefixes``: the provider's
    regional base paths (fact sheet: ``/api/v1``, ``/api/v1-sgn``, ``/api/v1-jpn``).
    """
    path, question, query = uri.partition("?")
    variants = [(URI_AS_SENT, uri)]
    if question and query:
        variants.append((URI_PATH_ONLY, path))
    if question and not query:
        variants.append((URI_DROPPED_QUESTION_MARK, path))
    if not question:
        variants.append((URI_ADDED_QUESTION_MARK, uri + "?"))
    decoded = unquote(uri)
    if decoded != uri:
        variants.append((URI_DECODED, decoded))
    for host in dict.fromkeys(hosts):
        for scheme in ("https://", "http://", ""):
            variants.append((URI_WITH_HOST, scheme + host + uri))
    sent_prefix = max((p for p in region_prefixes if uri == p or uri.startswith(p + "/") or uri.startswith(p + "?")),
                      key=len, default=None)
    if sent_prefix is not None:
        for prefix in region_prefixes:
            if prefix != sent_prefix:
                variants.append((URI_OTHER_REGION, prefix + uri[len(sent_prefix):]))
    return variants


def explain(secret_key: str, method: str, uri: str, timestamp: str, access_key: str, signature: str,
            *, hosts: Sequence[str] = (), region_prefixes: Sequence[str] = ()) -> SignatureExplanation | None:
    """The (URI, encoding, key encoding) variant that reproduces ``signature``, or None.

    Tries the URI variants of :func:`uri_variants`, base64 / hex / URL-safe
    base64, and the secret as UTF-8 or ISO-8859-1: the mistakes seen in
    third-party clients (fact sheet [code]). Diagnostic only; verification is
    :func:`verify`.
    """
    keys = {SECRET_UTF8: _utf8(secret_key)}
    try:
        latin1 = secret_key.encode("latin-1")
        if latin1 != keys[SECRET_UTF8]:
            keys[SECRET_LATIN1] = latin1
    except UnicodeEncodeError:
        pass
    received = signature.strip()
    for key_name, key in keys.items():
        for uri_name, candidate in uri_variants(uri, hosts, region_prefixes):
            digest = hmac_sha256(key, _utf8(string_to_sign(method, candidate, timestamp, access_key)))
            encodings = {
                ENCODING_BASE64: base64.b64encode(digest).decode("ascii"),
                ENCODING_HEX: digest.hex(),
                ENCODING_BASE64URL: base64.urlsafe_b64encode(digest).decode("ascii"),
                ENCODING_BASE64_OF_HEX: base64.b64encode(digest.hex().encode("ascii")).decode("ascii"),
            }
            for encoding_name, text in encodings.items():
                if _same(encoding_name, text, received):
                    return SignatureExplanation(uri_name, encoding_name, key_name)
    return None


UNEXPLAINED = "no common mistake reproduces it"
"""How the journal's ``signature_mismatch`` detail starts when no known mistake reproduces the signature
(what follows lists the mistakes that were *checked*, so it names none of them as the cause)."""

_LAYOUTS = {
    "newline between method and URI (the first separator is one space: 'POST /api/v1/mails')": "{m}\n{u}\n{t}\n{a}",
    "trailing newline after the access key (the string ends with it)": "{m} {u}\n{t}\n{a}\n",
    "CRLF line breaks: join the lines with \\n alone": "{m} {u}\r\n{t}\r\n{a}",
    "timestamp and access key swapped (the timestamp comes first)": "{m} {u}\n{a}\n{t}",
    "method in lower case: sign it in upper case, as sent": "{lm} {u}\n{t}\n{a}",
}
"""Strings to sign laid out the ways third-party clients get wrong, with the mistake each shows."""


def explain_layout(secret_key: str, method: str, uri: str, timestamp: str, access_key: str, signature: str) -> str | None:
    """The layout mistake (:data:`_LAYOUTS`) whose string to sign reproduces ``signature`` (base64, UTF-8 secret), or None."""
    key, received = _utf8(secret_key), signature.strip()
    for mistake, layout in _LAYOUTS.items():
        message = layout.format(m=method, lm=method.lower(), u=uri, t=timestamp, a=access_key)
        if base64.b64encode(hmac_sha256(key, _utf8(message))).decode("ascii") == received:
            return mistake
    return None


def _same(encoding: str, expected: str, received: str) -> bool:
    if encoding == ENCODING_HEX:
        return expected == received.lower()
    if encoding == ENCODING_BASE64URL:
        return expected.rstrip("=") == received.rstrip("=")
    return expected == received
