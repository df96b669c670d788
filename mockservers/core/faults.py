"""Scripted, deterministic faults: "answer the next 2 sends with 503".

A rule matches by optional method and path (exact, or a glob with ``*``), and
is used up after ``times`` matching requests. The first matching rule wins.
Rules never match the control API.
"""

from __future__ import annotations

import fnmatch
import threading
from dataclasses import dataclass
from typing import Any


MAX_TIMES = 1_000_000
MAX_DELAY_MS = 60_000
MAX_RETRY_AFTER_S = 86_400
"""A day: a scripted ``Retry-After`` beyond that is a typo (ms for s?), not a scenario."""
MAX_MATCH_CHARS = 2048
MAX_PENDING = 1000
"""Pending rules one mock (or tenant) holds: every provider request scans them in order, so 150,000
rules (one 5 MB ``POST /__mock__/faults``) made each request 100 times slower, and nothing bounded them."""


class FaultSpecError(ValueError):
    """A fault description that cannot be used (bad status, negative count...)."""


@dataclass
class FaultRule:
    """One scripted fault.

    ``status``: answer with this status in the provider's error shape (after
    ``delay_ms``); ``drop``: close the connection without any response;
    neither: only delay, then handle the request normally.
    """

    times: int = 1
    status: int | None = None
    method: str | None = None
    path: str | None = None
    delay_ms: int = 0
    drop: bool = False
    retry_after: int | None = None

    @classmethod
    def from_json(cls, spec: Any) -> "FaultRule":
        """Build a rule from the control API's JSON, rejecting anything odd."""
        if not isinstance(spec, dict):
            raise FaultSpecError("fault must be a JSON object")
        allowed = {"times", "status", "method", "path", "delay_ms", "drop", "retry_after"}
        unknown = sorted(set(spec) - allowed)
        if unknown:
            raise FaultSpecError(f"unknown fault field(s): {', '.join(unknown)}")
        rule = cls(
            times=_int(spec, "times", 1),
            status=_opt_int(spec, "status"),
            method=_opt_str(spec, "method"),
            path=_opt_str(spec, "path"),
            delay_ms=_int(spec, "delay_ms", 0),
            drop=_bool(spec, "drop"),
            retry_after=_opt_int(spec, "retry_after"),
        )
        rule.validate()
        return rule

    def validate(self) -> None:
        if not 1 <= self.times <= MAX_TIMES:
            raise FaultSpecError(f"times must be between 1 and {MAX_TIMES}")
        if self.status is not None and not 400 <= self.status <= 599:
            raise FaultSpecError("status must be an error status between 400 and 599")
        if not 0 <= self.delay_ms <= MAX_DELAY_MS:
            raise FaultSpecError(f"delay_ms must be between 0 and {MAX_DELAY_MS}")
        if self.retry_after is not None and not 0 <= self.retry_after <= MAX_RETRY_AFTER_S:
            # RFC 9110 section 10.2.3: delay-seconds is a non-negative integer.
            raise FaultSpecError(f"retry_after must be between 0 and {MAX_RETRY_AFTER_S} seconds")
        for name, value in (("method", self.method), ("path", self.path)):
            if value is not None and len(value) > MAX_MATCH_CHARS:
                raise FaultSpecError(f"{name} must be at most {MAX_MATCH_CHARS} characters")
        if self.drop and self.status is not None:
            raise FaultSpecError("a fault either drops the connection or answers with a status, not both")
        if self.method is not None:
            self.method = self.method.upper()

    def matches(self, method: str, path: str) -> bool:
        if self.method is not None and self.method != method.upper():
            return False
        if self.path is not None and not fnmatch.fnmatchcase(path, self.path):
            return False
        return True

    def to_json(self) -> dict[str, Any]:
        return {
            "times": self.times,
            "status": self.status,
            "method": self.method,
            "path": self.path,
            "delay_ms": self.delay_ms,
            "drop": self.drop,
            "retry_after": self.retry_after,
        }


class FaultPlan:
    """The ordered list of pending fault rules of one mock."""

    def __init__(self) -> None:
        self._rules: list[FaultRule] = []
        self._lock = threading.Lock()

    def add(self, rule: FaultRule) -> None:
        self.add_all([rule])

    def add_all(self, rules: list[FaultRule]) -> None:
        """Validate and append ``rules``, all or none; ``FaultSpecError`` past :data:`MAX_PENDING` pending."""
        for rule in rules:
            rule.validate()
        with self._lock:
            if len(self._rules) + len(rules) > MAX_PENDING:
                raise FaultSpecError(
                    f"at most {MAX_PENDING} faults may be pending ({len(self._rules)} are, {len(rules)} more asked for); "
                    "clear them (DELETE /__mock__/faults) or use times instead of repeating a rule"
                )
            self._rules.extend(rules)

    def take(self, method: str, path: str) -> FaultRule | None:
        """The first rule matching this request, consuming one of its ``times``."""
        if not self._rules:  # the common case, read without the lock: no rule, nothing to consume
            return None
        with self._lock:
            for index, rule in enumerate(self._rules):
                if rule.matches(method, path):
                    rule.times -= 1
                    if rule.times == 0:
                        del self._rules[index]
                    return rule
        return None

    def pending(self) -> list[FaultRule]:
        with self._lock:
            return [FaultRule(**r.to_json()) for r in self._rules]

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()


def _int(spec: dict[str, Any], key: str, default: int) -> int:
    value = spec.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise FaultSpecError(f"{key} must be an integer")
    return value


def _opt_int(spec: dict[str, Any], key: str) -> int | None:
    if spec.get(key) is None:
        return None
    return _int(spec, key, 0)


def _opt_str(spec: dict[str, Any], key: str) -> str | None:
    value = spec.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise FaultSpecError(f"{key} must be a non-empty string")
    return value


def _bool(spec: dict[str, Any], key: str) -> bool:
    value = spec.get(key, False)
    if not isinstance(value, bool):
        raise FaultSpecError(f"{key} must be true or false")
    return value
