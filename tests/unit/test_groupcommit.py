"""GroupCommit: writes queued in one loop turn share one transaction; awaiting callers see them committed."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path

from sealmail.mockservers.core.groupcommit import GroupCommit


def test_one_transaction_per_loop_turn_and_committed_waits_for_it(tmp_path: Path) -> None:
    db = sqlite3.connect(tmp_path / "t.db", check_same_thread=False)
    db.execute("CREATE TABLE t (n INTEGER)")
    statements: list[str] = []
    db.set_trace_callback(statements.append)
    group = GroupCommit(db, threading.Lock())

    def insert(n: int):
        return lambda conn: conn.execute("INSERT INTO t VALUES (?)", (n,))

    def committed_rows() -> int:
        reader = sqlite3.connect(tmp_path / "t.db")  # another connection sees only committed rows
        try:
            return reader.execute("SELECT COUNT(*) FROM t").fetchone()[0]
        finally:
            reader.close()

    async def turn() -> int:
        for n in range(3):
            group.submit(insert(n))
        assert committed_rows() == 0  # queued, not yet written
        await group.committed()
        return committed_rows()

    assert asyncio.run(turn()) == 3
    assert sum(s.startswith("BEGIN") for s in statements) == 1
    group.submit(insert(9))  # no loop in this thread: committed at once
    assert committed_rows() == 4
    db.close()
