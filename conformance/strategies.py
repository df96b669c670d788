"""Hypothesis strategies for valid request payloads of every provider (public as ``sealmail.strategies``).

Use them in your own ``@given`` tests to drive your client with the payloads a provider accepts: unicode
and emoji in every text field, the longest allowed values, empty optional fields, many recipients,
attachments of edge sizes (StayPrivate) and activity batches (Netcore CE)::

    from hypothesis import given
    from sealmail import strategies

    @given(mail=strategies.netcore_email_payloads())
    def test_my_client_sends_any_mail(netcore_email_mock, mail):
        my_client.send(mail, base_url=netcore_email_mock.url)
        assert netcore_email_mock.payloads()[-1] == mail

Every value drawn is accepted by the mock's own validator (the property runs of the reference clients in
``tests/conformance/test_properties.py`` check that), so a refusal always means the client changed the payload on its way.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import strategies as st

from .clients.stayprivate import EmailMessage, OutgoingAttachment
from .suites.netcore_ce import Event

__all__ = [
    "addresses", "texts", "netcore_email_payloads", "autosend_mails", "ncp_mailer_mails",
    "netcore_ce_events", "netcore_ce_activities", "stayprivate_messages",
]

_DOMAINS = ("example.com", "example.org", "example.net", "mail.example.co.uk", "xn--bcher-kva.example")


def addresses(domains: tuple[str, ...] = _DOMAINS) -> st.SearchStrategy[str]:
    """Deliverable ASCII addresses (the WHATWG grammar every mock checks), at the given domains."""
    local = st.from_regex(r"[a-z0-9](?:[a-z0-9._+-]{0,30}[a-z0-9])?", fullmatch=True)
    return st.builds(lambda name, domain: f"{name}@{domain}", local, st.sampled_from(domains))


def texts(*, min_size: int = 0, max_size: int = 40) -> st.SearchStrategy[str]:
    """Any Unicode text a JSON string can carry: letters of every script, emoji, controls, quotes.

    Lone surrogates are left out: they have no UTF-8 encoding, so no client could send them.
    """
    return st.text(st.characters(blacklist_categories=("Cs",)), min_size=min_size, max_size=max_size)


def _visible(max_size: int = 40) -> st.SearchStrategy[str]:
    """Text with at least one non-space character (subjects, names that must not be blank)."""
    return texts(min_size=1, max_size=max_size).filter(lambda s: s.strip() != "")


def _names() -> st.SearchStrategy[str | None]:
    return st.one_of(st.none(), texts(max_size=30))


# --- netcore-email ------------------------------------------------------------------------------

def _ne_address() -> st.SearchStrategy[dict[str, Any]]:
    return st.builds(lambda email, name: {"email": email} if name is None else {"email": email, "name": name},
                     addresses(), _names())


def _ne_personalization() -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {"to": st.lists(_ne_address(), min_size=1, max_size=5)},
        optional={
            "cc": st.lists(_ne_address(), max_size=3),
            "bcc": st.lists(_ne_address(), max_size=3),
            "attributes": st.dictionaries(st.from_regex(r"[A-Z][A-Z0-9_]{0,12}", fullmatch=True), texts(), max_size=4),
        },
    )


def netcore_email_payloads() -> st.SearchStrategy[dict[str, Any]]:
    """Netcore Email v6 send payloads (``POST /v6/mail/send``): 1-3 personalizations, up to 5 ``to`` each."""
    return st.fixed_dictionaries(
        {
            "from": _ne_address(),
            "subject": _visible(max_size=200),
            "content": st.lists(st.fixed_dictionaries({"type": st.sampled_from(["html", "amp"]), "value": texts(max_size=400)}),
                                min_size=1, max_size=2),
            "personalizations": st.lists(_ne_personalization(), min_size=1, max_size=3),
        },
        optional={
            "reply_to": addresses(),
            "tags": st.lists(texts(max_size=20), max_size=3),
            "settings": st.fixed_dictionaries({}, optional={"open_track": st.booleans(), "click_track": st.booleans()}),
        },
    )


# --- autosend -----------------------------------------------------------------------------------

SUBJECT_MAX = 998  # autosend spec: subject at most 998 characters (RFC 5322 line length)


def _as_address() -> st.SearchStrategy[dict[str, Any]]:
    return st.builds(lambda email, name: {"email": email} if name is None else {"email": email, "name": name},
                     addresses(), _names())


def autosend_mails() -> st.SearchStrategy[dict[str, Any]]:
    """AutoSend ``POST /v1/mails/send`` bodies: html and/or text, dynamic data, subjects up to 998 characters."""
    content = st.one_of(
        st.fixed_dictionaries({"html": _visible(max_size=300)}),
        st.fixed_dictionaries({"text": _visible(max_size=300)}),
        st.fixed_dictionaries({"html": _visible(max_size=300), "text": _visible(max_size=300)}),
    )
    base = st.fixed_dictionaries(
        {"to": _as_address(), "from": _as_address(),
         "subject": st.one_of(_visible(max_size=120), _visible(max_size=SUBJECT_MAX).filter(lambda s: len(s) <= SUBJECT_MAX),
                              st.just("S" * SUBJECT_MAX))},
        optional={
            "cc": st.lists(_as_address(), max_size=3),
            "bcc": st.lists(_as_address(), max_size=3),
            "replyTo": _as_address(),
            "dynamicData": st.dictionaries(st.from_regex(r"[a-z][a-zA-Z0-9_]{0,12}", fullmatch=True),
                                           st.one_of(texts(), st.integers(-10**6, 10**6), st.booleans()), max_size=4),
            "categories": st.lists(_visible(max_size=20), max_size=3),
        },
    )
    return st.builds(lambda mail, parts: {**mail, **parts}, base, content)


# --- ncp-mailer ---------------------------------------------------------------------------------

MAX_TITLE_BYTES = 500  # NAVER Cloud Outbound Mailer API: title at most 500 bytes


def _utf8_at_most(limit: int) -> st.SearchStrategy[str]:
    return _visible(max_size=limit).filter(lambda s: len(s.encode("utf-8")) <= limit)


def ncp_mailer_mails() -> st.SearchStrategy[dict[str, Any]]:
    """createMailRequest bodies (``POST /api/v1/mails``): up to 30 recipients of types R/C/B with parameters."""
    recipient = st.fixed_dictionaries(
        {"address": addresses(), "name": _names(), "type": st.sampled_from(["R", "R", "C", "B"])},
        optional={"parameters": st.dictionaries(st.from_regex(r"[a-z][a-z0-9_]{0,10}", fullmatch=True), texts(), max_size=3)},
    )
    return st.fixed_dictionaries(
        {"senderAddress": addresses(), "title": _utf8_at_most(MAX_TITLE_BYTES), "body": texts(min_size=1, max_size=600),
         "recipients": st.lists(recipient, min_size=1, max_size=30)},
        optional={"senderName": _utf8_at_most(69), "individual": st.booleans(), "advertising": st.booleans()},
    )


# --- netcore-ce ---------------------------------------------------------------------------------

def _params() -> st.SearchStrategy[dict[str, Any]]:
    scalar = st.one_of(texts(), st.integers(-10**9, 10**9), st.booleans(), st.none(),
                       st.floats(allow_nan=False, allow_infinity=False, width=32))
    return st.dictionaries(st.from_regex(r"[a-z][a-z0-9_]{0,15}", fullmatch=True),
                           st.one_of(scalar, st.lists(scalar, max_size=3)), max_size=5)


def netcore_ce_events() -> st.SearchStrategy[list[Event]]:
    """Batches of 1-20 activity events for the conformance adapter's ``upload(events, ecode)``."""
    event = st.builds(
        Event,
        name=st.from_regex(r"[a-z][a-z_]{2,30}", fullmatch=True),
        identity=st.one_of(_visible(max_size=20), st.integers(1, 10**12)),
        params=_params(),
        occurred_at=st.datetimes(min_value=dt.datetime(2020, 1, 1), max_value=dt.datetime(2030, 1, 1),
                                 timezones=st.just(dt.timezone.utc)).map(lambda t: t.replace(microsecond=0)),
        source=st.sampled_from(["web", "app"]),
    )
    return st.lists(event, min_size=1, max_size=20)


