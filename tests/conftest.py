"""Suite-wide test settings: Hypothesis profiles and the pytester plugin.

Every control answer of the mocks a test starts is checked against the provider's OpenAPI
document (tests/openapi_contract.py; ``SEALMAIL_OPENAPI_CHECK=0`` turns it off).

Profiles (choose with ``HYPOTHESIS_PROFILE=<name>``):

- ``fast`` (default): few examples, no deadline (the machine is shared and noisy).
- ``thorough``: many more examples, for a nightly or pre-release run.

Property tests size their example counts from ``settings.default`` (the loaded
profile), so ``thorough`` scales every property at once.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

from . import openapi_contract

pytest_plugins = ["pytester"]

settings.register_profile(
    "fast",
    deadline=None,
    max_examples=40,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "thorough",
    deadline=None,
    max_examples=1000,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "fast"))


if os.environ.get("SEALMAIL_OPENAPI_CHECK", "1") != "0":
    openapi_contract.install()


@pytest.fixture(autouse=True)
def _control_answers_conform_to_openapi() -> object:
    """Fail the test during which a mock of this process gave a control answer its OpenAPI document does not describe."""
    openapi_contract.CONTRACT.take()  # what a previous test's leftover server traffic produced is not this test's
    yield
    violations = openapi_contract.CONTRACT.take()
    if violations:
        pytest.fail("control answers that do not match GET /__mock__/openapi.json:\n" + "\n".join(violations[:20]), pytrace=False)
