"""ncp-mailer vectors: each invalid case is rejected for its own journal reason; the verifier is not a rubber stamp."""

from __future__ import annotations

import copy

from sealmail.mockservers.core import MockPool
from sealmail.vectors.cli import _Server, replay_one
from sealmail.vectors.generators import get_generator
from sealmail.vectors.schema import load_provider

REASONS = {
    "ChangedMethod": {"signature_mismatch"},
    "ChangedPath": {"signature_mismatch"},
    "ChangedQuery": {"signature_mismatch"},
    "ChangedAccessKey": {"signature_mismatch"},
    "ChangedSecret": {"signature_mismatch"},
    "ChangedTimestamp": {"signature_mismatch"},
    "SignatureEncoding": {"signature_mismatch"},
    "TimestampWindow": {"timestamp_expired", "timestamp_future"},
    "Seconds": {"timestamp_in_seconds"},
    "Malformed": {"timestamp_malformed"},
    "HeaderName": {"header_missing", "signature_v1_header"},
    "UnknownAccessKey": {"access_key_unknown"},
}


def _file(name: str):
    return next(f for f in load_provider("ncp-mailer") if f.name == name)


def test_every_invalid_request_vector_has_its_journal_reason(sealmail_pool: MockPool) -> None:
    mock = sealmail_pool.acquire("ncp-mailer")
    server = _Server(mock.url, timeout=10)
    generator = get_generator("ncp-mailer")
    checked = 0
    try:
        for test in _file("signature_requests").tests():
            if test.result != "invalid" or test.request is None or test.expected["status"] == 404:
                continue
            assert replay_one(server, generator, test, {}).problem is None
            wanted = set.union(*(REASONS[f] for f in test.flags if f in REASONS))
            assert mock.requests()[-1].reason in wanted, f"tcId {test.tcId} {test.comment}: {mock.requests()[-1].summary()}"
            checked += 1
    finally:
        server.set_clock(None)
    assert checked >= 25


def test_seed_sample_line_is_among_the_known_answers() -> None:
    seed_cases = [t for t in _file("signature_known_answers").tests() if "SeedExample" in t.flags]
    assert seed_cases and all(t.inputs["string_to_sign"] == "POST /api/v1/mails\n1521787414578\n6uxz1nKkcYwUjWRG5Q1V7NsW0i5jErlu2NjBXXgy"
                              for t in seed_cases)


def test_verifier_catches_a_tampered_request_and_a_tampered_answer() -> None:
    generator = get_generator("ncp-mailer")
    wire = _file("signature_requests")
    victim = copy.deepcopy(wire)
    valid = next(t for t in victim.tests() if t.result == "valid" and t.expected["status"] == 201)
    valid.request.headers["x-ncp-apigw-signature-v2"] = valid.request.headers["x-ncp-apigw-signature-v2"].lower()
    assert generator.verify(victim)
    answers = copy.deepcopy(_file("signature_known_answers"))
    answers.tests()[0].inputs["timestamp"] = "1521787414579"
    assert generator.verify(answers)
    hmac_file = copy.deepcopy(_file("wycheproof_hmac_sha256"))
    hmac_file.tests()[0].inputs["tag_hex"] = "00" + hmac_file.tests()[0].inputs["tag_hex"][2:]
    assert generator.verify(hmac_file)
