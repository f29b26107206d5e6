"""The hub writes from several threads at once (the storage thread, alert delivery, the compactor):
on SQLite a writer waits for another's transaction instead of failing, in tests as in production."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, connections, transaction
from everyst_hub.audit.models import AuditEvent


def _write(label: str, hold: float, started: threading.Event | None, errors: list[BaseException]) -> None:
    try:
        with transaction.atomic():
            AuditEvent.objects.create(action=label, target_name=label)
            if started is not None:
                started.set()
            time.sleep(hold)
    except BaseException as exc:  # noqa: BLE001 (reported to the test thread)
        errors.append(exc)
    finally:
        connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_a_writer_waits_for_another_threads_transaction_instead_of_failing_with_a_locked_table() -> None:
    errors: list[BaseException] = []
    holding = threading.Event()
    first = threading.Thread(target=_write, args=("first", 0.4, holding, errors))
    first.start()
    assert holding.wait(5), "the first writer never got its transaction"
    second = threading.Thread(target=_write, args=("second", 0.0, None, errors))
    second.start()
    first.join(10)
    second.join(10)
    assert not errors, f"a concurrent writer failed: {errors[0]!r}"
    assert sorted(AuditEvent.objects.values_list("action", flat=True)) == ["first", "second"]


@pytest.mark.django_db
def test_the_test_database_is_a_file_with_the_production_pragmas() -> None:
    """An in-memory shared-cache database answers contention with 'database table is locked' at
    once, where the hub's file database waits (busy_timeout): tests must run what production runs."""
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only: this run uses another database")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"
        cursor.execute("PRAGMA busy_timeout")
        assert cursor.fetchone()[0] >= 1000
