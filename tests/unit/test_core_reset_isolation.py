"""Resets isolate tests: in-flight requests, journal ids, grouped explanations, near misses (issue 12, section 2)."""

from __future__ import annotations

import threading

import pytest
import requests

from sealmail.mockservers.core import MockHandle, MockPool
from sealmail.mockservers.core.journal import JournalEntry
from sealmail.mockservers.core.store import StoredMessage

from ..in_flight import handler_started
from .test_core_handle import AUTH, PAYLOAD, pool  # noqa: F401  (pool: the module's shared mocks)


def _abandon(mock: MockHandle, delay_ms: int, headers: dict[str, str] | None = None) -> None:
    """A request the client gives up on while the mock is still delaying it (in flight when this returns)."""
    mock.fault(delay_ms=delay_ms)
    with handler_started(mock) as started:
        with pytest.raises(requests.exceptions.Timeout):
            requests.post(mock.url + "/v6/mail/send", data=PAYLOAD, headers=headers or AUTH, timeout=0.1)
        assert started.wait(10), "the mock never started handling the abandoned request"


def test_reset_cancels_a_request_in_flight_and_counts_it(pool: MockPool) -> None:
    mock = pool.acquire("netcore-email")
    _abandon(mock, delay_ms=2_000)
    assert mock.state.in_flight() == 1
    again = pool.acquire("netcore-email")  # what the fixtures do between tests: reset, then settle
    assert again is mock
    assert mock.state.in_flight() == 0
    assert mock.state.discarded_after_reset == 1
    assert mock.requests() == [] and mock.messages() == []
    assert "1 request(s) in flight at the last reset discarded" in mock.explain()
    response = requests.post(mock.url + "/v6/mail/send", data=PAYLOAD, headers=AUTH, timeout=10)
    assert response.status_code == 200
    assert [e.id for e in mock.requests()] == [1]  # ids restart per reset
    assert len(mock.messages()) == 1


def test_a_commit_or_store_from_before_a_reset_is_dropped() -> None:
    """The generation check alone, for a request that outlives the reset (ignores cancellation, or races it)."""
    with MockPool() as own_pool:
        state = own_pool.acquire("netcore-email").state
        generation = state.request_started(None)
        entry = state.journal.open(time_ms=0, method="POST", path="/v6/mail/send", headers={}, body=b"")
        state.reset()
        message = StoredMessage(message_id="m", time_ms=0, request_id=entry.id, kind="mail", payload={})
        assert state.add_message(message, generation) is False
        assert state.commit(entry, generation) is False
        state.answer_sent(None)  # what the middleware does before an after-the-answer diagnosis: not counted
        state.request_finished(None, generation, committed=False)
        assert state.journal.entries() == [] and state.store.messages() == []
        assert state.discarded_after_reset == 1
        current = state.request_started(None)
        assert state.commit(entry, current) is True
        assert state.journal.entries() == [entry]


def test_ids_restart_at_one_after_every_reset(pool: MockPool) -> None:
    mock = pool.acquire("netcore-email")
    for _ in range(3):
        requests.post(mock.url + "/v6/mail/send", data=PAYLOAD, headers=AUTH, timeout=10)
    assert [e.id for e in mock.requests()] == [1, 2, 3]
    mock.reset()
    requests.post(mock.url + "/v6/mail/send", data=PAYLOAD, headers=AUTH, timeout=10)
    assert [e.id for e in mock.requests()] == [1]
    assert mock.messages()[0].request_id == 1


def test_a_dropped_connection_reads_as_no_response(pool: MockPool) -> None:
    mock = pool.acquire("netcore-email")
    mock.fault(drop=True)
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.post(mock.url + "/v6/mail/send", data=PAYLOAD, headers=AUTH, timeout=10)
    (entry,) = mock.requests()
    assert entry.summary() == (
        "#1 POST /v6/mail/send -> no response fault_drop: connection closed without a response (scripted fault)"
    )
    assert "None" not in mock.explain()


def test_a_client_that_gave_up_is_named_in_the_journal(pool: MockPool) -> None:
    mock = pool.acquire("netcore-email")
    committed = threading.Event()  # set when the entry is committed: no polling
    remove = mock.state.journal.listeners.add(lambda kind, item: committed.set() if kind == "committed" else None)
    try:
        _abandon(mock, delay_ms=300)
        assert committed.wait(10)
    finally:
        remove()
    (entry,) = mock.requests()
    assert entry.status == 200
    assert any(w.startswith("client_gone") for w in entry.warnings)


def test_explain_folds_identical_rejections(pool: MockPool) -> None:
    mock = pool.acquire("netcore-email")
    with requests.Session() as session:
        for _ in range(60):
            session.post(mock.url + "/v6/mail/send", data=PAYLOAD, headers={**AUTH, "Content-Type": "text/plain"}, timeout=10)
        session.post(mock.url + "/v6/mail/send", data=PAYLOAD, headers=AUTH, timeout=10)
        session.post(mock.url + "/v6/mail/send", data=PAYLOAD, timeout=10)
    lines = mock.explain().splitlines()
    assert lines == [
        "netcore-email mock journal (62 request(s)):",
        "  60 x POST /v6/mail/send -> 400 rejected content_type_invalid: Content-Type 'text/plain', expected application/json: "
        "a string body without a JSON Content-Type (fetch/axios with a string, curl --data without -H) (#1..#60)",
        "  #61 POST /v6/mail/send -> 200 accepted",
        "  #62 POST /v6/mail/send -> 401 rejected auth_missing: no Authorization header",
    ]


def test_assert_request_lists_the_closest_requests_and_what_each_missed(pool: MockPool) -> None:
    mock = pool.acquire("netcore-email")
    requests.post(mock.url + "/v6/mail/send", data=PAYLOAD, timeout=10)
    requests.get(mock.url + "/v6/mail/send", headers=AUTH, timeout=10)
    requests.post(mock.url + "/v6/mail/sent", data=PAYLOAD, headers=AUTH, timeout=10)
    with pytest.raises(AssertionError) as failure:
        mock.assert_request(method="POST", path="/v6/mail/send")
    text = str(failure.value)
    assert text.splitlines()[:5] == [
        "no accepted request for POST /v6/mail/send in the netcore-email mock journal.",
        "Closest of 3 request(s):",
        "  #1 POST /v6/mail/send: rejected (auth_missing: no Authorization header), not accepted",
        "  #3 POST /v6/mail/sent: path /v6/mail/sent, not /v6/mail/send; rejected (route_not_found: Not Found), not accepted",
        "  #2 GET /v6/mail/send: method GET, not POST; rejected (method_not_allowed: Method Not Allowed), not accepted",
    ]
    mock.reset()
    with pytest.raises(AssertionError, match="The journal is empty"):
        mock.assert_request(path="/v6/mail/send")


def test_summary_of_an_unfinished_entry_has_no_none() -> None:
    entry = JournalEntry(id=4, time_ms=0, method="POST", path="/p", headers={}, body="", body_size=0, body_truncated=False)
    assert entry.summary() == "#4 POST /p -> no response"
