"""The vector file shape (Wycheproof-like) and its reader and writer.

A file::

    {"schema": "sealmail-vectors-v1", "provider": "...", "mechanism": "...",
     "generator": {"module": "...", "version": "...", "seed": N},
     "provenance": "...", "license": "...", "numberOfTests": N,
     "notes": {"<flag>": "<what it means>"},
     "testGroups": [{"type": "...", "comment": "...", "tests": [
        {"tcId": 1, "comment": "...", "flags": [...],
         "inputs": {... provider-specific values: key, iv, plaintext ...},
         "request": {"method": "POST", "path": "/...", "headers": {...}, "body": "..."},
         "clock_ms": null,
         "result": "valid" | "invalid",
         "expected": {"status": 200, "error_code": null}}]}]}

``request`` is what goes on the wire, with the mock's documented default
credentials. ``body`` is text; a body that is not UTF-8 is in ``body_base64``
instead. ``clock_ms`` (optional) is the server time the case assumes: replay
sets the mock's clock to it first. Serialisation is canonical (2-space
indent, keys in insertion order, UTF-8, final newline), so the same generator
and seed give byte-identical files.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

SCHEMA = "sealmail-vectors-v1"
DATA_DIR = Path(__file__).resolve().parent / "data"

Result = Literal["valid", "invalid"]


@dataclass
class WireRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes = b""

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"method": self.method, "path": self.path, "headers": dict(self.headers)}
        try:
            data["body"] = self.body.decode("utf-8")
        except UnicodeDecodeError:
            data["body_base64"] = base64.b64encode(self.body).decode("ascii")
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "WireRequest":
        if "body_base64" in data:
            body = base64.b64decode(data["body_base64"])
        else:
            body = str(data.get("body", "")).encode("utf-8")
        return cls(data["method"], data["path"], dict(data.get("headers", {})), body)


@dataclass
class VectorTest:
    tcId: int
    comment: str
    flags: list[str]
    inputs: dict[str, Any]
    request: WireRequest | None
    result: Result
    expected: dict[str, Any]
    clock_ms: int | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"tcId": self.tcId, "comment": self.comment, "flags": list(self.flags), "inputs": self.inputs}
        if self.request is not None:
            data["request"] = self.request.to_json()
        if self.clock_ms is not None:
            data["clock_ms"] = self.clock_ms
        data["result"] = self.result
        data["expected"] = self.expected
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "VectorTest":
        request = WireRequest.from_json(data["request"]) if "request" in data else None
        return cls(data["tcId"], data.get("comment", ""), list(data.get("flags", [])), dict(data.get("inputs", {})),
                   request, data["result"], dict(data.get("expected", {})), data.get("clock_ms"))


@dataclass
class TestGroup:
    type: str
    comment: str
    tests: list[VectorTest] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"type": self.type, "comment": self.comment, "tests": [t.to_json() for t in self.tests]}


@dataclass
class VectorFile:
    """One vector file: header, notes for every flag, and groups of tests."""

    name: str
    """File name under ``data/<provider>/`` (without ``.json``)."""
    provider: str
    mechanism: str
    generator: dict[str, Any]
    provenance: str
    notes: dict[str, str]
    groups: list[TestGroup]
    license: str = "Apache-2.0"

    def tests(self) -> list[VectorTest]:
        return [t for g in self.groups for t in g.tests]

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "provider": self.provider,
            "mechanism": self.mechanism,
            "generator": self.generator,
            "provenance": self.provenance,
            "license": self.license,
            "numberOfTests": len(self.tests()),
            "notes": self.notes,
            "testGroups": [g.to_json() for g in self.groups],
        }

    def dumps(self) -> str:
        return json.dumps(self.to_json(), indent=2, ensure_ascii=False) + "\n"

    @classmethod
    def from_json(cls, name: str, data: dict[str, Any]) -> "VectorFile":
        if data.get("schema") != SCHEMA:
            raise ValueError(f"{name}: schema is {data.get('schema')!r}, expected {SCHEMA}")
        groups = [TestGroup(g["type"], g.get("comment", ""), [VectorTest.from_json(t) for t in g["tests"]]) for g in data["testGroups"]]
        return cls(name, data["provider"], data["mechanism"], data["generator"], data["provenance"], data["notes"], groups, data.get("license", ""))


def expect(status: int, error_code: str | int | None = None) -> dict[str, Any]:
    """A test's ``expected`` HTTP outcome."""
    return {"status": status, "error_code": error_code}


def generator_header(module: str, version: str, seed: int) -> dict[str, Any]:
    """A file's ``generator`` entry: which module, which version of it, which seed."""
    return {"module": module, "version": version, "seed": seed}


def number_tests(groups: list[TestGroup]) -> list[TestGroup]:
    """Assign tcIds 1..N in order (generators build tests with tcId 0)."""
    counter = 0
    for group in groups:
        for test in group.tests:
            counter += 1
            test.tcId = counter
    return groups


def write(vector_file: VectorFile, out_dir: Path = DATA_DIR) -> Path:
    path = out_dir / vector_file.provider / f"{vector_file.name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(vector_file.dumps(), encoding="utf-8")
    return path


def load_file(path: Path) -> VectorFile:
    return VectorFile.from_json(path.stem, json.loads(path.read_text(encoding="utf-8")))


def load_provider(provider_id: str, data_dir: Path = DATA_DIR) -> list[VectorFile]:
    """Every vector file of a provider, sorted by name."""
    return [load_file(p) for p in sorted((data_dir / provider_id).glob("*.json"))]
