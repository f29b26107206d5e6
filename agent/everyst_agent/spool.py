"""The local spool: every sample is stored here before it is sent, and kept until the hub acks it.

Acknowledged samples stay for `keep_acked_ms` more (by collection time), behind the `acked_seq`
watermark: a hub restored from a backup says on connect how far its database goes, and `replay`
puts what it lost back in the queue. They count neither in `depth()` nor as dropped, and are the
first to go when the spool is full.

One row per sample; its `seq` is the sequence number of the `MetricBatch` that carries it. SQLite's
AUTOINCREMENT keeps `seq` strictly increasing and never reused, even after every row was acked and
the agent restarted. WAL with synchronous=NORMAL makes a committed append survive a killed process
(not necessarily a power cut) while costing no fsync per sample.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import time
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
INSERT OR IGNORE INTO meta (key, value) VALUES ('acked_seq', 0);
"""
# Acknowledged samples past their keeping time are deleted at most this often, this many a time.
PRUNE_EVERY_MS = 10_000
PRUNE_ROWS = 1024
_INSERT = "INSERT INTO samples (ts_ms, payload) VALUES (?, ?)"


class Spool:
    """A bounded, durable FIFO of samples. Not thread-safe: use it from one thread (the event loop)."""

    def __init__(self, path: Path | str, max_samples: int = 604800, keep_acked_ms: int = 0) -> None:
        if max_samples < 1:
            raise ValueError("max_samples must be at least 1")
        self.path = Path(path)
        self.max_samples = max_samples
        self.keep_acked_ms = max(keep_acked_ms, 0)
        self._pruned_at = 0
        self._db = sqlite3.connect(self.path, isolation_level=None)
        try:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            with self._transaction():
                self._create_schema()
            os.chmod(self.path, 0o600)
            self._acked = self._read_meta("acked_seq")
            self._depth = self._count_after(self._acked)
            self._kept = self._count() - self._depth
            self._dropped = self._read_meta("dropped_total")
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

    def _count_after(self, seq: int) -> int:
        row = self._db.execute("SELECT COUNT(*) FROM samples WHERE seq > ?", (seq,)).fetchone()
        return int(row[0])

    def _read_meta(self, key: str) -> int:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return int(row[0]) if row else 0

    def append(self, sample: agent_pb2.Sample) -> int:
        """Store `sample` durably and return its new seq; past the bound, drop the oldest rows
        (kept acknowledged ones first, then unsent ones, counted as dropped)."""
        row = (sample.ts_ms, sample.SerializeToString())
        if self._depth + self._kept < self.max_samples:
            # One statement is its own transaction in autocommit mode: the common case needs no
            # BEGIN/COMMIT round trips.
            seq = int(self._db.execute(_INSERT, row).lastrowid or 0)
            self._depth += 1
            return seq
        with self._transaction():
            seq = int(self._db.execute(_INSERT, row).lastrowid or 0)
            oldest_kept = seq - self.max_samples + 1
            forgotten = self._db.execute(
                "DELETE FROM samples WHERE seq < ? AND seq <= ?", (oldest_kept, self._acked)
            ).rowcount
            dropped = self._db.execute("DELETE FROM samples WHERE seq < ?", (oldest_kept,)).rowcount
            self._db.execute("UPDATE meta SET value = value + ? WHERE key = 'dropped_total'", (dropped,))
        self._kept -= forgotten
        self._depth += 1 - dropped
        self._dropped += dropped
        if dropped:
            log.debug("spool full: dropped %d oldest samples", dropped)
        return seq

    def pending(self, after_seq: int = 0, limit: int = 256) -> list[tuple[int, agent_pb2.Sample]]:
        """Up to `limit` unacknowledged samples with seq > `after_seq`, oldest first."""
        rows = self._db.execute(
            "SELECT seq, payload FROM samples WHERE seq > ? ORDER BY seq LIMIT ?",
            (max(after_seq, self._acked), limit),
        ).fetchall()
        return [(int(seq), agent_pb2.Sample.FromString(payload)) for seq, payload in rows]

    def ack(self, seq: int, now_ms: int | None = None) -> int:
        """Mark every sample with seq <= `seq` acknowledged (acks are cumulative); return how many
        that newly covers. Without `keep_acked_ms` they are deleted at once."""
        if seq <= self._acked:
            return 0
        if not self.keep_acked_ms:
            deleted = int(self._db.execute("DELETE FROM samples WHERE seq <= ?", (seq,)).rowcount)
            # Rows kept by an earlier run that kept acknowledged samples go with them.
            covered, self._kept = deleted - self._kept, 0
            self._acked = seq
            self._depth -= covered
            return covered
        with self._transaction():
            covered = int(
                self._db.execute(
                    "SELECT COUNT(*) FROM samples WHERE seq > ? AND seq <= ?", (self._acked, seq)
                ).fetchone()[0]
            )
            self._db.execute("UPDATE meta SET value = ? WHERE key = 'acked_seq'", (seq,))
        self._acked = seq
        self._depth -= covered
        self._kept += covered
        now_ms = int(time.time() * 1000) if now_ms is None else now_ms
        if now_ms - self._pruned_at >= PRUNE_EVERY_MS:
            self._pruned_at = now_ms
            self._prune(now_ms - self.keep_acked_ms)
        return covered

    def _prune(self, cutoff_ms: int) -> None:
        """Delete the oldest kept samples collected before `cutoff_ms`. They are in seq order, so
        this reads from the oldest only, a bounded number of rows a time (a scan of an hour of
        kept samples held the event loop long enough to miss a tick at 5 Hz)."""
        rows = self._db.execute(
            "SELECT seq, ts_ms FROM samples WHERE seq <= ? ORDER BY seq LIMIT ?", (self._acked, PRUNE_ROWS)
        ).fetchall()
        last = 0
        for seq, ts_ms in rows:
            if ts_ms >= cutoff_ms:
                break
            last = seq
        if last:
            self._kept -= self._db.execute("DELETE FROM samples WHERE seq <= ?", (last,)).rowcount

    def replay(self, after_ts_ms: int) -> int:
        """Queue again the kept acknowledged samples collected after `after_ts_ms` (the newest the
        hub says it has stored); return how many. The hub stores idempotently, so a sample it
        does have costs a resend, never a duplicate."""
        first, count = self._db.execute(
            "SELECT MIN(seq), COUNT(*) FROM samples WHERE seq <= ? AND ts_ms > ?", (self._acked, after_ts_ms)
        ).fetchone()
        if not count:
            return 0
        acked = int(first) - 1
        self._db.execute("UPDATE meta SET value = ? WHERE key = 'acked_seq'", (acked,))
        # Rows between `first` and the old watermark collected before `after_ts_ms` (a clock
        # stepped back) are queued too: harmless, for the same reason.
        requeued = self._count_after(acked) - self._depth
        self._acked = acked
        self._depth += requeued
        self._kept -= requeued
        return int(requeued)

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
        meta = dict(db.execute("SELECT key, value FROM meta").fetchall())
        # A spool written before acked samples were kept has no acked_seq: every row is unacked.
        acked = int(meta.get("acked_seq", 0))
        depth = int(db.execute("SELECT COUNT(*) FROM samples WHERE seq > ?", (acked,)).fetchone()[0])
        return depth, int(meta.get("dropped_total", 0))
    finally:
        db.close()
