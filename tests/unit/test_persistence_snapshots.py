"""Provider snapshots: JSON-able, and a fresh model restored from one snapshots the same.

The restart tests (tests/integration/test_serve_persist.py) show that clients carry
on; these check every provider's snapshot round trip and the JSON loaders directly.
"""

from __future__ import annotations

import json
from typing import Any, Callable

import pytest

from sealmail.mockservers.core import MockClock, providers
from sealmail.mockservers.core.journal import JournalEntry
from sealmail.mockservers.core.persistence import (
    PersistentModel,
    clock_json,
    journal_entry_from_json,
    restore_clock,
    stored_message_from_json,
)
from sealmail.mockservers.core.store import StoredMessage
from sealmail.mockservers.providers.netcore_ce.credentials import parse_registration
from sealmail.mockservers.providers.stayprivate.uploads import UploadedFile, UploadForm


def change_autosend(model: Any) -> None:
    model.rotate()
    model.retire(model.ring.keys()[-1].kid)
    model.contacts.save({"email": "a@example.com"}, now="2026-01-01T00:00:00.000Z", project_id="p", allow_update=True)


def change_ncp_mailer(model: Any) -> None:
    model.add_credential("AK", "SK", "active")
    model.add_template(3, "title ${x}", "body", name="t3")


def change_netcore_ce(model: Any) -> None:
    model.register(parse_registration({"asset": "a2", "key": "k" * 32, "iv": "i" * 16}))


def change_stayprivate(model: Any) -> None:
    company = model.companies.all()[0]
    email, _ = model.prepare(company, None, {"senderEmail": "me@example.com", "emailSubject": "s"})
    data = UploadedFile("f.bin", "application/octet-stream", b"\x00\xffbytes")
    model.upload(company, email.email_ref, None, UploadForm(data, True, True, (), ("emailAttachment",)))


def change_netcore_email(model: Any) -> None:
    model.api_key = "changed"


CHANGES: dict[str, Callable[[Any], None]] = {
    "autosend": change_autosend,
    "ncp-mailer": change_ncp_mailer,
    "netcore-ce": change_netcore_ce,
    "stayprivate": change_stayprivate,
    "netcore-email": change_netcore_email,
}


def frozen_clock() -> MockClock:
    clock = MockClock()
    clock.set_now(1_767_225_600_000, frozen=True)  # timestamps in snapshots stay comparable
    return clock


@pytest.mark.parametrize("provider_id", list(providers()))
def test_snapshot_round_trip(provider_id: str) -> None:
    provider = providers()[provider_id]
    config = provider.make_config({})
    model = provider.create_model(config, frozen_clock())
    assert isinstance(model, PersistentModel)
    untouched = json.dumps(model.snapshot(), sort_keys=True)
    CHANGES[provider_id](model)
    changed = json.dumps(model.snapshot(), sort_keys=True)  # JSON-able
    assert changed != untouched

    fresh = provider.create_model(config, frozen_clock())
    fresh.restore(json.loads(changed))
    assert json.dumps(fresh.snapshot(), sort_keys=True) == changed
    fresh.reset()
    assert json.dumps(fresh.snapshot(), sort_keys=True) == untouched


def test_journal_entry_and_message_loaders_invert_to_json() -> None:
    entry = JournalEntry(id=3, time_ms=5, method="POST", path="/p", headers={"A": "b"}, body="x", body_size=1,
                         body_truncated=False, status=400, outcome="rejected", reason="r", detail="d",
                         message_ids=["m"], warnings=["w"], details={"k": 1})
    assert journal_entry_from_json(json.loads(json.dumps(entry.to_json()))) == entry
    message = StoredMessage("m1", 5, 3, "mail", {"to": ["a@example.com"]}, {"k": "v"})
    assert stored_message_from_json(json.loads(json.dumps(message.to_json()))) == message


def test_clock_state_round_trip() -> None:
    frozen = MockClock()
    frozen.set_now(1_700_000_000_000, frozen=True)
    moved = MockClock()
    moved.offset(-60_000)
    restored = []
    for clock in (frozen, moved):
        again = MockClock()
        restore_clock(again, json.loads(json.dumps(clock_json(clock))))
        restored.append(again.state())
    assert restored[0].frozen and restored[0].now_ms == 1_700_000_000_000
    assert not restored[1].frozen and restored[1].offset_ms == -60_000
