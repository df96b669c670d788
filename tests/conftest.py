"""Suite-wide test settings: Hypothesis profiles and the pytester plugin.

Profiles (choose with ``HYPOTHESIS_PROFILE=<name>``):

- ``fast`` (default): few examples, no deadline (the machine is shared and noisy).
- ``thorough``: many more examples, for a nightly or pre-release run.

Property tests size their example counts from ``settings.default`` (the loaded
profile), so ``thorough`` scales every property at once.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

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
