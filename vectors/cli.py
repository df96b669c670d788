"""``sealmail vectors`` (also ``python -m sealmail vectors``): generate, verify and replay the test vectors.

    sealmail vectors generate [--provider ID] [--seed N] [--out DIR]
    sealmail vectors verify [DIR] [--provider ID]
    sealmail vectors replay --provider ID --url URL [--header 'Name: value'] [--dir DIR]

``generate`` is deterministic (same seed, byte-identical files); the
committed files are its output for each generator's recorded default seed.
``verify`` checks every vector with an implementation independent of the
mock's (exit 1 on any disagreement). ``replay`` sends every vector's request
to a server and reports each case whose outcome differs from the expected one
(exit 1 if any). Usage errors exit 2.
"""

from __future__ import annotations

import argparse
import http.client
import importlib.util
import json
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence
from urllib.parse import urlsplit

from sealmail.argparsing import fail, parser_with_commands
from sealmail.bounded_http import exchange

from .schema import DATA_DIR, VectorTest, load_provider, write

if TYPE_CHECKING:
    from .generators import VectorGenerator

PROG = "sealmail vectors"

MAX_UNANSWERED_IN_A_ROW = 3
"""Consecutive vectors without a usable answer (none, too slow, too large) after which replay stops (exit 2)."""

INDEPENDENT_LIBRARIES = {"Crypto": "pycryptodome", "joserfc": "joserfc"}
"""Import name -> distribution of the second implementations the generators and the verifier use.
They are dependencies of sealmail; a missing one is reported in one line, before any vector is read
(the per-vector verifier would otherwise report every vector as a disagreement)."""


