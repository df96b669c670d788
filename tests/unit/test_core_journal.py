"""The journal: bounded, oldest evicted first, every request accounted for."""

from __future__ import annotations

import threading

import pytest

from sealmail.mockservers.core import Journal, JournalEntry


def _record(journal: Journal, n: int, *, body: bytes = b"{}") -> JournalEntry:
    entry = journal.open(time_ms=n, method="POST", path=f"/send/{n}", headers={"X-N": str(n)}, body=body)
    entry.status, entry.outcome = 200, "accepted"
    journal.commit(entry)
    return entry


def test_keeps_everything_below_capacity_oldest_first() -> None:
    journal = Journal(capacity=5, body_limit=100)
    for n in range(3):
        _record(journal, n)
    assert [e.path for e in journal.entries()] == ["/send/0", "/send/1", "/send/2"]
    assert (len(journal), journal.evicted, journal.recorded) == (3, 0, 3)


def test_full_journal_evicts_the_oldest_and_counts_it() -> None:
    journal = Journal(capacity=3, body_limit=100)
    for n in range(7):
        _record(journal, n)
    assert [e.path for e in journal] == ["/send/4", "/send/5", "/send/6"]
    assert journal.evicted == 4
    assert journal.recorded == 7
    assert journal.recorded == len(journal) + journal.evicted


def test_entry_ids_increase_in_arrival_order() -> None:
    journal = Journal(capacity=10, body_limit=100)
    ids = [_record(journal, n).id for n in range(4)]
    assert ids == sorted(ids) and len(set(ids)) == 4


def test_clear_empties_and_resets_the_counters() -> None:
    journal = Journal(capacity=2, body_limit=100)
    for n in range(5):
        _record(journal, n)
    journal.clear()
    assert (len(journal), journal.evicted, journal.recorded, journal.entries()) == (0, 0, 0, [])
    _record(journal, 9)
    assert (len(journal), journal.recorded) == (1, 1)


def test_body_is_cut_at_the_limit_and_marked_truncated() -> None:
    journal = Journal(capacity=2, body_limit=4)
    entry = _record(journal, 1, body=b"abcdefgh")
    assert (entry.body, entry.body_size, entry.body_truncated) == ("abcd", 8, True)
    whole = _record(journal, 2, body=b"abcd")
    assert (whole.body, whole.body_size, whole.body_truncated) == ("abcd", 4, False)


def test_non_utf8_body_is_kept_readable() -> None:
    journal = Journal(capacity=2, body_limit=100)
    entry = _record(journal, 1, body=b"ok\xff\xfe")
    assert entry.body == "ok\ufffd\ufffd"
    assert entry.body_size == 4


def test_capacity_must_be_positive() -> None:
    with pytest.raises(ValueError):
        Journal(capacity=0, body_limit=10)


def test_concurrent_commits_are_all_counted() -> None:
    journal = Journal(capacity=50, body_limit=10)

    def writer() -> None:
        for n in range(400):
            _record(journal, n)

    threads = [threading.Thread(target=writer) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert journal.recorded == 2400
    assert len(journal) == 50
    assert journal.evicted == 2350
    assert len({e.id for e in journal}) == 50


def test_header_lookup_is_case_insensitive_and_summary_explains() -> None:
    journal = Journal(capacity=2, body_limit=10)
    entry = journal.open(time_ms=1, method="POST", path="/v6/mail/send", headers={"X-AES-KEY": "k"}, body=b"")
    entry.status, entry.outcome, entry.reason, entry.field, entry.detail = 400, "rejected", "gcm_tag_mismatch", "f", "d"
    assert entry.header("x-aes-key") == "k"
    assert entry.header("X-AES-IV") is None
    assert entry.summary() == f"#{entry.id} POST /v6/mail/send -> 400 rejected gcm_tag_mismatch (field f): d"
    assert not entry.accepted
    assert entry.to_json()["reason"] == "gcm_tag_mismatch"
