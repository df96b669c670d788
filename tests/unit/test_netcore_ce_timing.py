"""The timing benchmark's plumbing (not a timed pass/fail test: the benchmark prints, people read)."""

from __future__ import annotations

import random

import pytest

from sealmail.mockservers.crypto import CryptoError
from sealmail.mockservers.providers.netcore_ce import spec, timing
from sealmail.mockservers.providers.netcore_ce.envelope import open_request

EXPECTED_REASON = {
    "cbc_bad_padding": "cbc_bad_padding",
    "cbc_padding_ok_not_json": "plaintext_not_utf8",
    "cbc_length_not_block_multiple": "cbc_length_not_block_multiple",
    "not_base64": "not_base64",
    "hex_bad_padding": "cbc_bad_padding",
    "hex_not_lowercase": "hex_not_lowercase",
    "gcm_tag_mismatch": "gcm_tag_mismatch",
    "gcm_tag_ok_not_json": "plaintext_not_utf8",
}


@pytest.mark.parametrize("size", [32, 1024])
def test_each_case_fails_for_the_reason_it_is_named_after(size: int) -> None:
    cases, cbc, gcm = timing.failure_cases(size, random.Random(3))
    assert [c.name for c in cases] == list(EXPECTED_REASON)
    for case in cases:
        method = spec.METHODS[case.ecode]
        with pytest.raises(CryptoError) as caught:
            open_request(method, gcm if method.cipher == "gcm" else cbc, case.text)
        assert caught.value.reason in {EXPECTED_REASON[case.name], "plaintext_not_json"}, case.name


def test_summary_pairs_each_class_with_the_baseline() -> None:
    samples = {timing.BASELINE: [100, 110, 120, 130], "slower": [200, 210, 220, 230]}
    results = {r.name: r for r in timing.summarise(samples, random.Random(1), resamples=50)}
    assert results[timing.BASELINE].ratio == 1.0 and results[timing.BASELINE].diff_ns == 0
    assert results["slower"].diff_ns == 100 and results["slower"].ci_low_ns == results["slower"].ci_high_ns == 100
    assert results["slower"].ratio == pytest.approx(215 / 115)


def test_a_tiny_run_prints_every_class(capsys: pytest.CaptureFixture[str]) -> None:
    assert timing.main(["--rounds", "3", "--size", "64"]) == 0
    out = capsys.readouterr().out
    for name in EXPECTED_REASON:
        assert name in out
