"""Requests the fuzzer starts from and mutates.

Two generic sources, no per-provider code here:

- valid requests for the main endpoint from :data:`bench.profiles.PROFILES`
  (built with the provider's reference client and the mock's credentials);
- every request in the provider's test vectors (``vectors/data/<id>/``), valid
  and invalid, each with the mock clock its case assumes (``clock_ms``).

A profile may add ``fuzz_setup(handle)`` seeds for stateful flows (a prepared
email to attach files to); those are built against the running mock.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from sealmail.mockservers.core import MockHandle

from ..profiles import PROFILES

MAX_VECTOR_SEEDS = 400
"""Enough variety to reach every endpoint the vectors cover, few enough to load quickly."""


@dataclass(frozen=True)
class Seed:
    """A request to mutate: exactly what a client sent, plus the clock it assumes."""

    name: str
    method: str
    path: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    clock_ms: int | None = None
    valid: bool | None = None


def profile_seeds(handle: MockHandle, count: int = 8) -> list[Seed]:
    profile = PROFILES.get(handle.provider_id)
    if profile is None:
        return []
    seeds = [
        Seed(f"profile:{profile.provider_id}#{i}", r.method, r.path, tuple(r.headers.items()), r.body, None, True)
        for i, r in enumerate(profile.build(handle.config, count))
    ]
    setup = getattr(profile, "fuzz_setup", None)
    if setup is not None:
        seeds.extend(
            Seed(f"setup:{profile.provider_id}#{i}", r.method, r.path, tuple(r.headers.items()), r.body, None, True)
            for i, r in enumerate(setup(handle))
        )
    return seeds


def vector_seeds(provider_id: str, limit: int = MAX_VECTOR_SEEDS) -> list[Seed]:
    try:
        from sealmail.vectors.schema import load_provider
    except ImportError:  # vectors are optional for fuzzing
        return []
    found: list[Seed] = []
    for vector_file in load_provider(provider_id):
        for test in vector_file.tests():
            request = test.request
            if request is None:
                continue
            found.append(
                Seed(
                    f"vector:{vector_file.name}#{test.tcId}",
                    request.method,
                    request.path,
                    tuple((str(k), str(v)) for k, v in request.headers.items()),
                    request.body,
                    test.clock_ms,
                    test.result == "valid",
                )
            )
    if len(found) <= limit:
        return found
    step = len(found) / limit
    return [found[int(i * step)] for i in range(limit)]


def all_seeds(handle: MockHandle) -> list[Seed]:
    """Profile seeds first (fresh timestamps), then vector seeds."""
    return profile_seeds(handle) + vector_seeds(handle.provider_id)


def seed_summary(seeds: Sequence[Seed]) -> dict[str, Any]:
    return {
        "total": len(seeds),
        "valid": sum(1 for s in seeds if s.valid),
        "from_profile": sum(1 for s in seeds if s.name.startswith(("profile:", "setup:"))),
        "from_vectors": sum(1 for s in seeds if s.name.startswith("vector:")),
        "paths": sorted({s.path.split("?", 1)[0] for s in seeds}),
    }
