"""``python -m sealmail vectors``: generate, verify and replay the test vectors.

    python -m sealmail vectors generate [--provider ID] [--seed N] [--out DIR]
    python -m sealmail vectors verify [DIR] [--provider ID]
    python -m sealmail vectors replay --provider ID --url URL [--header 'Name: value'] [--dir DIR]

``generate`` is deterministic (same seed, byte-identical files); the
committed files are its output for each generator's recorded default seed.
``verify`` checks every vector with an implementation independent of the
mock's (exit 1 on any disagreement). ``replay`` sends every vector's request
to a server and reports each case whose outcome differs from the expected one
(exit 1 if any).
"""

from __future__ import annotations

import argparse
import http.client
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence
from urllib.parse import urlsplit

from .generators import generators, get_generator
from .schema import DATA_DIR, VectorTest, load_provider, write


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m sealmail vectors", description="sealmail test vectors")
    commands = parser.add_subparsers(dest="command", required=True)
    gen = commands.add_parser("generate", help="write vector files (deterministic for a seed)")
    gen.add_argument("--provider", action="append", help="provider id (repeatable; default: all)")
    gen.add_argument("--seed", type=int, help="seed (default: each generator's recorded seed)")
    gen.add_argument("--out", type=Path, default=DATA_DIR, help="output folder (default: vectors/data)")
    ver = commands.add_parser("verify", help="check vectors with an independent implementation")
    ver.add_argument("dir", nargs="?", type=Path, default=DATA_DIR)
    ver.add_argument("--provider", action="append")
    rep = commands.add_parser("replay", help="send every vector to a server and compare outcomes")
    rep.add_argument("--provider", required=True)
    rep.add_argument("--url", required=True, help="server base URL, e.g. http://127.0.0.1:8101")
    rep.add_argument("--dir", type=Path, default=DATA_DIR)
    rep.add_argument("--header", action="append", default=[], metavar="'Name: value'", help="override a request header (credentials of a non-mock server)")
    rep.add_argument("--timeout", type=float, default=10.0)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "generate":
            return generate(args.provider or list(generators()), args.seed, args.out)
        if args.command == "verify":
            return verify(args.provider or list(generators()), args.dir)
        overrides = dict(_header(h) for h in args.header)
        return replay(args.provider, args.url, args.dir, overrides, args.timeout)
    except KeyError as error:
        print(f"error: {error.args[0]}", file=sys.stderr)
        return 2
    except ImportError as error:  # pycryptodome / joserfc: the seeded key wrapping and the independent verifier
        print(f"error: {error}; install them with: pip install 'sealmail[vectors]'", file=sys.stderr)
        return 2


def generate(provider_ids: Sequence[str], seed: int | None, out: Path) -> int:
    for provider_id in provider_ids:
        generator = get_generator(provider_id)
        chosen = generator.default_seed if seed is None else seed
        files = generator.generate(chosen)
        for vector_file in files:
            path = write(vector_file, out)
            print(f"{provider_id}: {len(vector_file.tests())} tests -> {path}")
    return 0


def verify(provider_ids: Sequence[str], data_dir: Path) -> int:
    problems = 0
    checked = 0
    for provider_id in provider_ids:
        generator = get_generator(provider_id)
        for vector_file in load_provider(provider_id, data_dir):
            found = generator.verify(vector_file)
            checked += len(vector_file.tests())
            for problem in found:
                print(f"DISAGREE {provider_id}/{vector_file.name}: {problem}")
            problems += len(found)
    print(f"verify: {checked - problems} passed, {problems} failed")
    return 1 if problems else 0


@dataclass
class ReplayOutcome:
    test: VectorTest
    status: int
    error_code: Any
    problem: str | None


def replay(provider_id: str, url: str, data_dir: Path, overrides: dict[str, str], timeout: float) -> int:
    generator = get_generator(provider_id)
    server = _Server(url, timeout)
    failures = 0
    total = 0
    for vector_file in load_provider(provider_id, data_dir):
        for test in vector_file.tests():
            if test.request is None:
                continue
            total += 1
            outcome = replay_one(server, generator, test, overrides)
            if outcome.problem:
                failures += 1
                print(f"DIFF {vector_file.name} tcId {test.tcId} ({test.comment}): {outcome.problem}")
    server.set_clock(None)
    print(f"replay {provider_id}: {total - failures} passed, {failures} failed")
    return 1 if failures else 0


def replay_one(server: "_Server", generator: Any, test: VectorTest, overrides: dict[str, str]) -> ReplayOutcome:
    assert test.request is not None
    if test.clock_ms is not None and not server.set_clock(test.clock_ms):
        return ReplayOutcome(test, 0, None, "case needs the server clock set (mock control API unavailable)")
    request = test.request
    headers = {**request.headers, **overrides}
    try:
        status, body = server.send(request.method, request.path, headers, request.body)
    except (OSError, http.client.HTTPException) as error:
        return ReplayOutcome(test, 0, None, f"no response: {error}")
    code = generator.error_code(status, body)
    expected_status = test.expected.get("status")
    expected_code = test.expected.get("error_code")
    problem = None
    if status != expected_status:
        problem = f"status {status}, expected {expected_status} (body {str(body)[:160]})"
    elif expected_code is not None and code != expected_code:
        problem = f"error code {code!r}, expected {expected_code!r}"
    return ReplayOutcome(test, status, code, problem)


class _Server:
    """Plain http.client, so the request line goes out exactly as the vector has it."""

    def __init__(self, url: str, timeout: float) -> None:
        parts = urlsplit(url)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise SystemExit(f"--url must be http(s)://host:port, got {url!r}")
        self.https = parts.scheme == "https"
        self.host = parts.hostname
        self.port = parts.port or (443 if self.https else 80)
        self.prefix = parts.path.rstrip("/")
        self.timeout = timeout
        self._clock_set = False

    def _connection(self) -> http.client.HTTPConnection:
        cls = http.client.HTTPSConnection if self.https else http.client.HTTPConnection
        return cls(self.host, self.port, timeout=self.timeout)

    def send(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, Any]:
        connection = self._connection()
        try:
            connection.putrequest(method, self.prefix + path, skip_host=False, skip_accept_encoding=True)
            for name, value in headers.items():
                connection.putheader(name, value)
            if body or method in {"POST", "PUT", "PATCH"}:
                connection.putheader("Content-Length", str(len(body)))
            connection.endheaders(body if body else None)
            response = connection.getresponse()
            raw = response.read()
        finally:
            connection.close()
        try:
            return response.status, json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            return response.status, raw.decode("utf-8", errors="replace")

    def set_clock(self, now_ms: int | None) -> bool:
        """Set (or, with None, restore) the mock clock; False if the server has no control API."""
        if now_ms is None and not self._clock_set:
            return True
        spec = {"reset": True} if now_ms is None else {"now_ms": now_ms, "frozen": True}
        body = json.dumps(spec).encode()
        try:
            status, _ = self.send("POST", "/__mock__/clock", {"Content-Type": "application/json"}, body)
        except (OSError, http.client.HTTPException):
            return False
        self._clock_set = now_ms is not None and status == 200
        return status == 200


def _header(text: str) -> tuple[str, str]:
    name, sep, value = text.partition(":")
    if not sep or not name.strip():
        raise SystemExit(f"--header wants 'Name: value', got {text!r}")
    return name.strip(), value.strip()
