"""The conformance framework: requirements, checks, running a client, reports.

A provider's suite (``conformance/suites/<pkg>.py``) declares its requirement
catalogue and a set of *checks*. A check drives the user's client against a
freshly reset mock and returns a :class:`Verdict` for each requirement it
covers, judged from what the mock really received (the journal), never from
what the client claims. The runner builds one client per check, so state
(caches, sessions) never leaks between checks.

See FRAMEWORK.md beside this file for the contract suite authors follow.
"""

from __future__ import annotations

import concurrent.futures
import importlib
import inspect
import pkgutil
import traceback
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any, Callable, Iterable, Literal, Protocol, Sequence

from sealmail.mockservers.core import MockHandle, MockPool

from .clients.http import BlockingRunner
from .evidence import clip, payload_diff

Severity = Literal["MUST", "SHOULD"]

CALL_TIMEOUT_S = 20.0
"""Longest a single client call may take inside a check before it counts as hung."""
STARTUP_TIMEOUT_S = 60.0
"""Longest a client factory may take: a stdio adapter's start counts here (``java Adapter.java`` compiles first)."""


@dataclass(frozen=True)
class Requirement:
    """One testable statement of the provider's documentation."""

    id: str
    """Stable id, ``<PREFIX>-<TOPIC>``, e.g. ``NE-IV-FRESH``. Never renumbered."""
    statement: str
    severity: Severity
    source: str
    """Where it comes from: seed file and sentence, or fact-sheet line."""
    documentation: str = ""
    """The provider's public documentation page the seed was taken from (URL), set by :func:`documented`."""

    @property
    def citation(self) -> str:
        """The source and, when known, the documentation page: what a report prints."""
        return f"{self.source} ({self.documentation})" if self.documentation else self.source

    def to_json(self) -> dict[str, str]:
        return {"id": self.id, "statement": self.statement, "severity": self.severity, "source": self.source,
                "documentation": self.documentation}


def documented(requirements: Iterable[Requirement], url: str) -> tuple[Requirement, ...]:
    """``requirements`` citing the documentation page ``url`` beside their seed or fact-sheet source."""
    return tuple(replace(requirement, documentation=url) for requirement in requirements)


@dataclass(frozen=True)
class Verdict:
    """A check's judgement of one requirement. ``passed=None``: could not be evaluated."""

    requirement_id: str
    passed: bool | None
    evidence: str


def passed(requirement_id: str, evidence: str) -> Verdict:
    return Verdict(requirement_id, True, evidence)


def failed(requirement_id: str, evidence: str) -> Verdict:
    return Verdict(requirement_id, False, evidence)


def not_evaluated(requirement_id: str, evidence: str) -> Verdict:
    return Verdict(requirement_id, None, evidence)


def judge(requirement_id: str, ok: bool, evidence_pass: str, evidence_fail: str) -> Verdict:
    return Verdict(requirement_id, ok, evidence_pass if ok else evidence_fail)


def judge_equal(requirement_id: str, expected: Any, actual: Any, what: str) -> Verdict:
    """Pass when ``actual == expected`` (JSON types included), else fail naming each differing field.

    Verdict and evidence come from the same comparison, so a pass can never sit
    beside evidence of a difference.
    """
    differences = payload_diff(expected, actual)
    if not differences:
        return passed(requirement_id, f"{what} equals what was asked")
    return failed(requirement_id, f"{what} differs: " + "; ".join(differences))


class ClientFactory(Protocol):
    """Builds the client under test: ``factory(base_url, mock_config)``.

    ``mock_config`` is what ``GET /__mock__/config`` returns (credentials,
    keys). The factory may be a coroutine function. The returned object must
    implement the provider's adapter protocol (see each suite), with sync or
    async methods; an optional ``close()``/``aclose()`` is called afterwards.
    """

    def __call__(self, base_url: str, config: dict[str, Any]) -> Any: ...