def build_parser() -> argparse.ArgumentParser:
    parser, commands = parser_with_commands(
        PROG,
        "Generate, verify (with implementations independent of the mocks') and replay the "
        "sealmail test vectors. Exit 1 on a disagreement, 2 on usage errors.",
    )
    gen = commands.add_parser("generate", help="write vector files (deterministic for a seed)", description="Write vector files (deterministic for a seed).")
    gen.add_argument("--provider", action="append", help="provider id (repeatable; default: all)")
    gen.add_argument("--seed", type=int, help="seed (default: each generator's recorded seed)")
    gen.add_argument("--out", type=Path, default=DATA_DIR, help="output folder (default: the installed vectors)")
    ver = commands.add_parser("verify", help="check vectors with an independent implementation", description="Check every vector with an implementation independent of the mock's.")
    ver.add_argument("dir", nargs="?", type=Path, default=DATA_DIR, help="folder with one sub-folder per provider (default: the installed vectors)")
    ver.add_argument("--provider", action="append", help="provider id (repeatable; default: all)")
    rep = commands.add_parser("replay", help="send every vector to a server and compare outcomes", description="Send every vector's request to a server and report each outcome that differs.")
    rep.add_argument("--provider", required=True, help="provider id")
    rep.add_argument("--url", required=True, type=server_url, help="server base URL, e.g. http://127.0.0.1:8101")
    rep.add_argument("--dir", type=Path, default=DATA_DIR, help="vector folder (default: the installed vectors)")
    rep.add_argument("--header", action="append", default=[], type=header, metavar="'Name: value'", help="override a request header (credentials of a non-mock server)")
    rep.add_argument("--timeout", type=float, default=10.0, help="seconds per request (default 10)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    missing = [dist for module, dist in INDEPENDENT_LIBRARIES.items() if importlib.util.find_spec(module) is None]
    if missing:
        return fail(f"{PROG} {args.command}", f"needs {' and '.join(missing)} (a sealmail dependency), not installed here: pip install {' '.join(missing)}")
    from .generators import generators

    try:
        if args.command == "generate":
            return generate(args.provider or list(generators()), args.seed, args.out)
        if args.command == "verify":
            return verify(args.provider or list(generators()), args.dir)
        return replay(args.provider, args.url, args.dir, dict(args.header), args.timeout)
    except KeyError as error:
        return fail(f"{PROG} {args.command}", error.args[0])
    except UsageError as error:
        return fail(f"{PROG} {args.command}", str(error))


class UsageError(Exception):
    """A command line that cannot be carried out (nothing to verify, server unreachable)."""


def generate(provider_ids: Sequence[str], seed: int | None, out: Path) -> int:
    from .generators import get_generator

    for provider_id in provider_ids:
        generator = get_generator(provider_id)
        chosen = generator.default_seed if seed is None else seed
        files = generator.generate(chosen)
        for vector_file in files:
            path = write(vector_file, out)
            print(f"{provider_id}: {len(vector_file.tests())} tests -> {path}")
    return 0


def verify(provider_ids: Sequence[str], data_dir: Path) -> int:
    from .generators import get_generator

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
    if not checked:
        raise UsageError(f"no vectors of {', '.join(provider_ids)} under {data_dir}")
    print(f"verify: {checked - problems} passed, {problems} failed")
    return 1 if problems else 0


@dataclass
class ReplayOutcome:
    test: VectorTest
    status: int
    error_code: Any
    problem: str | None
    answered: bool = True


def replay(provider_id: str, url: str, data_dir: Path, overrides: dict[str, str], timeout: float) -> int:
    from .generators import get_generator

    generator = get_generator(provider_id)
    server = _Server(url, timeout)
    server.check_reachable()
    failures = 0
    total = 0
    unanswered = 0
    for vector_file in load_provider(provider_id, data_dir):
        for test in vector_file.tests():
            if test.request is None:
                continue
            total += 1
            outcome = replay_one(server, generator, test, overrides)
            unanswered = 0 if outcome.answered else unanswered + 1
            if unanswered >= MAX_UNANSWERED_IN_A_ROW:
                raise UsageError(f"{url} gave no usable answer to {unanswered} requests in a row, stopped; last: {outcome.problem}")
            if outcome.problem:
                failures += 1
                print(f"DIFF {vector_file.name} tcId {test.tcId} ({test.comment}): {outcome.problem}")
    server.set_clock(None)
    print(f"replay {provider_id}: {total - failures} passed, {failures} failed")
    return 1 if failures else 0


def replay_one(server: "_Server", generator: VectorGenerator, test: VectorTest, overrides: dict[str, str]) -> ReplayOutcome:
    assert test.request is not None
    if test.clock_ms is not None and not server.set_clock(test.clock_ms):
        return ReplayOutcome(test, 0, None, "case needs the server clock set (mock control API unavailable)")
    request = test.request
    headers = {**request.headers, **overrides}
    try:
        status, body = server.send(request.method, request.path, headers, request.body)
    except (OSError, http.client.HTTPException) as error:
        return ReplayOutcome(test, 0, None, f"no response: {str(error)!r}", answered=False)  # repr: the server's bytes may hold line breaks
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
        self.https = parts.scheme == "https"
        self.host = parts.hostname
        self.port = parts.port or (443 if self.https else 80)
        self.prefix = parts.path.rstrip("/")
        self.timeout = timeout
        self._clock_set = False

    def check_reachable(self) -> None:
        """UsageError naming the URL when nothing accepts a connection there (instead of one DIFF per vector)."""
        try:
            socket.create_connection((self.host, self.port), timeout=self.timeout).close()
        except OSError as error:
            raise UsageError(f"cannot connect to {self.host}:{self.port}: {error}") from None

    def _connection(self) -> http.client.HTTPConnection:
        cls = http.client.HTTPSConnection if self.https else http.client.HTTPConnection
        return cls(self.host, self.port, timeout=self.timeout)

    def send(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, Any]:
        """One exchange; the answer must be complete within the timeout and within the size cap of :mod:`sealmail.bounded_http`."""

        def write(connection: http.client.HTTPConnection) -> None:
            connection.putrequest(method, self.prefix + path, skip_host=False, skip_accept_encoding=True)
            for name, value in headers.items():
                connection.putheader(name, value)
            if body or method in {"POST", "PUT", "PATCH"}:
                connection.putheader("Content-Length", str(len(body)))
            connection.endheaders(body if body else None)

        answer = exchange(self._connection(), write, timeout_s=self.timeout)
        try:
            return answer.status, json.loads(answer.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            return answer.status, answer.body.decode("utf-8", errors="replace")

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


def server_url(text: str) -> str:
    """argparse type of ``--url``: an http(s) URL with a host."""
    parts = urlsplit(text)
    try:
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number
    except ValueError:
        raise argparse.ArgumentTypeError(f"bad port in {text!r}") from None
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise argparse.ArgumentTypeError(f"want http(s)://host:port, got {text!r}")
    return text


def header(text: str) -> tuple[str, str]:
    """argparse type of ``--header``: ``'Name: value'``."""
    name, sep, value = text.partition(":")
    if not sep or not name.strip():
        raise argparse.ArgumentTypeError(f"want 'Name: value', got {text!r}")
    return name.strip(), value.strip()
