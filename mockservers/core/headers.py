"""Headers a provider reads as one value: a second copy is refused, never silently dropped.

``CIMultiDict.get`` returns the first copy of a repeated header, so a client (or
a proxy) that sends ``Authorization`` twice would be judged on whichever came
first. RFC 9110 section 5.3 allows repeating a field only when its definition
is a comma-separated list; none of these is. Each provider lists its singleton
headers with the error kind it answers (``Provider.singleton_headers``); the
core middleware checks them before any handler runs, and provider code that
reads a header itself uses :func:`single_header`.
"""

from __future__ import annotations

from typing import Mapping

from multidict import CIMultiDictProxy, MultiMapping

from .errors import ErrorKind, Rejection

HEADER_REPEATED = "header_repeated"
"""The journal reason for a singleton header sent more than once."""


def single_header(headers: MultiMapping[str] | CIMultiDictProxy[str], name: str, kind: ErrorKind) -> str | None:
    """The one value of header ``name`` (None when absent); :class:`Rejection` ``header_repeated`` when sent twice."""
    values = headers.getall(name, [])
    if len(values) > 1:
        raise Rejection(kind, HEADER_REPEATED, field=name,
                        detail=f"{name} sent {len(values)} times; it takes one value (a client or proxy adding a second copy?)")
    return values[0] if values else None


def check_singleton_headers(headers: MultiMapping[str] | CIMultiDictProxy[str], singletons: Mapping[str, ErrorKind]) -> None:
    """Refuse the first header of ``singletons`` that ``headers`` repeats."""
    getall = headers.getall
    for name, kind in singletons.items():
        if len(getall(name, ())) > 1:  # runs on every request: the usual header costs one lookup
            single_header(headers, name, kind)
