"""Byte budgets of the journal and the message store, and the compact shape of what they keep."""

from __future__ import annotations

import gc
from typing import Any

from sealmail.mockservers.core import Journal, JournalEntry, MessageStore, StoredMessage


def _record(journal: Journal, n: int, *, body: bytes = b"{}", headers: Any = None, details: dict[str, Any] | None = None,
            warnings: list[str] | None = None) -> JournalEntry:
    entry = journal.open(time_ms=n, method="POST", path=f"/send/{n}", headers=headers or {"X-N": str(n)}, body=body)
    entry.status, entry.outcome = 200, "accepted"
    entry.details.update(details or {"n": n, "kind": "mail"})
    entry.warnings.extend(warnings or [])
    entry.message_ids.append(f"m{n}")
    journal.commit(entry)
    return entry


def _message(n: int, payload: Any = None) -> StoredMessage:
    return StoredMessage(message_id=f"m{n}", time_ms=n, request_id=n, kind="mail",
                         payload=payload if payload is not None else {"n": n, "to": [{"email": f"u{n}@example.org"}]},
                         meta={"recipients": [f"u{n}@example.org"]})


def test_journal_evicts_by_bytes_and_counts_it() -> None:
    journal = Journal(capacity=10_000, body_limit=2048, max_bytes=40_000)
    for n in range(100):
        _record(journal, n, body=b"x" * 2000)
    kept = journal.entries()
    assert 5 < len(kept) < 100  # the byte budget, not the entry cap, decided
    assert journal.retained_bytes == sum(e.size for e in kept) <= 40_000
    assert all(e.size > 2000 for e in kept)  # the body excerpt is counted
    assert journal.recorded == 100 == len(kept) + journal.evicted
    assert [e.path for e in kept] == [f"/send/{n}" for n in range(100 - len(kept), 100)]


def test_journal_counts_headers_notes_and_warnings() -> None:
    plain = _record(Journal(capacity=10, body_limit=100), 1)
    heavy = _record(Journal(capacity=10, body_limit=100), 1, headers={f"X-H{i}": "v" * 500 for i in range(10)},
                    details={"note": "n" * 3000}, warnings=["w" * 500] * 4)
    assert heavy.size - plain.size > 10 * 500 + 3000 + 4 * 500


def test_store_evicts_by_bytes_and_counts_it() -> None:
    store = MessageStore(capacity=10_000, max_bytes=50_000)
    for n in range(60):
        store.add(_message(n, {"n": n, "html": "h" * 4000}))
    kept = store.messages()
    assert 5 < len(kept) < 60
    assert store.retained_bytes == sum(m.size for m in kept) <= 50_000
    assert store.added == 60 == len(kept) + store.evicted
    assert kept[-1].payload == {"n": 59, "html": "h" * 4000}


def test_header_flood_is_cut_at_the_header_budget_and_flagged() -> None:
    journal = Journal(capacity=10, body_limit=100, header_bytes=16 * 1024)
    flood = [(f"X-Flood-{i}".encode(), b"a" * 8000) for i in range(120)]  # 120 headers of 8 KB (issue 13)
    entry = _record(journal, 1, headers=flood)
    assert "headers" in entry.clipped
    kept = entry.header_pairs
    assert 0 < len(kept) < 120
    assert sum(len(k) + len(v) for k, v in kept) <= 16 * 1024
    assert entry.header("x-flood-0") == "a" * 8000
    assert entry.size < 20 * 1024
    assert entry.to_json()["clipped"] == ["headers"]