def netcore_ce_activities(asset_id: str) -> st.SearchStrategy[list[dict[str, Any]]]:
    """The activity arrays a client encrypts for ``x-asset: asset_id`` (the seed's shape)."""
    return netcore_ce_events().map(lambda events: [
        {"asset_id": asset_id, "activity_name": e.name, "timestamp": e.occurred_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
         "identity": e.identity, "activity_source": e.source, "activity_params": e.params}
        for e in events
    ])


# --- stayprivate --------------------------------------------------------------------------------

def _plain_file_stem(stem: str) -> bool:
    """A stem every receiver keeps as sent: no surrounding spaces, no drive letter, not only dots (RFC 7578 4.2)."""
    return stem == stem.strip() and stem.strip(".") != "" and not (len(stem) > 1 and stem[1] == ":" and stem[0].isascii())


def _attachment() -> st.SearchStrategy[OutgoingAttachment]:
    size = st.sampled_from([1, 2, 1023, 1024, 65_536, 1_048_577])
    # File names: assigned, printable Unicode (multipart headers cannot carry control characters, and the mock
    # keeps format, private-use and unassigned characters out of display names), no path separators.
    printable = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Cf", "Co", "Cn", "Zl", "Zp"), blacklist_characters="/\\"),
                        min_size=1, max_size=40).filter(_plain_file_stem)
    name = st.builds(lambda stem, ext: f"{stem}.{ext}", printable,
                     st.sampled_from(["pdf", "txt", "png", "docx"]))
    return st.builds(lambda n, size, fill, ctype, esign: OutgoingAttachment(n, bytes([fill]) * size, ctype, esign=esign),
                     name, size, st.integers(0, 255), st.sampled_from(["application/pdf", "text/plain", "image/png"]), st.booleans())


def stayprivate_messages(sender_email: str = "sender@example.com") -> st.SearchStrategy[EmailMessage]:
    """StayPrivate emails from ``sender_email`` (the company's domain): recipients in every list, 0-3 attachments."""
    to = st.lists(addresses(), max_size=5)
    return st.builds(
        EmailMessage,
        sender_email=st.just(sender_email),
        to=to.map(tuple), cc=st.lists(addresses(), max_size=3).map(tuple), bcc=st.lists(addresses(), max_size=3).map(tuple),
        subject=st.one_of(st.none(), texts(max_size=200)),
        body=st.one_of(st.none(), texts(max_size=500)),
        attachments=st.lists(_attachment(), max_size=3).map(tuple),
    ).filter(lambda m: bool(m.to or m.cc or m.bcc))
