"""``sealmail serve --persist``: journal, messages and provider state in one SQLite file.

Storage sits behind the state objects; handlers and the control API do not
know whether it exists (the Mailpit/moto shape, docs/serve.md "Persistence").

- Journal entries and messages are rows, handed over by the journal's and
  the store's listeners (:mod:`.events`) as each request finishes. What one
  turn of the event loop queued is committed in one transaction on the next
  (group commit, WAL, ``synchronous=NORMAL``), and every response waits for the
  commit of what was queued before it: once a client has its answer, the
  request is on disk, and a ``kill -9`` loses at most the requests in flight.
  Rows beyond what memory holds are deleted in the same transaction, so the
  journal and store budgets (count or bytes: eviction is oldest-first) hold on
  disk too: the database holds exactly what memory holds.
- Each provider's model (and the mock clock) is one JSON row from the model's
  ``snapshot()``, taken when a response is about to be sent. A small one is
  written in that response's group commit; one that took over
  ``BACKGROUND_AFTER_S`` to serialise (thousands of stored mails) is serialised
  and written by a worker thread, so the loop never stalls on it. Under load
  saves are coalesced: after a save taking ``t``, the next waits
  ``SAVE_SPACING x t`` (snapshots cost at most ~1/SAVE_SPACING of the time).
  So a ``kill -9`` may lose the model changes of the last moments when the
  state is large or the server busy; SIGTERM/Ctrl-C and
  :meth:`Persistence.close` save everything pending.
- At start, :meth:`Persistence.attach` loads all of it back before the app
  serves its first request; journal ids continue where they stopped.

Scripted faults, scripted errors, uploads in flight and netcore-ce's nonce
memory are not kept (they describe the running process, not the data).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import hashlib
import inspect
import json
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any, Mapping, Protocol, runtime_checkable

from aiohttp import web

from .clock import MockClock
from .groupcommit import GroupCommit, call_soon
from .journal import Journal, JournalEntry
from .state import MOCK_STATE, MockState
from .store import StoredMessage

DB_FILE = "state.sqlite3"
SCHEMA_VERSION = 1
SAVE_SPACING = 10.0
"""A model save that took ``t`` seconds delays the next one by ``SAVE_SPACING * t`` (busy servers only)."""
BACKGROUND_AFTER_S = 0.005
"""A snapshot whose serialising took longer than this is serialised and written in a worker thread."""


_SCHEMA = """
CREATE TABLE IF NOT EXISTS journal (
    provider TEXT NOT NULL, id INTEGER NOT NULL, entry TEXT NOT NULL, PRIMARY KEY (provider, id));
