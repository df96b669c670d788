"""The mailer's rejection: a :class:`Rejection` that also carries caller-visible details and a language.

Service errors answer ``{"error": {"errorCode", "message", "details"}}``; the
``message`` is the catalogue text in the ``x-ncp-lang`` language, ``details``
says what was wrong with the request (e.g. which field). ``reason`` and
``detail`` stay journal-only, as for every sealmail rejection.
"""

from __future__ import annotations

from sealmail.mockservers.core import ErrorKind, Rejection

from . import spec


class MailerRejection(Rejection):
    """A rejection with ``details`` for the caller; ``lang`` is set by the gateway middleware."""

    def __init__(
        self,
        kind: ErrorKind,
        reason: str,
        *,
        details: str | None = None,
        field: str | None = None,
        detail: str | None = None,
    ) -> None:
        super().__init__(kind, reason, field=field, detail=detail)
        self.details = details
        self.lang = spec.DEFAULT_LANGUAGE


def bad_request(reason: str, details: str, *, field: str | None = None, detail: str | None = None) -> MailerRejection:
    """400 / 77102 BAD_REQUEST with a caller-visible explanation."""
    return MailerRejection(spec.BAD_REQUEST, reason, details=details, field=field, detail=detail)


def not_found(reason: str, details: str, *, field: str | None = None) -> MailerRejection:
    """400 / 77103 Resource not found (the seed's status for it)."""
    return MailerRejection(spec.RESOURCE_NOT_FOUND, reason, details=details, field=field)


def localized_message(kind: ErrorKind, lang: str) -> str:
    """The catalogue message of a service error in ``lang`` (seed table; en-US otherwise)."""
    messages = spec.SERVICE_MESSAGES.get(lang) or spec.SERVICE_MESSAGES[spec.DEFAULT_LANGUAGE]
    return messages.get(str(kind.code), kind.message)
