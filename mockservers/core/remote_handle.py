"""TenantHandle: a test's own tenant on a shared, external ``sealmail serve``, steered over HTTP.

The same inspection and steering calls as :class:`MockHandle` (``url``, ``config``,
``requests()``, ``messages()``, ``reset()``, ``fault()``, ``clock()``,
``assert_all_accepted()``...), each scoped with ``?tenant=ID`` so a test sees
exactly what a dedicated server would show, while other workers (in any
language) use the same server with their own tenants. Standard library only.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlencode

from .clock import ClockState
from .faults import FaultRule
from .journal import JournalEntry
from .journal_text import explanation, filtered
from .store import StoredMessage

HTTP_TIMEOUT_S = 30.0


class ControlCallError(RuntimeError):
    """A control call the server refused: its status and ``{"error"}`` text."""


def control_call(url: str, method: str = "GET", body: Any = None, *, timeout: float = HTTP_TIMEOUT_S) -> Any:
    """One JSON control call; :class:`ControlCallError` on an error status."""
    data = None if body is None else json.dumps(body).encode("utf-8")
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"} if data else {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - loopback URLs given by the user
            return json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        raise ControlCallError(f"{method} {url} -> {error.code}: {error.read().decode('utf-8', 'replace')}") from None


def entry_from_json(item: dict[str, Any]) -> JournalEntry:
    """A journal entry as ``GET /__mock__/requests`` shows it, back as a :class:`JournalEntry`."""
    fields = dict(item)
    clipped = fields.pop("clipped", ())
    entry = JournalEntry(**fields)
    entry.clipped = tuple(clipped)
    return entry


def message_from_json(item: dict[str, Any]) -> StoredMessage:
    """A message as ``GET /__mock__/messages`` shows it, back as a :class:`StoredMessage`."""
    fields = dict(item)
    clipped = bool(fields.pop("clipped", False))
    message = StoredMessage(**fields)
    message.clipped = clipped
    return message


class TenantHandle:
    """One tenant of one provider on an external server (created by :meth:`create`)."""

    def __init__(self, provider_url: str, tenant: dict[str, Any]) -> None:
        self.base = provider_url.rstrip("/")
        self.tenant_id: str = tenant["id"]
        self._config: dict[str, Any] = tenant["config"]

    @classmethod
    def create(cls, provider_url: str, **spec: Any) -> "TenantHandle":
        """``POST /__mock__/tenants`` on the provider at ``provider_url``: a new tenant with fresh credentials."""
        return cls(provider_url, control_call(provider_url.rstrip("/") + "/__mock__/tenants", "POST", spec))

    def _call(self, path: str, method: str = "GET", body: Any = None, **query: Any) -> Any:
        params = urlencode({"tenant": self.tenant_id, **{k: v for k, v in query.items() if v is not None}})
        return control_call(f"{self.base}/__mock__/{path}?{params}", method, body)

    @property
    def provider_id(self) -> str:
        return str(self._config["provider"])

    @property
    def url(self) -> str:
        """Base URL of the provider's API (the shared server's)."""
        return self.base

    @property
    def config(self) -> dict[str, Any]:
        """This tenant's credentials, keys and URLs (``GET /__mock__/config?tenant=ID``)."""
        return self._config

    # --- inspection -------------------------------------------------------
    def requests(self, *, outcome: str | None = None, path: str | None = None) -> list[JournalEntry]:
        """This tenant's journal entries, oldest first, optionally filtered."""
        return filtered([entry_from_json(item) for item in self._call("requests", outcome=outcome)["requests"]], path=path)

    def rejections(self) -> list[JournalEntry]:
        return self.requests(outcome="rejected")

    def messages(self) -> list[StoredMessage]:
        """This tenant's accepted messages, oldest first."""
        return [message_from_json(item) for item in self._call("messages")["messages"]]

    def payloads(self) -> list[Any]:
        return [m.payload for m in self.messages()]

    def wait_for_messages(self, count: int, timeout: float = 5.0) -> list[StoredMessage]:
        """Block until ``count`` messages were accepted: the server holds the call (no polling); ``TimeoutError`` otherwise."""
        answer = self._call("messages", wait_for=count, timeout_s=timeout)
        if answer["added"] < count:
            raise TimeoutError(f"expected {count} message(s) within {timeout}s, have {answer['added']}")
        return [message_from_json(item) for item in answer["messages"]]

    # --- steering ---------------------------------------------------------
    def reset(self) -> None:
        """Empty this tenant's journal, messages and faults; restore its clock and credentials."""
        self._call("reset", "POST")

    def fault(self, status: int | None = None, *, times: int = 1, method: str | None = None, path: str | None = None,
              delay_ms: int = 0, drop: bool = False, retry_after: int | None = None) -> FaultRule:
        """Script a fault for this tenant's next ``times`` matching requests."""
        rule = FaultRule(times=times, status=status, method=method, path=path, delay_ms=delay_ms, drop=drop, retry_after=retry_after)
        rule.validate()
        self._call("faults", "POST", rule.to_json())
        return rule

    def clock(self, *, offset_ms: int | None = None, now_ms: int | None = None, frozen: bool = False) -> ClockState:
        """Move this tenant's clock: ``offset_ms`` from real time, or jump to ``now_ms``; neither: restore."""
        if now_ms is not None:
            spec: dict[str, Any] = {"now_ms": now_ms, "frozen": frozen}
        elif offset_ms is not None:
            spec = {"offset_ms": offset_ms, "frozen": frozen}
        else:
            spec = {"reset": True}
        return ClockState(**self._call("clock", "POST", spec))

    def delete(self) -> None:
        """Remove the tenant from the server (its credentials then select the default tenant)."""
        control_call(f"{self.base}/__mock__/tenants/{self.tenant_id}", "DELETE")

    # --- assertions that explain themselves ------------------------------
    def explain(self, entries: list[JournalEntry] | None = None) -> str:
        """This tenant's journal as readable lines, rejections with their reasons (as :meth:`MockHandle.explain`)."""
        return explanation(f"{self.provider_id} tenant {self.tenant_id}", self.requests() if entries is None else entries)

    def assert_all_accepted(self) -> None:
        """Fail, listing each rejection and its reason, unless every request was accepted."""
        rejected = self.rejections()
        if rejected:
            raise AssertionError(f"{len(rejected)} request(s) rejected by the mock:\n" + self.explain(rejected))

    def __repr__(self) -> str:
        return f"<TenantHandle {self.provider_id} {self.tenant_id} at {self.base}>"
