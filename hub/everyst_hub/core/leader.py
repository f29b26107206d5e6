"""Work that must be done once across hub replicas, not once per replica.

Each replica runs the same periodic loops (history expiry, scan schedules). On PostgreSQL the
replica that does a task's work is the one holding that task's advisory lock, taken with
`pg_try_advisory_lock` on a connection of its own and kept for as long as the process lives, so
the work is done once per period, not once per replica and period: a lock taken and released
around every round would only keep two replicas from running it at the same moment, and the
other would run it again half a period later. When that replica dies (even by SIGKILL) or loses
its connection, PostgreSQL ends its session, the lock is free, and the next replica to ask takes
the task over.

The embedded SQLite hub is one process: it always does the work, and no connection is opened.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import threading
from typing import Any

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

logger = logging.getLogger(__name__)


def lock_key(name: str) -> int:
    """The signed 64-bit advisory lock key of a name, the same in every replica."""
    digest = hashlib.blake2b(f"everyst:{name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def lock_until_commit(name: str) -> None:
    """Inside a transaction: wait for, then hold, `name`'s lock until the transaction ends, so that
    replicas doing the same step for the same thing (one machine enrolling twice) take turns. On
    PostgreSQL a transaction-scoped advisory lock; SQLite's transactions are IMMEDIATE, one writer
    at a time already."""
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [lock_key(name)])


class ReplicaLock:
    """Whether this replica is the one that does `name`'s work (see the module docstring).

    `held()` may be called from any thread; it costs one round trip on the lock's own
    connection (a `SELECT 1` while held, so a dead connection is noticed, else the try-lock)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.key = lock_key(name)
        self._guard = threading.Lock()
        self._connection: Any = None
        self._held = False

    @property
    def shared(self) -> bool:
        """True when other replicas may run against the same database (PostgreSQL)."""
        return bool(connections[DEFAULT_DB_ALIAS].vendor == "postgresql")

    def held(self) -> bool:
        if not self.shared:
            return True
        with self._guard:
            try:
                return self._check()
            except DatabaseError as exc:
                if self._held:
                    logger.warning("lost the %s lock (%s): another replica may take it over", self.name, exc)
                self._drop()
                return False

    def _check(self) -> bool:
        if self._connection is None:
            # Not the thread's own connection: that one is closed and reopened by Django (after
            # errors, CONN_MAX_AGE), which would release the lock under us.
            self._connection = connections.create_connection(DEFAULT_DB_ALIAS)
            self._connection.inc_thread_sharing()
        with self._connection.cursor() as cursor:
            if self._held:
                cursor.execute("SELECT 1")
                return True
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [self.key])
            self._held = bool(cursor.fetchone()[0])
            if self._held:
                # So that `pg_stat_activity` shows which replica does the work.
                cursor.execute("SELECT set_config('application_name', %s, false)", [self.label()])
                logger.info("this replica now does %s (pid %s)", self.name, os.getpid())
        return self._held

    def label(self) -> str:
        return f"everyst-hub {os.getpid()} {self.name}"

    def release(self) -> None:
        """Give the task up (at shutdown). Unlocked before the session is closed: a closed
        connection's lock is freed only once its server process has noticed."""
        with self._guard:
            if self._held and self._connection is not None:
                with contextlib.suppress(DatabaseError), self._connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [self.key])
            self._drop()

    def _drop(self) -> None:
        connection, self._connection, self._held = self._connection, None, False
        if connection is not None:
            with contextlib.suppress(DatabaseError):
                connection.close()
            connection.dec_thread_sharing()
