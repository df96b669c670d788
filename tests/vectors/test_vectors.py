"""Every provider's vectors: byte-reproducible, independently verified, and what the mock really does."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sealmail.mockservers.core import MockPool
from sealmail.vectors.cli import _Server, replay_one
from sealmail.vectors.generators import generators, get_generator
from sealmail.vectors.schema import DATA_DIR, load_provider

PROVIDERS = list(generators())


@pytest.mark.parametrize("provider_id", PROVIDERS)
def test_committed_files_are_the_output_of_the_recorded_seed(provider_id: str) -> None:
    generator = get_generator(provider_id)
    files = generator.generate(generator.default_seed)
    committed = {p.stem: p.read_text(encoding="utf-8") for p in sorted((DATA_DIR / provider_id).glob("*.json"))}
    assert sorted(committed) == sorted(f.name for f in files), "regenerate with: python -m sealmail vectors generate"
    for vector_file in files:
        assert vector_file.generator["seed"] == generator.default_seed
        assert vector_file.dumps() == committed[vector_file.name], (
            f"{vector_file.name} differs from its regeneration: run python -m sealmail vectors generate --provider {provider_id}"
        )


@pytest.mark.parametrize("provider_id", PROVIDERS)
def test_generation_is_deterministic_per_seed(provider_id: str) -> None:
    generator = get_generator(provider_id)
    first = [f.dumps() for f in generator.generate(7)]
    again = [f.dumps() for f in generator.generate(7)]
    other = [f.dumps() for f in generator.generate(8)]
    assert first == again
    assert first != other, "the seed must matter"


@pytest.mark.parametrize("provider_id", PROVIDERS)
def test_independent_verifier_agrees_with_every_vector(provider_id: str) -> None:
    generator = get_generator(provider_id)
    files = load_provider(provider_id)
    assert files, f"no vector files for {provider_id}"
    for vector_file in files:
        assert vector_file.tests(), vector_file.name
        assert set(t for test in vector_file.tests() for t in test.flags) <= set(vector_file.notes), "every flag needs a note"
        assert generator.verify(vector_file) == []


@pytest.mark.parametrize("provider_id", PROVIDERS)
def test_verifier_catches_a_wrong_expectation(provider_id: str) -> None:
    """Flip one vector's verdict: the verifier must notice (it is not a rubber stamp)."""
    generator = get_generator(provider_id)
    vector_file = load_provider(provider_id)[0]
    victim = next(t for t in vector_file.tests() if t.expected.get("status") == 200 or t.result == "valid")
    victim.expected = {"status": 400, "error_code": "decryption_failed"}
    victim.result = "invalid"
    assert generator.verify(vector_file), "a valid vector relabelled invalid went unnoticed"


@pytest.mark.parametrize("provider_id", PROVIDERS)
def test_replay_against_the_mock_matches_every_expected_outcome(provider_id: str, sealmail_pool: MockPool) -> None:
    mock = sealmail_pool.acquire(provider_id)
    server = _Server(mock.url, timeout=10)
    generator = get_generator(provider_id)
    problems = []
    count = 0
    for vector_file in load_provider(provider_id):
        for test in vector_file.tests():
            if test.request is None:
                continue
            count += 1
            outcome = replay_one(server, generator, test, {})
            if outcome.problem:
                problems.append(f"{vector_file.name} tcId {test.tcId} {test.comment}: {outcome.problem}")
    server.set_clock(None)
    assert count > 0
    assert problems == [], "\n".join(problems[:20])
    assert not [e for e in mock.requests() if (e.status or 0) >= 500], mock.explain()


def test_vector_files_name_their_provenance_and_schema() -> None:
    for path in DATA_DIR.glob("*/*.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        assert data["schema"] == "sealmail-vectors-v1", path
        assert data["provenance"] and data["generator"]["seed"] is not None, path
        assert data["numberOfTests"] == sum(len(g["tests"]) for g in data["testGroups"]), path
        assert Path(path).parent.name == data["provider"], path
