"""AutoSend's contacts and scripted errors are bounded (docs/memory.md).

Before: every contact the app under test created was kept for good (a suite creating a fresh
contact per test grew the mock forever), and ``POST /__mock__/errors`` in a loop queued without limit.
"""

from __future__ import annotations

import pytest

from sealmail.mockservers.core import MockClock
from sealmail.mockservers.providers.autosend import spec
from sealmail.mockservers.providers.autosend.models import AutoSendConfig, AutoSendModel, ContactBook


def _save(book: ContactBook, email: str, **fields: object) -> None:
    book.save({"email": email, **fields}, now="2026-01-01T00:00:00.000Z", project_id="p", allow_update=True)


def test_past_the_capacity_the_least_recently_written_contact_is_evicted() -> None:
    book = ContactBook(capacity=3)
    for name in ("a", "b", "c"):
        _save(book, f"{name}@example.com")
    _save(book, "a@example.com", firstName="A")  # written again: now the newest
    _save(book, "d@example.com")
    assert sorted(c["email"] for c in book.all()) == ["a@example.com", "c@example.com", "d@example.com"]
    assert book.evicted == 1 and book.get("b@example.com") is None


def test_past_the_byte_budget_old_contacts_go_and_a_lone_big_one_stays() -> None:
    book = ContactBook(max_bytes=20_000)
    for number in range(10):
        _save(book, f"c{number}@example.com", customFields={"notes": "x" * 3000})
    kept = book.all()
    assert 3 <= len(kept) < 10 and book.evicted == 10 - len(kept)
    assert kept[-1]["email"] == "c9@example.com"
    _save(book, "huge@example.com", customFields={"notes": "x" * 50_000})  # alone over the budget: kept, the rest go
    assert [c["email"] for c in book.all()] == ["huge@example.com"]


def test_scripted_errors_stop_at_1000_pending() -> None:
    model = AutoSendModel(AutoSendConfig(), MockClock())
    kind = spec.SCRIPTABLE_ERRORS["UNKNOWN_KEY_ID"]
    assert model.script_errors(kind, 1000) == 1000
    with pytest.raises(ValueError, match=r"at most 1000 scripted errors .* DELETE /__mock__/errors"):
        model.script_errors(kind, 1)
    model.clear_scripted()
    assert model.script_errors(kind, 1) == 1
