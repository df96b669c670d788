"""A short soak of every provider with a profile (``make soak`` runs the same for 60 s).

``SEALMAIL_SOAK_SECONDS`` sets the length (default 2 s with small caps, so that
journals and stores evict and memory is measured after they are full).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from bench.hardening.soak import Soak, SoakSettings, run_soak

SECONDS = float(os.environ.get("SEALMAIL_SOAK_SECONDS", "2"))


def settings() -> SoakSettings:
    if SECONDS >= 30:
        return SoakSettings(seconds=SECONDS)
    # min_attempts: about three times the caps, so that journals and stores evict on a machine of any speed
    # (a 2 s run under load made as few as 74 requests for caps of 40).
    return SoakSettings(seconds=SECONDS, clients_per_provider=3, journal_capacity=40, message_capacity=40,
                        distinct_requests=100, fault_interval_s=0.05, sample_interval_s=0.05, warmup_fraction=0.4,
                        min_attempts=120)


def test_soak_every_provider_with_faults() -> None:
    report = run_soak(settings())
    print(report.table())
    target = os.environ.get("SEALMAIL_SOAK_REPORT")
    if target:
        Path(target).write_text(json.dumps(report.to_json(), indent=2) + "\n", encoding="utf-8")
    assert report.problems == []
    for provider in report.providers:
        assert provider["journal"]["evicted"] > 0 and provider["store"]["evicted"] > 0, provider
        assert provider["faults"]["used"] > 0, provider


@pytest.mark.skipif(SECONDS >= 30, reason="the harness self-check runs only in the short variant")
def test_soak_reports_a_lost_message() -> None:
    """Drop every 20th message on its way to the store (a handler that forgets to store): the soak
    must report accepted messages as lost."""
    soak = Soak(SoakSettings(seconds=1.0, clients_per_provider=2, journal_capacity=30, message_capacity=30,
                             distinct_requests=30, fault_interval_s=0.2, sample_interval_s=0.05, warmup_fraction=0.2,
                             min_attempts=100),  # 20 stored messages at least, however slow the machine
                ["netcore-email"])
    store = soak.providers[0].handle.state.store
    add = store.add
    calls = {"n": 0}

    def lossy_add(message: object) -> None:
        calls["n"] += 1
        if calls["n"] % 20:
            add(message)  # type: ignore[arg-type]

    store.add = lossy_add  # type: ignore[method-assign]
    report = soak.run()
    assert any("lost" in p for p in report.problems), report.problems
