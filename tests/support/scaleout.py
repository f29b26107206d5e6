"""What every scale-out test needs: a PostgreSQL database of its own and a Redis database, or a
skip that says which of them is not running."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

PG = ("127.0.0.1", 5432)
REDIS = ("127.0.0.1", 6379)
_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def reachable(address: tuple[str, int]) -> bool:
    try:
        with socket.create_connection(address, timeout=1):
            return True
    except OSError:
        return False


@contextmanager
def fresh_database(prefix: str) -> Iterator[str]:
    """A new, empty PostgreSQL database for the test's hubs, dropped afterwards."""
    if not reachable(PG):
        pytest.skip("PostgreSQL is not running on 127.0.0.1:5432: scale-out test skipped")
    import psycopg

    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgres://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def redis_database(number: int) -> str:
    if not reachable(REDIS):
        pytest.skip("Redis is not running on 127.0.0.1:6379: scale-out test skipped")
    return f"redis://127.0.0.1:6379/{number}"
