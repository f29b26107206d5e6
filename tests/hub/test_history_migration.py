"""metrics 0004: existing samples and rollups survive the move to primary-key-only tables, and back."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("metrics", "0003_expiry_indexes")]
AFTER = [("metrics", "0004_natural_primary_keys")]


def migrate(targets: list[tuple[str, str]]) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


def rows(table: str, columns: str) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM {table} ORDER BY {columns}")
        return [tuple(bytes(v) if isinstance(v, memoryview) else v for v in row) for row in cursor.fetchall()]


def test_rows_are_copied_forwards_and_backwards():
    from everyst_hub.inventory.models import Host

    host = Host.objects.create(hostname="migrated", machine_id="c" * 32)
    latest = connection.introspection.table_names()
    assert "metrics_rollup" in latest
    try:
        migrate(BEFORE)
        key = host.id.hex if connection.vendor == "sqlite" else host.id
        with connection.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO metrics_sample (host_id, ts, data) VALUES (%s, %s, %s)",
                [(key, ts, bytes([ts % 256]) * 3) for ts in (3000, 1000, 2000)],
            )
            cursor.executemany(
                "INSERT INTO metrics_rollup (host_id, tier, ts, n, data) VALUES (%s, %s, %s, %s, %s)",
                [(key, tier, ts, 15, b"x" * tier) for tier in (1, 2, 3) for ts in (0, 60_000)],
            )
        samples = rows("metrics_sample", "host_id, ts, data")
        rollups = rows("metrics_rollup", "host_id, tier, ts, n, data")
        assert len(samples) == 3 and len(rollups) == 6

        migrate(AFTER)
        assert rows("metrics_sample", "host_id, ts, data") == samples
        assert rows("metrics_rollup", "host_id, tier, ts, n, data") == rollups
        from everyst_hub.metrics.models import Rollup, Sample

        assert Sample.objects.filter(host=host, ts__lt=2500).count() == 2
        assert Rollup.objects.get(host=host, tier=3, ts=60_000).data == b"xxx"
        # The foreign key to the host still holds, and still cascades through the ORM.
        constraints = connection.introspection.get_constraints(connection.cursor(), "metrics_rollup")
        assert any(c["foreign_key"] == ("inventory_host", "id") for c in constraints.values())
        assert [c["columns"] for c in constraints.values() if c["primary_key"]] == [["host_id", "tier", "ts"]]

        migrate(BEFORE)
        assert rows("metrics_sample", "host_id, ts, data") == samples
        assert rows("metrics_rollup", "host_id, tier, ts, n, data") == rollups
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(DISTINCT id) FROM metrics_rollup")
            assert cursor.fetchone()[0] == 6
    finally:
        migrate(AFTER)
    Host.objects.filter(pk=host.pk).delete()
    from everyst_hub.metrics.models import Rollup, Sample

    assert not Sample.objects.exists() and not Rollup.objects.exists()