def test_a_huge_note_is_clipped_to_valid_json_and_flagged() -> None:
    journal = Journal(capacity=10, body_limit=100, note_bytes=4096)
    name = "n" * 200_000  # the 200,000-character upload file name, noted twice
    parts = [{"name": f"f{i}", "filename": name, "size": 1} for i in range(1000)]
    entry = _record(journal, 1, details={"form_fields": parts, "upload": {"fileName": name}},
                    warnings=[f"unknown_form_field:{name}"] * 50)
    assert {"details", "warnings"} <= set(entry.clipped)
    details = entry.details  # still JSON, still readable
    assert details["upload"]["fileName"].startswith("nnnn") and len(details["upload"]["fileName"]) < 4096
    assert len(details["form_fields"]) < 1000
    assert sum(len(w) for w in entry.warnings) <= 4096 + 64
    assert entry.size < 16 * 1024


def test_an_entry_over_the_whole_budget_is_kept_flagged_and_does_not_starve_the_journal() -> None:
    journal = Journal(capacity=100, body_limit=64 * 1024, max_bytes=30_000, header_bytes=64 * 1024, note_bytes=64 * 1024)
    for n in range(3):
        _record(journal, n)
    big = _record(journal, 3, body=b"b" * 60_000, details={"blob": "d" * 60_000})
    assert "entry" in big.clipped
    assert big.size <= 30_000
    assert journal.entries()[-1].id == big.id and big.reason is None
    for n in range(4, 10):
        _record(journal, n)
    assert [e.id for e in journal.entries()][-6:] == [e for e in range(5, 11)]  # normal entries fit again
    assert journal.recorded == 10 == len(journal) + journal.evicted


def test_a_message_over_the_whole_budget_is_clipped_and_flagged() -> None:
    store = MessageStore(capacity=100, max_bytes=20_000)
    store.add(_message(1))
    store.add(_message(2, {"html": "h" * 100_000, "to": ["a@example.org"] * 5}))
    big = store.messages()[-1]
    assert big.clipped and big.to_json()["clipped"] is True
    assert big.size <= 20_000
    assert big.payload["html"].startswith("hhhh") and big.payload["to"] == ["a@example.org"] * 5
    for n in range(3, 8):
        store.add(_message(n))
    assert [m.message_id for m in store.messages()][-5:] == [f"m{n}" for n in range(3, 8)]
    assert store.retained_bytes <= 20_000
    assert store.added == 7 == len(store) + store.evicted


def test_committed_entries_and_messages_hold_almost_no_gc_tracked_objects() -> None:
    journal = Journal(capacity=10_000, body_limit=4096)
    store = MessageStore(capacity=10_000)
    raw = tuple((f"X-H{i}".encode(), b"value") for i in range(12))  # like aiohttp's request.raw_headers
    gc.collect()
    before = len(gc.get_objects())
    for n in range(2000):
        _record(journal, n, headers=raw, warnings=["unknown_field:x"])
        store.add(_message(n))
    for _ in range(3):  # the collector untracks nested tuples one level per pass
        gc.collect()
    per_request = (len(gc.get_objects()) - before) / 2000
    assert per_request <= 1, per_request
    # White box: what is kept is one tuple per entry and per message, of values the collector does not track.
    for records in (journal._entries.snapshot(), store._messages.snapshot()):
        assert len(records) == 2000
        assert not any(gc.is_tracked(record) for record in records)
    entry, message = journal.entries()[-1], store.messages()[-1]
    # ...and still read back as dicts and lists.
    assert entry.details == {"n": 1999, "kind": "mail"} and entry.warnings == ["unknown_field:x"]
    assert entry.message_ids == ["m1999"] and entry.headers["X-H3"] == "value"
    assert message.payload["to"] == [{"email": "u1999@example.org"}] and message.meta == {"recipients": ["u1999@example.org"]}


def test_payload_json_is_kept_as_given() -> None:
    store = MessageStore(capacity=2)
    text = b'{"subject": "Hi",  "to": ["a@example.org"]}'
    store.add(StoredMessage(message_id="m", time_ms=0, request_id=1, kind="mail", payload=None, payload_json=text))
    assert store.messages()[0].payload == {"subject": "Hi", "to": ["a@example.org"]}
