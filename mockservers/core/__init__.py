"""The shared mock core: app factory, typed state, journal, store, control API, faults, clock, runner.

No provider code lives here; providers plug in through :class:`Provider`.
"""

from .app import create_app
from .clock import ClockState, MockClock
from .errors import ErrorKind, Rejection, RenderedError
from .faults import FaultRule
from .handle import MockHandle
from .journal import Journal, JournalEntry
from .pool import MockPool
from .provider import MockConfig, Provider
from .registry import get_provider, providers
from .runner import RunningMock, ServerThread, start_mock
from .state import MOCK_STATE, MockState
from .store import MessageStore, StoredMessage

__all__ = [
    "ClockState",
    "ErrorKind",
    "FaultRule",
    "Journal",
    "JournalEntry",
    "MOCK_STATE",
    "MessageStore",
    "MockClock",
    "MockConfig",
    "MockHandle",
    "MockPool",
    "MockState",
    "Provider",
    "Rejection",
    "RenderedError",
    "RunningMock",
    "ServerThread",
    "StoredMessage",
    "create_app",
    "get_provider",
    "providers",
    "start_mock",
]
