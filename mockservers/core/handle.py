"""MockHandle: inspect and steer a running mock from test code, without HTTP.

Works with or without pytest (the plugin's fixtures hand these out). Reads the
same objects the control API serves, so what a test sees is what
``GET /__mock__/requests`` would show.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Generic, Iterable, TypeVar

from . import diagnosis
from .clock import ClockState
from .faults import FaultRule
from .journal import JournalEntry
from .journal_text import RequestCriteria, explanation, filtered, near_misses
from .runner import RunningMock
from .state import MockState
from .store import StoredMessage

ModelT_co = TypeVar("ModelT_co", covariant=True)
"""The provider's model type: ``MockHandle[AutoSendModel]`` (``sealmail.AutoSendMock``) types ``.model``."""


class MockHandle(Generic[ModelT_co]):
    """A started provider mock: its URL, config, journal, messages and knobs.

    Generic over the provider's model, so ``.model`` is typed: annotate a fixture with the
    per-provider alias (``sealmail.AutoSendMock``, ...) or ``MockHandle[Any]`` for any provider.
    """

    def __init__(self, running: RunningMock, *, ca_file: Path | str | None = None) -> None:
        self._running = running
        self._ca_file = str(ca_file) if ca_file is not None else None

    @property
    def ca_file(self) -> str | None:
        """The CA certificate to trust for an HTTPS mock (``tls=True``), e.g. ``requests.post(url, verify=handle.ca_file)``."""
        return self._ca_file

    @property
    def state(self) -> MockState:
        return self._running.state

    @property
    def provider_id(self) -> str:
        return self.state.provider.id

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:40123`` (``https://`` with ``tls=True``; no trailing slash)."""
        return self._running.url

    @property
    def config(self) -> dict[str, Any]:
        """What ``GET /__mock__/config`` returns: credentials, keys, URLs."""
        from .control import describe

        return describe(self.state, self.url)

    @property
    def model(self) -> ModelT_co:
        """The provider's model object, for provider-specific helpers (``autosend_mock.model.rotate()``)."""
        model: ModelT_co = self.state.model
        return model

    # --- inspection -------------------------------------------------------
    def requests(self, *, outcome: str | None = None, path: str | None = None) -> list[JournalEntry]:
        """Journal entries, oldest first, optionally filtered.

        Journal-only diagnoses still running after their answer (core/diagnosis.py)
        are waited for first, so every entry's ``detail`` is complete.
        """
        self.state.diagnoses.wait_idle(diagnosis.WAIT_S)
        return filtered(self.state.journal.entries(), outcome=outcome, path=path)

    def rejections(self) -> list[JournalEntry]:
        return self.requests(outcome="rejected")

    def messages(self) -> list[StoredMessage]:
        """Accepted messages, oldest first."""
        return self.state.store.messages()

    def payloads(self) -> list[Any]:
        """Just the decrypted payloads of the accepted messages."""
        return [m.payload for m in self.messages()]

    def wait_for_messages(self, count: int, timeout: float = 5.0) -> list[StoredMessage]:
        """Block until ``count`` messages were accepted (no polling); ``TimeoutError`` otherwise."""
        return self.state.store.wait_for(count, timeout)

    async def wait_for_messages_async(self, count: int, timeout: float = 5.0) -> list[StoredMessage]:
        """The same, without blocking the caller's event loop."""
        return await self.state.store.wait_for_async(count, timeout)

    # --- steering ---------------------------------------------------------
    def reset(self) -> None:
        """Empty journal, messages and faults; restore clock and default credentials."""
        self.state.reset()

    def fault(
        self,
        status: int | None = None,
        *,
        times: int = 1,
        method: str | None = None,
        path: str | None = None,
        delay_ms: int = 0,
        drop: bool = False,
        retry_after: int | None = None,
    ) -> FaultRule:
        """Script a fault for the next ``times`` matching requests (see ``POST /__mock__/faults``)."""
        rule = FaultRule(
            times=times, status=status, method=method, path=path, delay_ms=delay_ms, drop=drop, retry_after=retry_after
        )
        self.state.faults.add(rule)
        return rule

    def clock(self, *, offset_ms: int | None = None, now_ms: int | None = None, frozen: bool = False) -> ClockState:
        """Move the mock clock: ``offset_ms`` from real time, or jump to ``now_ms``."""
        clock = self.state.clock
        if now_ms is not None:
            return clock.set_now(now_ms, frozen=frozen)
        if offset_ms is not None:
            return clock.offset(offset_ms, frozen=frozen)
        return clock.restore()

    def now_ms(self) -> int:
        return self.state.clock.now_ms()

    def conformance_report(self) -> Any:
        """Which conformance requirements the traffic so far met, judged from this mock's journal alone.

        A :class:`sealmail.conformance.framework.Report` (``.table()``, ``.failures()``, ``.to_json()``);
        requirements that need a scripted scenario are reported as not evaluated. The same judgement as
        ``sealmail conformance check PROVIDER --url URL``.
        """
        from sealmail.conformance.traffic import check_traffic  # the conformance package builds on this one

        entries = [entry.to_json() for entry in self.requests()]
        return check_traffic(self.state.provider.id, entries, self.config, source=f"traffic at {self.url}")

    # --- assertions that explain themselves ------------------------------
    def explain(self, entries: Iterable[JournalEntry] | None = None) -> str:
        """The journal as readable lines, rejections with their reasons.

        Identical rejections (same request line, status, reason and detail) are
        one line, ``60 x ...``, at the place of the first; a request that got no
        answer reads ``-> no response (fault_drop)``.
        """
        shown = list(self.requests() if entries is None else entries)
        discarded = self.state.discarded_after_reset
        tail = f" ({discarded} request(s) in flight at the last reset discarded)" if discarded else ""
        return explanation(f"{self.provider_id} mock", shown, tail)

    def assert_all_accepted(self) -> None:
        """Fail, listing each rejection and its reason, unless every request was accepted."""
        rejected = self.rejections()
        if rejected:
            raise AssertionError(f"{len(rejected)} request(s) rejected by the mock:\n" + self.explain(rejected))

    def assert_request(self, *, method: str | None = None, path: str | None = None, outcome: str = "accepted") -> JournalEntry:
        """Return the last request matching; on failure list the near misses and why."""
        wanted = RequestCriteria(method=method, path=path, outcome=outcome)
        entries = self.requests()
        for entry in reversed(entries):
            if not wanted.mismatches(entry):
                return entry
        raise AssertionError(f"no {wanted} in the {self.provider_id} mock journal.\n" + near_misses(wanted, entries))

    def __repr__(self) -> str:
        return f"<MockHandle {self.provider_id} {self.url}>"
