"""stayprivate: an unknown (or API-disabled) company costs what a registered one with a bad token costs.

Before: ``company_unknown`` was answered before any token work, about 0.1 ms sooner (median over
3,000 interleaved loopback requests: 270 us against 406 us) than a registered company's
``signature_invalid``, so response time told a caller which ``SP-Company-Api-Id`` values exist.
Now the token is verified against a decoy key either way. This pins the work done (one
``verify_jwt`` of the token), which a timing test could only show noisily.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from sealmail.mockservers.core import MockClock, Rejection
from sealmail.mockservers.crypto.jwt import load_rsa_private_key, sign_jwt
from sealmail.mockservers.providers.stayprivate import StayPrivateConfig, StayPrivateModel, models, spec
from sealmail.mockservers.providers.stayprivate.companies import make_company
from sealmail.mockservers.providers.stayprivate.test_keys import OTHER_PRIVATE_KEY_PEM, public_pem_of

TOKEN = sign_jwt({"iss": spec.DEFAULT_COMPANY_API_ID, "iat": int(time.time()), "exp": int(time.time()) + 300},
                 load_rsa_private_key(OTHER_PRIVATE_KEY_PEM))
"""A well-formed token signed with a key no company registered."""


def _work_done(monkeypatch: pytest.MonkeyPatch, model: StayPrivateModel, company_id: str) -> tuple[str, list[str]]:
    verified: list[str] = []
    original = models.verify_jwt

    def spy(token: str, *args: Any, **kwargs: Any) -> Any:
        verified.append(token)
        return original(token, *args, **kwargs)

    monkeypatch.setattr(models, "verify_jwt", spy)
    with pytest.raises(Rejection) as refused:
        model.authenticate(company_id, f"Bearer {TOKEN}")
    monkeypatch.undo()
    return refused.value.reason, verified


def test_unknown_and_disabled_companies_verify_the_token_like_a_registered_one(monkeypatch: pytest.MonkeyPatch) -> None:
    model = StayPrivateModel(StayPrivateConfig(), MockClock())
    model.companies.register(make_company("disabled-co", public_pem_of(OTHER_PRIVATE_KEY_PEM), ["example.com"], api_enabled=False))
    outcomes = {company: _work_done(monkeypatch, model, company)
                for company in (spec.DEFAULT_COMPANY_API_ID, "no-such-company", "disabled-co")}
    assert {company: reason for company, (reason, _) in outcomes.items()} == {
        spec.DEFAULT_COMPANY_API_ID: "signature_invalid", "no-such-company": "company_unknown", "disabled-co": "company_api_disabled"}
    assert all(work == [TOKEN] for _, work in outcomes.values())
