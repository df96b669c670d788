"""Each provider's documented error shape, derived from its own ``render_error``.

Every :class:`~sealmail.mockservers.core.ErrorKind` the provider package defines (its
catalogue in ``spec.py`` and friends, plus ``error_kind_for_status`` for bare
statuses) is rendered with and without the optional parts (field, detail,
message). The rendered bodies are grouped by their top-level keys into
families, and each family becomes an :class:`Envelope`: at every object, the
keys always present (required) and the keys that may appear (allowed), and at
every node the JSON types seen. A fuzzed error response must fit a family that
the provider renders for the same status (any family when the status has no
catalogue entry), or it is reported with the exact path that differs.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

from sealmail.mockservers.core import ErrorKind, Provider, Rejection

PROBE_STATUSES = (400, 401, 402, 403, 404, 405, 409, 413, 415, 422, 429, 500, 502, 503, 504)
"""Bare statuses asked of ``error_kind_for_status`` (faults, router errors, body limit)."""


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


@dataclass
class Envelope:
    """What may appear at one node of an error body."""

    types: set[str] = field(default_factory=set)
    required: set[str] | None = None
    keys: dict[str, "Envelope"] = field(default_factory=dict)
    items: "Envelope | None" = None

    @classmethod
    def of(cls, samples: Sequence[Any]) -> "Envelope":
        env = cls(types={json_type(s) for s in samples})
        objects = [s for s in samples if isinstance(s, dict)]
        if objects:
            env.required = set.intersection(*(set(o) for o in objects))
            names = dict.fromkeys(k for o in objects for k in o)
            env.keys = {k: cls.of([o[k] for o in objects if k in o]) for k in names}
        elements = [e for s in samples if isinstance(s, list) for e in s]
        if elements:
            env.items = cls.of(elements)
        return env

    def problems(self, value: Any, path: str = "$") -> list[str]:
        kind = json_type(value)
        if kind not in self.types:
            return [f"{path}: {kind}, expected {'|'.join(sorted(self.types))}"]
        found: list[str] = []
        if isinstance(value, dict):
            missing = sorted((self.required or set()) - set(value))
            extra = sorted(set(value) - set(self.keys))
            if missing:
                found.append(f"{path}: missing key(s) {', '.join(missing)}")
            if extra:
                found.append(f"{path}: unexpected key(s) {', '.join(extra)}")
            for key, sub in value.items():
                if key in self.keys:
                    found.extend(self.keys[key].problems(sub, f"{path}.{key}"))
        elif isinstance(value, list):
            if value and self.items is None:
                found.append(f"{path}: non-empty list where the provider always renders an empty one")
            elif self.items is not None:
                for i, sub in enumerate(value):
                    found.extend(self.items.problems(sub, f"{path}[{i}]"))
        return found


@dataclass
class ErrorShape:
    """A provider's error families, by top-level key set, and the statuses each is used for."""

    provider_id: str
    families: dict[frozenset[str], Envelope]
    statuses: dict[int, set[frozenset[str]]]
    kinds: list[ErrorKind]
    samples: list[dict[str, Any]]

    def problems(self, status: int, body: Any) -> list[str]:
        """Empty when ``body`` fits a family the provider renders (for ``status`` if known)."""
        allowed = self.statuses.get(status) or set(self.families)
        best: list[str] | None = None
        for family in sorted(allowed, key=lambda f: (f != _keys(body), sorted(f))):
            found = self.families[family].problems(body)
            if not found:
                return []
            if best is None:
                best = found
        return best or ["no error family known"]

    def describe(self) -> list[str]:
        """One line per family: its top-level keys and statuses."""
        lines = []
        for family, env in self.families.items():
            statuses = sorted(s for s, fams in self.statuses.items() if family in fams)
            lines.append(f"keys {{{', '.join(sorted(family))}}} for status {', '.join(map(str, statuses))}")
        return lines


def _keys(body: Any) -> frozenset[str]:
    return frozenset(body) if isinstance(body, dict) else frozenset()


def catalogue(provider: Provider[Any, Any], probe: Sequence[int] = PROBE_STATUSES) -> list[ErrorKind]:
    """Every ErrorKind defined in the provider's package, plus those for the ``probe`` bare statuses."""
    package = type(provider).__module__.rsplit(".", 1)[0]
    kinds: dict[tuple[int, str, str], ErrorKind] = {}

    def add(kind: ErrorKind) -> None:
        kinds.setdefault((kind.status, str(kind.code), kind.message), kind)

    for name, module in list(sys.modules.items()):
        if module is None or not (name == package or name.startswith(package + ".")):
            continue
        for value in list(vars(module).values()):
            for item in _flatten(value):
                if isinstance(item, ErrorKind):
                    add(item)
    for status in probe:
        try:
            add(provider.error_kind_for_status(status))
        except Exception:  # a provider may only map its documented statuses
            continue
    return sorted(kinds.values(), key=lambda k: (k.status, str(k.code)))


def _flatten(value: Any) -> Iterable[Any]:
    yield value
    if isinstance(value, dict):
        yield from value.values()
    elif isinstance(value, (list, tuple, set, frozenset)):
        yield from value


def error_shape(provider: Provider[Any, Any]) -> ErrorShape:
    """Render every catalogue entry both ways and build the provider's error families."""
    kinds = catalogue(provider)
    samples: list[tuple[int, dict[str, Any]]] = []
    for kind in kinds:
        for rejection in (
            Rejection(kind, "shape_sample"),
            Rejection(kind, "shape_sample", field="field", detail="detail", message="message"),
            Rejection(kind, "shape_sample", headers={"Allow": "POST"}),
        ):
            try:
                rendered = provider.render_error(rejection)
            except Exception:  # noqa: BLE001 - a renderer needing request context: skip the variant
                continue
            samples.append((rendered.status, rendered.body))
    grouped: dict[frozenset[str], list[Any]] = {}
    statuses: dict[int, set[frozenset[str]]] = {}
    for status, body in samples:
        family = _keys(body)
        grouped.setdefault(family, []).append(body)
        statuses.setdefault(status, set()).add(family)
    families = {family: Envelope.of(bodies) for family, bodies in grouped.items()}
    return ErrorShape(provider.id, families, statuses, kinds, [b for _, b in samples])


def control_shape_problems(status: int, body: Any) -> list[str]:
    """The control API's own error shape: ``{"error": "<text>"}`` (sealmail.mockservers.core.control)."""
    if not isinstance(body, dict) or not isinstance(body.get("error"), str):
        return [f"control API error body is not {{\"error\": str}}: {str(body)[:120]}"]
    return []
