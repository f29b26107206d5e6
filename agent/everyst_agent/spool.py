"""The local spool: every sample is stored here before it is sent, and deleted once the hub acks it.

One row per sample; its `seq` is the sequence number of the `MetricBatch` that carries it. SQLite's
AUTOINCREMENT keeps `seq` strictly increasing and never reused, even after every row was acked and
the agent restarted. WAL with synchronous=NORMAL makes a committed append survive a killed process
(not necessarily a power cut) while costing no fsync per sample.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from pathlib import Path

from everyst.agent.v1 import agent_pb2

log = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS samples (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    ts_ms INTEGER NOT NULL,
    payload BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
INSERT OR IGNORE INTO meta (key, value) VALUES ('dropped_total', 0);
"""
_INSERT = "INSERT INTO samples (ts_ms, payload) VALUES (?, ?)"


class Spool:
    """A bounded, durable FIFO of samples. Not thread-safe: use it from one thread (the event loop)."""

    def __init__(self, path: Path | str, max_samples: int = 604800) -> None:
        if max_samples < 1:
            raise ValueError("max_samples must be at least 1")
        self.path = Path(path)
        self.max_samples = max_samples
        self._db = sqlite3.connect(self.path, isolation_level=None)
        try:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            with self._transaction():
                self._create_schema()
            os.chmod(self.path, 0o600)
            self._depth = self._count()
            self._dropped = self._read_dropped()
        except BaseException:
            self._db.close()
            raise

    def _create_schema(self) -> None:
        for statement in _SCHEMA.split(";"):
            if statement.strip():
                self._db.execute(statement)

    def _transaction(self) -> _Transaction:
        return _Transaction(self._db)

    def _count(self) -> int:
        row = self._db.execute("SELECT COUNT(*) FROM samples").fetchone()
        return int(row[0])

    def _read_dropped(self) -> int:
        row = self._db.execute("SELECT value FROM meta WHERE key = 'dropped_total'").fetchone()
        return int(row[0]) if row else 0

    def append(self, sample: agent_pb2.Sample) -> int:
        """Store `sample` durably and return its new seq; past the bound, drop the oldest rows."""
        row = (sample.ts_ms, sample.SerializeToString())
        if self._depth < self.max_samples:
            # One statement is its own transaction in autocommit mode: the common case needs no
            # BEGIN/COMMIT round trips.
            seq = int(self._db.execute(_INSERT, row).lastrowid or 0)
            self._depth += 1
            return seq
        with self._transaction():
            seq = int(self._db.execute(_INSERT, row).lastrowid or 0)
            oldest_kept = seq - self.max_samples + 1
            dropped = self._db.execute("DELETE FROM samples WHERE seq < ?", (oldest_kept,)).rowcount
            self._db.execute("UPDATE meta SET value = value + ? WHERE key = 'dropped_total'", (dropped,))
        self._depth += 1 - dropped
        self._dropped += dropped
        log.debug("spool full: dropped %d oldest samples", dropped)
        return seq

    def pending(self, after_seq: int = 0, limit: int = 256) -> list[tuple[int, agent_pb2.Sample]]:
        """Up to `limit` stored samples with seq > `after_seq`, oldest first."""
        rows = self._db.execute(
            "SELECT seq, payload FROM samples WHERE seq > ? ORDER BY seq LIMIT ?", (after_seq, limit)
        ).fetchall()
        return [(int(seq), agent_pb2.Sample.FromString(payload)) for seq, payload in rows]

    def ack(self, seq: int) -> int:
        """Delete every sample with seq <= `seq` (acks are cumulative); return how many went."""
        deleted = self._db.execute("DELETE FROM samples WHERE seq <= ?", (seq,)).rowcount
        self._depth -= deleted
        return int(deleted)

    def depth(self) -> int:
        return self._depth

    def dropped_total(self) -> int:
        return self._dropped

    def last_seq(self) -> int:
        """The highest seq ever handed out (0 for a new spool), whether or not it is still stored."""
        row = self._db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'samples'").fetchone()
        return int(row[0]) if row else 0

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Spool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _Transaction:
    """BEGIN IMMEDIATE … COMMIT, rolled back on error (the connection runs in autocommit mode)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, *rest: object) -> None:
        self._db.execute("ROLLBACK" if exc_type else "COMMIT")


def read_stats(path: Path) -> tuple[int, int] | None:
    """(depth, dropped_total) of a spool without creating or modifying it; None if there is none."""
    if not path.exists():
        return None
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        depth = int(db.execute("SELECT COUNT(*) FROM samples").fetchone()[0])
        row = db.execute("SELECT value FROM meta WHERE key = 'dropped_total'").fetchone()
        return depth, int(row[0]) if row else 0
    finally:
        db.close()