CREATE TABLE IF NOT EXISTS messages (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, provider TEXT NOT NULL, message TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS messages_by_provider ON messages (provider, seq);
CREATE TABLE IF NOT EXISTS models (
    provider TEXT PRIMARY KEY, state TEXT NOT NULL, last_journal_id INTEGER NOT NULL DEFAULT 0);
"""


@runtime_checkable
class PersistentModel(Protocol):
    """A provider model whose state survives a restart."""

    def snapshot(self) -> dict[str, Any]:
        """Everything worth keeping, as JSON-able data."""

    def restore(self, state: Mapping[str, Any]) -> None:
        """Take back what :meth:`snapshot` returned (in a fresh model of the same provider)."""


def default_db_path(data_dir: Path | str | None = None) -> Path:
    """``<data dir>/state.sqlite3`` (data dir: ``--data-dir`` or the XDG default)."""
    from .tls import default_data_dir

    return Path(data_dir if data_dir is not None else default_data_dir()) / DB_FILE


def journal_entry_from_json(data: Mapping[str, Any]) -> JournalEntry:
    """The inverse of :meth:`JournalEntry.to_json` (unknown keys ignored, missing ones defaulted)."""
    return _from_json(JournalEntry, data)


def stored_message_from_json(data: Mapping[str, Any]) -> StoredMessage:
    """The inverse of :meth:`StoredMessage.to_json`."""
    return _from_json(StoredMessage, data)


def _from_json(cls: Any, data: Mapping[str, Any]) -> Any:
    """``cls(**data)`` with only the keys its constructor takes (the JSON shape has read-only extras)."""
    names = set(inspect.signature(cls).parameters)
    return cls(**{k: v for k, v in data.items() if k in names})


def resume_journal_ids(journal: Journal, last_id: int) -> None:
    """Make the next journal id ``last_id + 1``.

    tests/integration/test_serve_persist.py checks that ids continue after a restart.
    """
    journal.resume_ids(last_id)


def clock_json(clock: MockClock) -> dict[str, Any]:
    """The clock's offset or frozen instant (a ticking clock's ``now`` is left out: it changes every call)."""
    state = clock.state()
    return {"offset_ms": state.offset_ms, "frozen": state.frozen, **({"now_ms": state.now_ms} if state.frozen else {})}


def restore_clock(clock: MockClock, data: Mapping[str, Any]) -> None:
    """A frozen clock stays frozen at the same instant; a moved one keeps its offset from real time."""
    if data.get("frozen"):
        clock.set_now(int(data["now_ms"]), frozen=True)
    elif data.get("offset_ms"):
        clock.offset(int(data["offset_ms"]))


class Persistence:
    """One SQLite database for every mock of a ``serve --persist`` process (thread-safe)."""

    def __init__(self, connection: sqlite3.Connection, path: Path) -> None:
        self.path = path
        self._db = connection
        self._lock = threading.Lock()
        self._savers: list[_ModelSaver] = []
        self._rows: dict[tuple[str, str], int] = {}
        """Rows per (table, provider), so pruning is a cheap indexed delete only when needed."""
        self._writer = GroupCommit(connection, self._lock)
        self.worker = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="sealmail-persist")
        """Serialises and writes large model snapshots off the event loop."""

    @classmethod
    def open(cls, path: Path | str) -> "Persistence":
        """Open (creating if needed) the database at ``path``; ``OSError`` if it cannot be used."""
        path = Path(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            connection = sqlite3.connect(path, check_same_thread=False)  # DML opens a transaction; `with db:` commits it
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            version = connection.execute("PRAGMA user_version").fetchone()[0]
            if version not in (0, SCHEMA_VERSION):
                raise OSError(f"{path}: database schema {version}, this sealmail knows {SCHEMA_VERSION}")
            connection.executescript(_SCHEMA)
            connection.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        except sqlite3.Error as error:
            raise OSError(f"{path}: {error}") from None
        return cls(connection, path)

    # --- wiring -----------------------------------------------------------------
    def attach(self, app: web.Application) -> None:
        """Load the app's saved state, then keep saving it. Call before the app serves."""
        state = app[MOCK_STATE]
        if not isinstance(state.model, PersistentModel):
            raise TypeError(f"{state.provider.id} model has no snapshot()/restore(): cannot --persist")
        try:
            last_journal_id = self._load(state)
        except (KeyError, TypeError, ValueError, sqlite3.Error) as error:  # JSONDecodeError is a ValueError
            raise OSError(
                f"{self.path}: cannot restore {state.provider.id} ({type(error).__name__}: {error}); "
                "move the file away or pass another --db"
            ) from error
        saver = _ModelSaver(self, state, last_journal_id)
        self._savers.append(saver)
        state.journal.listeners.add(saver.on_journal)
        state.store.listeners.add(saver.on_store)

        async def on_response_prepare(request: web.Request, response: web.StreamResponse) -> None:
            saver.changed()
            await self._writer.committed()

        app.on_response_prepare.append(on_response_prepare)

    def flush(self) -> None:
        """Block until everything queued so far is committed."""
        self._writer.flush()

    def close(self) -> None:
        """Save what is pending and close the database (idempotent)."""
        for saver in self._savers:
            saver.flush()
        self._savers.clear()
        self.worker.shutdown(wait=True)
        self._writer.stop()
        with self._lock:
            try:
                self._db.close()
            except sqlite3.Error:  # already closed
                pass

    # --- loading ------------------------------------------------------------------
    def _load(self, state: MockState) -> int:
        """Restore model, clock, journal and messages; returns the last journal id handed out."""
        provider = state.provider.id
        with self._lock:
            row = self._db.execute("SELECT state, last_journal_id FROM models WHERE provider=?", (provider,)).fetchone()
            entries = self._db.execute("SELECT entry FROM journal WHERE provider=? ORDER BY id", (provider,)).fetchall()
            messages = self._db.execute("SELECT message FROM messages WHERE provider=? ORDER BY seq", (provider,)).fetchall()
        last_id = row[1] if row else 0
        saved = json.loads(row[0]) if row is not None else {}
        if "model" in saved:
            state.model.restore(saved["model"])
            restore_clock(state.clock, saved.get("clock", {}))
        for (text,) in entries:
            entry = journal_entry_from_json(json.loads(text))
            state.journal.commit(entry)
            last_id = max(last_id, entry.id)
        for (text,) in messages:
            state.store.add(stored_message_from_json(json.loads(text)))
        resume_journal_ids(state.journal, last_id)
        with self._lock, self._db:
            self._rows[("journal", provider)] = len(entries)
            self._rows[("messages", provider)] = len(messages)
            # A smaller budget since the last run: the database keeps only what memory took back.
            self._prune("journal", provider, len(state.journal))
            self._prune("messages", provider, len(state.store))
        return last_id

    # --- writing (called by the savers) ------------------------------------------------
    # Each runs in the writer thread, inside its batch's transaction, in the order queued.
    def write_entry(self, provider: str, entry: JournalEntry, kept: int) -> None:
        def write(db: sqlite3.Connection) -> None:
            text = json.dumps(entry.to_json(), default=repr)
            db.execute("INSERT INTO journal (provider, id, entry) VALUES (?, ?, ?)", (provider, entry.id, text))
            self._rows[("journal", provider)] = self._rows.get(("journal", provider), 0) + 1
            self._prune("journal", provider, kept)

        self._writer.submit(write)

    def write_message(self, provider: str, message: StoredMessage, kept: int) -> None:
        def write(db: sqlite3.Connection) -> None:
            text = json.dumps(message.to_json(), default=repr)
            db.execute("INSERT INTO messages (provider, message) VALUES (?, ?)", (provider, text))
            self._rows[("messages", provider)] = self._rows.get(("messages", provider), 0) + 1
            self._prune("messages", provider, kept)

        self._writer.submit(write)

    def clear(self, table: str, provider: str, last_journal_id: int | None = None) -> None:
        """A reset emptied the journal or the store: so does the database (journal ids still go on)."""

        def write(db: sqlite3.Connection) -> None:
            db.execute(f"DELETE FROM {table} WHERE provider=?", (provider,))
            self._rows[(table, provider)] = 0
            if last_journal_id is not None:
                db.execute(
                    "INSERT INTO models (provider, state, last_journal_id) VALUES (?, '{}', ?) "
                    "ON CONFLICT(provider) DO UPDATE SET last_journal_id=excluded.last_journal_id",
                    (provider, last_journal_id),
                )

        self._writer.submit(write)

    def write_model(self, provider: str, text: str) -> None:
        def write(db: sqlite3.Connection) -> None:
            db.execute(
                "INSERT INTO models (provider, state) VALUES (?, ?) ON CONFLICT(provider) DO UPDATE SET state=excluded.state",
                (provider, text),
            )

        self._writer.submit(write)

    def _prune(self, table: str, provider: str, kept: int) -> None:
        """Delete the oldest rows of ``provider`` beyond the ``kept`` newest (memory evicts oldest first)."""
        excess = self._rows.get((table, provider), 0) - kept
        if excess <= 0:
            return
        order = "id" if table == "journal" else "seq"
        self._db.execute(
            f"DELETE FROM {table} WHERE provider=? AND {order} IN "
            f"(SELECT {order} FROM {table} WHERE provider=? ORDER BY {order} LIMIT ?)",
            (provider, provider, excess),
        )
        self._rows[(table, provider)] = kept

    def row_counts(self, provider: str) -> tuple[int, int]:
        """(journal rows, message rows) of ``provider`` once what is queued is committed."""
        self.flush()
        with self._lock:
            journal = self._db.execute("SELECT COUNT(*) FROM journal WHERE provider=?", (provider,)).fetchone()[0]
            messages = self._db.execute("SELECT COUNT(*) FROM messages WHERE provider=?", (provider,)).fetchone()[0]
        return journal, messages


