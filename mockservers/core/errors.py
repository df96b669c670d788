"""Typed rejections: the one way a mock says "no".

A handler or provider model raises :class:`Rejection`; one middleware
(:mod:`sealmail.mockservers.core.middleware`) renders it in the provider's own error
shape and writes the precise internal ``reason`` to the journal. The caller
sees the provider's behaviour, the test author sees why.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ErrorKind:
    """One entry of a provider's error catalogue: what the *caller* sees.

    Several internal reasons may share one kind on purpose: every decryption
    failure of a provider maps to a single kind so that the response carries no
    padding or decryption oracle.
    """

    status: int
    code: str | int
    message: str
    help: str = ""


class Rejection(Exception):
    """A request the mock refuses, carrying both views of the refusal.

    ``kind`` is what the caller gets (status, provider code, message); ``reason``
    is the precise internal cause recorded in the journal (e.g.
    ``gcm_tag_mismatch``); ``field`` names the offending payload field for
    validation errors (shown to the caller only where the provider does so);
    ``detail`` is extra journal-only text.
    """

    def __init__(
        self,
        kind: ErrorKind,
        reason: str,
        *,
        field: str | None = None,
        detail: str | None = None,
        message: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{reason}: {detail or message or kind.message}")
        self.kind = kind
        self.reason = reason
        self.field = field
        self.detail = detail
        self.message = message if message is not None else kind.message
        self.headers = dict(headers or {})

    @property
    def status(self) -> int:
        return self.kind.status

    @property
    def code(self) -> str | int:
        return self.kind.code


@dataclass
class RenderedError:
    """A provider-shaped error response, before it becomes an aiohttp response."""

    status: int
    body: dict[str, object]
    headers: dict[str, str] = field(default_factory=dict)
