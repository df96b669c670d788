"""The API Gateway's signature v2 check, as the mock runs it on every API request.

Order (seed "Request headers" + "Create a signature"):
1. the three headers are present, once each (names case-insensitive, as in HTTP);
2. the timestamp is decimal epoch milliseconds within the tolerance of the mock clock, both ways;
3. ``x-ncp-apigw-signature-v2`` equals base64(HMAC-SHA256(secret, "METHOD URI\\nTIMESTAMP\\nACCESSKEY")),
   URI = the path and query exactly as on the request line, compared in constant time;
4. the access key is known (checked after step 3 so that an unknown key takes as long as a wrong
   signature: no access-key oracle).

Every failure is the gateway's 401 / 200 "Authentication Failed" with one body;
the precise reason (``header_missing``, ``timestamp_expired``,
``access_key_unknown``, ``signature_mismatch``...) goes to the journal only.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Mapping, Protocol

from multidict import CIMultiDictProxy

from sealmail.mockservers.core import Rejection
from sealmail.mockservers.core.headers import single_header
from sealmail.mockservers.crypto import ncp_signature

from . import spec


class CredentialLike(Protocol):
    access_key: str
    secret_key: str
    state: str


class CredentialLookup(Protocol):
    def credential(self, access_key: str) -> CredentialLike | None: ...


@dataclass(frozen=True)
class GatewayRules:
    """The config settings the check depends on."""

    tolerance_ms: int = spec.TIMESTAMP_TOLERANCE_MS
    accept_v1_signature_header: bool = False
    signed_uri: str = "raw"
    """``raw``: the request target exactly as received; ``strip_empty_query``: a trailing lone ``?`` is not signed."""


@dataclass(slots=True)  # read-only by convention; not frozen (~1 us more per request)
class Authenticated:
    """A request that passed the check."""

    credential: CredentialLike
    skew_ms: int
    """Mock clock minus the request's timestamp (positive: the request is older)."""
    signature_header: str


def _fail(reason: str, detail: str) -> Rejection:
    return Rejection(spec.GW_AUTH_FAILED, reason, detail=detail)


def _missing(timestamp: str | None, access_key: str | None, signature: str | None) -> list[str]:
    return [name for name, value in ((spec.HEADER_TIMESTAMP, timestamp), (spec.HEADER_ACCESS_KEY, access_key),
                                     (spec.HEADER_SIGNATURE, signature)) if value is None]


def signed_uri(raw_uri: str, rules: GatewayRules) -> str:
    """The URI the gateway signs for a request line's target (see ``GatewayRules.signed_uri``)."""
    if rules.signed_uri == "strip_empty_query" and raw_uri.endswith("?"):
        return raw_uri[:-1]
    return raw_uri


def authenticate(
    headers: CIMultiDictProxy[str],
    method: str,
    raw_uri: str,
    now_ms: int,
    credentials: CredentialLookup,
    rules: GatewayRules,
) -> Authenticated:
    """Run the gateway check; return the caller's credential or raise the 401 rejection."""
    timestamp = single_header(headers, spec.HEADER_TIMESTAMP, spec.GW_AUTH_FAILED)
    access_key = single_header(headers, spec.HEADER_ACCESS_KEY, spec.GW_AUTH_FAILED)
    signature = single_header(headers, spec.HEADER_SIGNATURE, spec.GW_AUTH_FAILED)
    header_used = spec.HEADER_SIGNATURE
    if signature is None:
        v1 = single_header(headers, spec.HEADER_SIGNATURE_V1, spec.GW_AUTH_FAILED)
        if v1 is not None and rules.accept_v1_signature_header:
            signature, header_used = v1, spec.HEADER_SIGNATURE_V1
        elif v1 is not None and timestamp is not None and access_key is not None:
            raise _fail("signature_v1_header", f"signature sent as {spec.HEADER_SIGNATURE_V1}; this API needs {spec.HEADER_SIGNATURE}")
    if timestamp is None or access_key is None or signature is None:
        raise _fail("header_missing", "missing: " + ", ".join(_missing(timestamp, access_key, signature)))
    skew = _check_timestamp(timestamp, now_ms, rules.tolerance_ms)
    credential = credentials.credential(access_key)
    # An unknown key costs what a known key with a bad signature costs: the same HMAC check
    # and the same journal diagnosis, against a decoy secret. Otherwise the extra work done
    # only for known keys (tens of microseconds) lets a caller enumerate access keys.
    secret = credential.secret_key if credential is not None else _DECOY_SECRET
    uri = signed_uri(raw_uri, rules)
    valid = ncp_signature.verify(secret, method, uri, timestamp, access_key, signature)
    diagnosis = None if valid else _diagnose(secret, method, uri, timestamp, access_key, signature, _hosts(headers))
    if credential is None:
        raise _fail("access_key_unknown", f"access key {access_key[:64]!r} is not known")
    if diagnosis is not None:
        raise _fail("signature_mismatch", diagnosis)
    return Authenticated(credential, skew, header_used)


