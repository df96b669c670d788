"""Provider models that keep their own copies are held to byte budgets too (docs/memory.md)."""

from __future__ import annotations

from typing import Any

import pytest

from sealmail.mockservers.core import MockClock
from sealmail.mockservers.providers.ncp_mailer.errors import MailerRejection
from sealmail.mockservers.providers.ncp_mailer.models import NcpMailerConfig, NcpMailerModel
from sealmail.mockservers.providers.ncp_mailer.validation import DraftRules, validate
from sealmail.mockservers.providers.stayprivate.models import StayPrivateConfig, StayPrivateModel
from sealmail.mockservers.providers.stayprivate.uploads import UploadedFile, UploadForm


def _mail(body: str, recipients: int) -> dict[str, Any]:
    return {"senderAddress": "s@example.com", "title": "Hi", "body": body,
            "recipients": [{"address": f"u{i}@example.org", "type": "R", "parameters": {"name": f"U{i}"}} for i in range(recipients)]}


def test_ncp_refuses_personalised_copies_over_the_budget_but_not_shared_text() -> None:
    rules = DraftRules(max_rendered_chars=50_000)
    with pytest.raises(MailerRejection) as refused:
        validate(_mail("Hello ${name} " + "x" * 1000, 100), templates={}, now_ms=0, rules=rules)
    assert refused.value.reason == "rendered_too_large" and refused.value.kind.status == 400
    shared = validate(_mail("Hello all " + "x" * 1000, 100), templates={}, now_ms=0, rules=rules)  # one text, shared
    assert len(shared.mails) == 100 and shared.mails[0].body is shared.mails[99].body
    assert len(validate(_mail("Hello ${name}", 100), templates={}, now_ms=0, rules=rules).mails) == 100


def test_ncp_model_evicts_old_requests_by_bytes() -> None:
    config = NcpMailerConfig(message_max_bytes=200_000)
    model = NcpMailerModel(config, MockClock())
    created = [model.create("KR", validate(_mail("Hi ${name} " + "b" * 20_000, 2), templates={}, now_ms=0,
                                           rules=config.draft_rules()), "127.0.0.1") for _ in range(10)]
    kept = [r for r in created if model.request("KR", r.request_id) is not None]
    assert 2 <= len(kept) < 10 and kept == created[-len(kept):]
    assert sum(r.retained_bytes for r in kept) <= 200_000


def _form(size: int) -> UploadForm:
    return UploadForm(file=UploadedFile("a.pdf", "application/pdf", b"p" * size), esign=False, esign_given=True,
                      unknown_fields=(), field_names=("emailAttachment", "reqESignFlag"))


def test_stayprivate_keeps_attachment_bytes_within_email_max_bytes() -> None:
    config = StayPrivateConfig(email_max_bytes=10_000, max_attachment_bytes=4_000)
    model = StayPrivateModel(config, MockClock())
    company = model.companies.get(config.company_api_id)
    assert company is not None
    refs = []
    for n in range(6):
        email, _ = model.prepare(company, None, {"senderEmail": f"sender@{config.company_domains[0]}", "emailSubject": f"s{n}"})
        model.upload(company, email.email_ref, None, _form(3_000))
        refs.append(email.email_ref)
    kept = [e.email_ref for e in model.emails()]
    assert kept == refs[-len(kept):] and 1 < len(kept) < 6
    assert sum(a.size for e in model.emails() for a in e.attachments.values()) <= 10_000
    assert model.evicted_emails == 6 - len(kept)
    # The email being written is never the one evicted, even when it is the oldest.
    oldest = kept[0]
    model.upload(company, oldest, None, _form(3_000))
    assert model.email(oldest) is not None


def test_stayprivate_counts_email_texts_too() -> None:
    config = StayPrivateConfig(email_max_bytes=50_000)
    model = StayPrivateModel(config, MockClock())
    company = model.companies.get(config.company_api_id)
    assert company is not None
    sender = f"sender@{config.company_domains[0]}"
    for n in range(8):
        model.send_new(company, {"senderEmail": sender, "emailSubject": f"s{n}", "emailBody": "b" * 15_000,
                                 "emailToList": "a@example.org"})
    assert 1 < len(model.emails()) < 8
    assert model.evicted_emails == 8 - len(model.emails())
