"""What a refused Content-Type reads as in the journal: the header as sent, or that none was sent.

``request.content_type`` is aiohttp's parsed value, which falls back to
``application/octet-stream`` (RFC 9110 section 8.3) when the header is absent:
journaling that would blame the client for a type it never sent. So the
detail is built from the raw header, with a hint at the usual cause.
"""

from __future__ import annotations

from typing import Mapping

from aiohttp import web

JSON = "application/json"


def is_json(request: web.BaseRequest) -> bool:
    """Whether the request's media type is ``application/json`` (parameters such as charset allowed).

    The exact header value nearly every client sends is recognised without aiohttp's media-type
    parse (this runs on every request, issue 16); anything else is parsed.
    """
    return request.headers.get("Content-Type") == JSON or request.content_type == JSON

_LIKELY_CAUSES = {
    "application/x-www-form-urlencoded": "a form body: a dict passed as data= instead of json= (requests), or URLSearchParams",
    "multipart/form-data": "a multipart form (files= / FormData) sent to a JSON endpoint",
    "text/plain": "a string body without a JSON Content-Type (fetch/axios with a string, curl --data without -H)",
    "application/octet-stream": "raw bytes declared as octet-stream",
}


def content_type_detail(headers: Mapping[str, str], expected: str = JSON) -> str:
    """The journal detail for a request whose Content-Type is not ``expected``."""
    sent = headers.get("Content-Type")
    if sent is None:
        return f"no Content-Type header; send Content-Type: {expected} (a bytes body sends none: Python requests' data=, Node fetch with a Buffer; Java's HttpClient never adds one)"
    if not sent.strip():
        return f"Content-Type header is empty; send Content-Type: {expected}"
    media_type = sent.split(";", 1)[0].strip().lower()
    cause = _LIKELY_CAUSES.get(media_type)
    return f"Content-Type {sent!r}, expected {expected}" + (f": {cause}" if cause else "")