def _hosts(headers: CIMultiDictProxy[str]) -> list[str]:
    """Hosts a client may have put in the signed URL (diagnosis only)."""
    return [h for h in (headers.get("Host"), spec.API_HOST) if h]


_DECOY_SECRET = secrets.token_urlsafe(30)
"""Stands in for the secret of an unknown access key (ASCII, the length of a typical NCP secret key)."""


def _check_timestamp(text: str, now_ms: int, tolerance_ms: int) -> int:
    # seed: "the time elapsed since January 1, 1970 00:00:00 UTC in milliseconds ... invalid if the
    # timestamp differs from the current time by more than 5 minutes".
    if not text.isascii() or not text.isdigit() or len(text) > 19:
        raise _fail("timestamp_malformed", f"{spec.HEADER_TIMESTAMP} {text[:40]!r} is not decimal epoch milliseconds")
    value = int(text)
    skew = now_ms - value
    if abs(skew) <= tolerance_ms:
        return skew
    if abs(now_ms - value * 1000) <= tolerance_ms + 1000:
        raise _fail("timestamp_in_seconds", f"timestamp {value} is epoch seconds; milliseconds are required")
    if skew > 0:
        raise _fail("timestamp_expired", f"timestamp is {skew} ms older than the mock clock (tolerance {tolerance_ms} ms)")
    raise _fail("timestamp_future", f"timestamp is {-skew} ms ahead of the mock clock (tolerance {tolerance_ms} ms)")


def _diagnose(secret: str, method: str, uri: str, timestamp: str, access_key: str, signature: str, hosts: list[str]) -> str:
    """Journal-only: which common mistake reproduces the received signature, if any."""
    explanation = ncp_signature.explain(secret, method, uri, timestamp, access_key, signature,
                                        hosts=hosts, region_prefixes=list(spec.REGION_PREFIXES.values()))
    expected_string = ncp_signature.string_to_sign(method, uri, timestamp, access_key)
    layout = None if explanation is not None else ncp_signature.explain_layout(secret, method, uri, timestamp, access_key, signature)
    if layout is not None:
        return f"{layout} (expected string to sign {expected_string!r})"
    if explanation is None:
        return (f"{ncp_signature.UNEXPLAINED} (checked: query string, trailing '?', percent-decoding, host in the URL, "
                "another region's path, hex/URL-safe encoding, ISO-8859-1 secret, line layout): most likely another secret key, "
                f"timestamp or access key than the ones sent; expected string to sign {expected_string!r}")
    return "; ".join(explanation.mistakes()) + f" (expected string to sign {expected_string!r})"


def header_names(headers: Mapping[str, str]) -> list[str]:
    """The gateway headers present, as the client spelled them (journal notes)."""
    return [name for name in headers if name.lower() in _GATEWAY_HEADERS]


_GATEWAY_HEADERS = frozenset({spec.HEADER_TIMESTAMP, spec.HEADER_ACCESS_KEY, spec.HEADER_SIGNATURE, spec.HEADER_SIGNATURE_V1})
