"""Vector generators, one module per provider exposing ``GENERATOR`` (a :class:`VectorGenerator`)."""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache
from typing import Any, Protocol

from ..schema import VectorFile, VectorTest


class VectorGenerator(Protocol):
    """What a provider's generator module provides."""

    provider_id: str
    version: str
    default_seed: int

    def generate(self, seed: int) -> list[VectorFile]:
        """All vector files for ``seed``; deterministic: same seed, same files."""

    def verify(self, vector_file: VectorFile) -> list[str]:
        """Check every vector with an implementation independent of the mock's; return the disagreements."""

    def error_code(self, status: int, body: Any) -> Any:
        """The provider error code in a response body (for replay), or None."""


@cache
def generators() -> dict[str, VectorGenerator]:
    package = importlib.import_module(__name__)
    found: dict[str, VectorGenerator] = {}
    for info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        generator = getattr(module, "GENERATOR", None)
        if generator is not None:
            found[generator.provider_id] = generator
    return dict(sorted(found.items()))


def get_generator(provider_id: str) -> VectorGenerator:
    known = generators()
    if provider_id not in known:
        raise KeyError(f"no vector generator for {provider_id!r}; known: {', '.join(known) or 'none'}")
    return known[provider_id]


__all__ = ["VectorGenerator", "VectorTest", "generators", "get_generator"]
