"""ncp-mailer: an unknown access key costs what a known key with a wrong signature costs.

The journal-only diagnosis of a bad signature (which common client mistake
reproduces it) takes tens of microseconds; run only for known keys, it told a
caller which access keys exist. The gateway now runs the same HMAC check and
the same diagnosis for an unknown key, against a decoy secret. This pins the
structure (the work done), which a timing test could only show noisily;
``python -m bench.key_timing`` prints the measured ratio.
"""

from __future__ import annotations

from typing import Any

import pytest

from sealmail.mockservers.core import Rejection
from sealmail.mockservers.crypto import ncp_signature
from sealmail.mockservers.providers.ncp_mailer.gateway import GatewayRules, authenticate
from tests.unit.test_ncp_mailer_rules import NOW, Lookup, headers_for


def _work_done(monkeypatch: pytest.MonkeyPatch, *, key: str, secret: str) -> tuple[str, list[tuple[str, int]]]:
    calls: list[tuple[str, int]] = []
    for name in ("verify", "explain"):
        original = getattr(ncp_signature, name)

        def spy(*args: Any, _original: Any = original, _name: str = name, **kwargs: Any) -> Any:
            calls.append((_name, len(args[0])))  # which step ran, and on a secret of what length
            return _original(*args, **kwargs)

        monkeypatch.setattr(ncp_signature, name, spy)
    try:
        authenticate(headers_for("POST", "/api/v1/mails", str(NOW), key=key, secret=secret), "POST", "/api/v1/mails", NOW,
                     Lookup(secret="S" * 40), GatewayRules())
    except Rejection as rejection:
        return rejection.reason, calls
    raise AssertionError("accepted")


def test_an_unknown_key_runs_the_same_check_and_diagnosis_as_a_wrong_signature(monkeypatch: pytest.MonkeyPatch) -> None:
    unknown_reason, unknown_work = _work_done(monkeypatch, key="NOSUCHKEY", secret="guess")
    monkeypatch.undo()
    known_reason, known_work = _work_done(monkeypatch, key="AK", secret="guess")
    assert (unknown_reason, known_reason) == ("access_key_unknown", "signature_mismatch")
    assert unknown_work == known_work == [("verify", 40), ("explain", 40)]