class _ModelSaver:
    """Keeps one mock's rows and model snapshot in step with memory."""

    def __init__(self, persistence: Persistence, state: MockState, last_journal_id: int) -> None:
        self._db = persistence
        self._state = state
        self._provider = state.provider.id
        self._last_digest: bytes | None = None
        """Of the last model text written (not the text: that was a second copy of the whole model in memory)."""
        self._last_journal_id = last_journal_id
        self._not_before = 0.0
        self._timer: asyncio.TimerHandle | None = None
        self._background: concurrent.futures.Future[None] | None = None
        self._again = False
        self._serialise_s = 0.0
        self._lock = threading.Lock()

    def on_journal(self, event: str, item: object) -> None:
        if event == "committed" and isinstance(item, JournalEntry):
            self._last_journal_id = max(self._last_journal_id, item.id)
            self._db.write_entry(self._provider, item, len(self._state.journal))
        elif event == "cleared":
            self._db.clear("journal", self._provider, self._last_journal_id)

    def on_store(self, event: str, item: object) -> None:
        if event == "added" and isinstance(item, StoredMessage):
            self._db.write_message(self._provider, item, len(self._state.store))
        elif event == "cleared":
            self._db.clear("messages", self._provider)

    def changed(self) -> None:
        """A response is about to leave: save now, or soon if the last save was recent."""
        if self._timer is not None or self._background is not None:
            self._again = self._background is not None
            return  # a save is already due or running
        wait = self._not_before - time.monotonic()
        if wait <= 0:
            self.save()
            return
        try:
            self._timer = asyncio.get_running_loop().call_later(wait, self._deferred)
        except RuntimeError:  # no loop here (a handle call from another thread): save at once
            self.save()

    def _deferred(self) -> None:
        self._timer = None
        self.save()

    def flush(self) -> None:
        """Save now, after any save still being written (shutdown)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        background = self._background
        if background is not None:
            background.result(timeout=60)
        self.save(in_background=False)

    def save(self, *, in_background: bool = True) -> None:
        """Snapshot the model here (consistent: the loop thread), then serialise and write it.

        A small snapshot is written at once, in the response's group commit. One
        whose serialising took over ``BACKGROUND_AFTER_S`` is serialised and
        written in a worker thread, so a large store never stalls the loop.
        """
        started = time.monotonic()
        snapshot = {"model": self._state.model.snapshot(), "clock": clock_json(self._state.clock)}
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        if not (in_background and loop is not None and self._serialise_s > BACKGROUND_AFTER_S):
            self._write(snapshot, started)
            return
        self._background = self._db.worker.submit(self._write, snapshot, started)
        self._background.add_done_callback(lambda _: call_soon(loop, self._written))

    def _written(self) -> None:
        self._background = None
        if self._again:
            self._again = False
            self.changed()

    def _write(self, snapshot: dict[str, Any], started: float) -> None:
        with self._lock:
            begun = time.monotonic()
            text = json.dumps(snapshot, default=repr)
            self._serialise_s = time.monotonic() - begun
            digest = hashlib.blake2b(text.encode("ascii"), digest_size=32).digest()  # json.dumps escapes to ASCII
            if digest != self._last_digest:
                self._db.write_model(self._provider, text)
                self._last_digest = digest
            self._not_before = time.monotonic() + SAVE_SPACING * (time.monotonic() - started)
