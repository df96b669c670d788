"""What the stayprivate model retains per email is (almost) invisible to Python's garbage collector (issue 16, item 1).

A full collection walks every GC-tracked object; a store of 10,000 emails kept as dataclasses,
dicts and lists turned each one into a pause of tens of milliseconds (the latency tail).
The model keeps each email as one flat tuple of atomic values instead.
"""

from __future__ import annotations

import gc
from typing import Any

from bench.profiles import PROFILES
from bench.tail import measure_gc_objects
from sealmail.conformance.clients.stayprivate import OutgoingAttachment, StayPrivateSyncClient
from sealmail.mockservers.core import MockHandle
from sealmail.mockservers.providers.stayprivate.emails import record_bytes


def test_an_accepted_one_call_send_leaves_under_half_a_tracked_object() -> None:
    """The bench profile (``POST /1.0/emails/send``) through the real app, journal and store included."""
    figure = measure_gc_objects(PROFILES["stayprivate"], count=400)
    assert "INVALID" not in figure.note, figure.note  # every request was accepted
    assert figure.value < 0.5, figure.note


def test_sent_emails_with_attachments_are_kept_untracked_and_read_back_whole(stayprivate_mock: MockHandle) -> None:
    config = stayprivate_mock.config
    with StayPrivateSyncClient(stayprivate_mock.url, config["company_api_id"], config["private_key_pem"]) as client:
        email_ref = client.prepare(config["sender_email"], subject="Statement", body="<p>hi</p>")
        kept = client.upload(email_ref, OutgoingAttachment("a.pdf", b"%PDF-1.7 a", "application/pdf", esign=True))
        dropped = client.upload(email_ref, OutgoingAttachment("b.txt", b"bee", "text/plain"))
        client.upload(email_ref, OutgoingAttachment("a2.pdf", b"%PDF-1.7 again", "application/pdf"), file_ref=kept)
        client.delete_attachment(email_ref, dropped)
        client.send(email_ref, to=["x@example.org", "y@example.org"], cc=["z@example.org"])
    model = stayprivate_mock.model
    for _ in range(3):  # the collector untracks nested tuples one level per pass
        gc.collect()
    record = model._emails[email_ref]
    assert isinstance(record, tuple) and not gc.is_tracked(record)
    email = model.email(email_ref)
    assert email is not None and email.status == "sent" and email.drafts == 1
    assert email.recipients == {"emailToList": ["x@example.org", "y@example.org"], "emailCcList": ["z@example.org"],
                                "emailBccList": []}
    (attachment,) = email.attachments.values()
    assert (attachment.file_ref, attachment.file_name, attachment.data, attachment.esign, attachment.versions) == (
        kept, "a2.pdf", b"%PDF-1.7 again", False, 2)
    assert model.attachment_bytes(email_ref, kept) == attachment
    # A snapshot taken back (serve --persist) keeps the same flat tuple and reads back the same email.
    model.restore(model.snapshot())
    assert model._emails[email_ref] == record and model.email(email_ref) == email
    email.attachments.clear()  # a read is a copy: changing it leaves the mock's state alone
    assert len(model.email(email_ref).attachments) == 1


def test_a_restored_store_counts_its_bytes_against_the_budget(mock_server: Any) -> None:
    """``serve --persist``: after a restore the byte budget counts the restored emails, so it still evicts."""
    handle = mock_server("stayprivate")
    config = handle.config
    with StayPrivateSyncClient(handle.url, config["company_api_id"], config["private_key_pem"]) as client:
        refs = [client.prepare(config["sender_email"], subject=f"Statement {i}", body="<p>" + "x" * 2000 + "</p>") for i in range(3)]
    snapshot = handle.model.snapshot()
    one = record_bytes(handle.model._emails[refs[0]])
    budgeted = mock_server("stayprivate", email_max_bytes=3 * one + one // 2)  # three fit, a fourth does not
    budgeted.model.restore(snapshot)
    assert [email.email_ref for email in budgeted.model.emails()] == refs
    with StayPrivateSyncClient(budgeted.url, config["company_api_id"], config["private_key_pem"]) as client:
        newest = client.prepare(config["sender_email"], subject="Statement 3", body="<p>" + "x" * 2000 + "</p>")
    assert [email.email_ref for email in budgeted.model.emails()] == [*refs[1:], newest]
    assert budgeted.model.evicted_emails == snapshot["evicted_emails"] + 1