@dataclass(frozen=True)
class Attempt:
    """What a client call did: returned ``value`` or raised ``error``."""

    value: Any = None
    error: BaseException | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def describe(self) -> str:
        return clip(f"returned {self.value!r}" if self.ok else f"raised {type(self.error).__name__}: {self.error}", 200)


class ClientTimeout(Exception):
    """The client did not return within :data:`CALL_TIMEOUT_S`."""


class AdapterFailure(Exception):
    """The adapter itself broke (crashed, answered garbage): not a client failure, it ends the check.

    :meth:`CheckContext.attempt` lets it through, so the check's requirements
    fail with this message instead of being judged on a client that "raised".
    """


class CheckContext:
    """What a check gets: the reset mock and the client under test, plus call helpers."""

    def __init__(self, mock: MockHandle[Any], client: Any, runner: BlockingRunner, executor: concurrent.futures.Executor) -> None:
        self.mock = mock
        self.client = client
        self._runner = runner
        self._executor = executor

    def call(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Call a client method, sync or async, with a timeout; exceptions propagate."""
        return _invoke(self._runner, self._executor, fn, *args, **kwargs)

    def attempt(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Attempt:
        """Like :meth:`call` but records an exception instead of raising it."""
        try:
            return Attempt(value=self.call(fn, *args, **kwargs))
        except AdapterFailure:
            raise
        except ClientTimeout as error:
            return Attempt(error=error)
        except Exception as error:  # the client's own failure is data here
            return Attempt(error=error)


CheckFunction = Callable[[CheckContext], Iterable[Verdict]]


@dataclass(frozen=True)
class Check:
    name: str
    requirement_ids: tuple[str, ...]
    run: CheckFunction
    mock_settings: dict[str, Any] = field(default_factory=dict)


@dataclass
class Suite:
    """A provider's requirements and the checks that judge them."""

    provider_id: str
    requirements: Sequence[Requirement]
    reference_factory: ClientFactory
    adapter: type | None = None
    """The adapter Protocol a user's client implements (documentation and typing)."""
    checks: list[Check] = field(default_factory=list)

    def check(self, *requirement_ids: str, **mock_settings: Any) -> Callable[[CheckFunction], CheckFunction]:
        """Decorator: register a check covering ``requirement_ids`` (on a mock with ``mock_settings``)."""
        known = {r.id for r in self.requirements}
        unknown = [r for r in requirement_ids if r not in known]
        if unknown:
            raise ValueError(f"{self.provider_id}: check covers unknown requirement(s) {unknown}")

        def register(fn: CheckFunction) -> CheckFunction:
            self.checks.append(Check(fn.__name__, tuple(requirement_ids), fn, dict(mock_settings)))
            return fn

        return register

    def requirement(self, requirement_id: str) -> Requirement:
        for requirement in self.requirements:
            if requirement.id == requirement_id:
                return requirement
        raise KeyError(requirement_id)

    def uncovered(self) -> list[str]:
        covered = {rid for check in self.checks for rid in check.requirement_ids}
        return [r.id for r in self.requirements if r.id not in covered]


@dataclass(frozen=True)
class RequirementResult:
    requirement: Requirement
    passed: bool | None
    evidence: str

    @property
    def status(self) -> str:
        return {True: "pass", False: "FAIL", None: "n/a"}[self.passed]

    def to_json(self) -> dict[str, Any]:
        return {**self.requirement.to_json(), "result": self.status.lower(), "evidence": self.evidence}


@dataclass
class Report:
    """The outcome of one suite run against one client."""

    provider_id: str
    client: str
    results: list[RequirementResult]

    def failures(self) -> list[RequirementResult]:
        return [r for r in self.results if r.passed is False]

    def failed_ids(self) -> set[str]:
        return {r.requirement.id for r in self.failures()}

    @property
    def must_failed(self) -> bool:
        return any(r.requirement.severity == "MUST" for r in self.failures())

    def to_json(self) -> dict[str, Any]:
        return {
            "provider": self.provider_id,
            "client": self.client,
            "passed": sum(r.passed is True for r in self.results),
            "failed": len(self.failures()),
            "not_evaluated": sum(r.passed is None for r in self.results),
            "must_failed": self.must_failed,
            "requirements": [r.to_json() for r in self.results],
        }

    def table(self) -> str:
        """Terminal table: requirement id, MUST/SHOULD, pass/FAIL/n/a, one-line evidence."""
        width = max((len(r.requirement.id) for r in self.results), default=10)
        lines = [f"{self.provider_id} conformance of {self.client}", f"{'requirement'.ljust(width)}  level   result  evidence"]
        for r in self.results:
            lines.append(f"{r.requirement.id.ljust(width)}  {r.requirement.severity.ljust(6)}  {r.status.ljust(6)}  {clip(r.evidence, 110)}")
        cut = [r for r in self.results if r.passed is False and clip(r.evidence, 110) != r.evidence]
        if cut:  # the row cut the evidence (often the mock's hint at the fix): the whole of it, once
            lines += ["", "failed, in full:"] + [f"{r.requirement.id}: {r.evidence.strip()}" for r in cut] + [""]
        counts = self.to_json()
        lines.append(
            f"{counts['passed']} passed, {counts['failed']} failed, {counts['not_evaluated']} not evaluated"
            + ("; a MUST requirement failed" if self.must_failed else "")
        )
        return "\n".join(lines)


def run_suite(suite: Suite, factory: ClientFactory | None = None, *, pool: MockPool | None = None, client_name: str | None = None) -> Report:
    """Run every check of ``suite`` against the client ``factory`` builds (default: the reference client)."""
    factory = factory or suite.reference_factory
    name = client_name or _name_of(factory)
    own_pool = pool is None
    pool = pool or MockPool()
    runner = BlockingRunner()
    executor = concurrent.futures.ThreadPoolExecutor(max_workers=4, thread_name_prefix="sealmail-conformance")
    verdicts: dict[str, list[Verdict]] = {r.id: [] for r in suite.requirements}
    try:
        for check in suite.checks:
            for verdict in _run_check(suite, check, factory, pool, runner, executor):
                verdicts[verdict.requirement_id].append(verdict)
    finally:
        executor.shutdown(wait=False, cancel_futures=True)
        runner.close()
        if own_pool:
            pool.close()
    return Report(suite.provider_id, name, [_combine(r, verdicts[r.id]) for r in suite.requirements])


def _run_check(
    suite: Suite,
    check: Check,
    factory: ClientFactory,
    pool: MockPool,
    runner: BlockingRunner,
    executor: concurrent.futures.Executor,
) -> list[Verdict]:
    mock = pool.acquire(suite.provider_id, **check.mock_settings)
    try:
        client = _invoke_within(STARTUP_TIMEOUT_S, runner, executor, factory, mock.url, mock.config)
    except AdapterFailure as error:
        return [failed(rid, f"{check.name}: {error}") for rid in check.requirement_ids]
    except Exception as error:
        return [failed(rid, f"{check.name}: client factory failed: {error!r}") for rid in check.requirement_ids]
    try:
        produced = list(check.run(CheckContext(mock, client, runner, executor)))
    except AdapterFailure as error:
        produced = [failed(rid, f"{check.name}: {error}") for rid in check.requirement_ids]
    except Exception as error:
        last = traceback.format_exception_only(type(error), error)[-1].strip()
        produced = [failed(rid, f"{check.name}: check could not complete: {last}") for rid in check.requirement_ids]
    finally:
        _close(client, runner, executor)
    produced = _with_client_notes(client, produced)
    stray = [v.requirement_id for v in produced if v.requirement_id not in check.requirement_ids]
    if stray:
        raise RuntimeError(f"check {check.name} judged requirements it does not declare: {stray}")
    given = {v.requirement_id for v in produced}
    produced += [not_evaluated(rid, f"{check.name}: no verdict") for rid in check.requirement_ids if rid not in given]
    return produced


def _with_client_notes(client: Any, verdicts: list[Verdict]) -> list[Verdict]:
    """Append what the client offers as ``failure_notes()`` (a stdio adapter's stderr) to failing verdicts."""
    notes = getattr(client, "failure_notes", None)
    if not callable(notes) or all(v.passed is not False for v in verdicts):
        return verdicts
    text = notes()
    if not text:
        return verdicts
    return [Verdict(v.requirement_id, v.passed, f"{v.evidence}\n{text}") if v.passed is False else v for v in verdicts]


def _combine(requirement: Requirement, verdicts: list[Verdict]) -> RequirementResult:
    """Fail if any check failed it; pass if at least one passed it; else n/a."""
    for verdict in verdicts:
        if verdict.passed is False:
            return RequirementResult(requirement, False, verdict.evidence)
    for verdict in verdicts:
        if verdict.passed:
            return RequirementResult(requirement, True, verdict.evidence)
    evidence = verdicts[0].evidence if verdicts else "no check covers this requirement"
    return RequirementResult(requirement, None, evidence)


def _invoke(runner: BlockingRunner, executor: concurrent.futures.Executor, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    return _invoke_within(CALL_TIMEOUT_S, runner, executor, fn, *args, **kwargs)


def _invoke_within(limit_s: float, runner: BlockingRunner, executor: concurrent.futures.Executor, fn: Callable[..., Any],
                   *args: Any, **kwargs: Any) -> Any:
    def call() -> Any:
        result = fn(*args, **kwargs)
        if inspect.isawaitable(result):
            return runner.run(_await(result), timeout=limit_s)
        return result

    future = executor.submit(call)
    try:
        return future.result(timeout=limit_s)
    except concurrent.futures.TimeoutError:
        raise ClientTimeout(f"client call did not return within {limit_s:.0f}s") from None


async def _await(awaitable: Any) -> Any:
    return await awaitable


def _close(client: Any, runner: BlockingRunner, executor: concurrent.futures.Executor) -> None:
    for name in ("aclose", "close"):
        closer = getattr(client, name, None)
        if callable(closer):
            try:
                _invoke(runner, executor, closer)
            except Exception:
                pass
            return


def _name_of(factory: Any) -> str:
    module = getattr(factory, "__module__", None) or "?"
    return f"{module}:{getattr(factory, '__qualname__', repr(factory))}"


@cache
def suites() -> dict[str, Suite]:
    """Every suite under ``sealmail.conformance.suites``, by provider id."""
    package = importlib.import_module("sealmail.conformance.suites")
    found: dict[str, Suite] = {}
    for info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        suite = getattr(module, "SUITE", None)
        if isinstance(suite, Suite):
            found[suite.provider_id] = suite
    return dict(sorted(found.items()))


def get_suite(provider_id: str) -> Suite:
    known = suites()
    if provider_id not in known:
        raise KeyError(f"no conformance suite for {provider_id!r}; known: {', '.join(known) or 'none'}")
    return known[provider_id]


def client_factory(suite: Suite, spec: str | None = None, command: str | None = None) -> ClientFactory | None:
    """The factory a user chose: ``pkg.module:factory``, or a stdio adapter ``command``; None: the reference client."""
    if command:
        from .stdio import StdioAdapterFactory

        return StdioAdapterFactory(command, suite.adapter)
    return load_factory(spec) if spec else None


def load_factory(spec: str) -> ClientFactory:
    """``pkg.module:attribute`` -> the factory it names."""
    module_name, sep, attribute = spec.partition(":")
    if not sep or not module_name or not attribute:
        raise ValueError(f"client factory must look like pkg.module:factory, got {spec!r}")
    target: Any = importlib.import_module(module_name)
    for part in attribute.split("."):
        target = getattr(target, part)
    if not callable(target):
        raise ValueError(f"{spec} is not callable")
    return target
