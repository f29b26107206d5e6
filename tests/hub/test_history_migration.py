"""metrics 0001: the history tables are keyed by their natural keys and stored once (on SQLite the
rollups in a WITHOUT ROWID table, which the migration writes by hand), and unapplying and applying
it again makes the same tables."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

TABLES = ("metrics_sample", "metrics_rollup")


def migrate(targets: list[tuple[str, str | None]]) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


def shape(table: str) -> dict[str, Any]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
        columns = sorted(c.name for c in connection.introspection.get_table_description(cursor, table))
        without_rowid = None
        if connection.vendor == "sqlite":
            cursor.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = %s", [table])
            without_rowid = cursor.fetchone()[0].rstrip().upper().endswith("WITHOUT ROWID")
    return {
        "columns": columns,
        "primary": [c["columns"] for c in constraints.values() if c["primary_key"]],
        "foreign": [(c["columns"], c["foreign_key"]) for c in constraints.values() if c["foreign_key"]],
        # Indexes besides the primary key's (SQLite lists a WITHOUT ROWID table's key as one).
        "indexes": sorted(
            name for name, c in constraints.items() if c["index"] and not c["primary_key"] and c["columns"]
        ),
        "without_rowid": without_rowid,
    }


def test_the_history_tables_are_keyed_by_host_and_time_and_made_again_the_same():
    from everyst_hub.inventory.models import Host
    from everyst_hub.metrics.models import Rollup, Sample

    made = {table: shape(table) for table in TABLES}
    sample, rollup = made["metrics_sample"], made["metrics_rollup"]
    assert sample["primary"] == [["host_id", "ts"]] and rollup["primary"] == [["host_id", "tier", "ts"]]
    assert sample["columns"] == ["data", "host_id", "ts"]
    assert rollup["columns"] == ["data", "host_id", "n", "tier", "ts"]
    for table in made.values():
        assert table["foreign"] == [(["host_id"], ("inventory_host", "id"))]
        assert table["indexes"] == []  # expiry deletes host by host on the key prefix
    if connection.vendor == "sqlite":
        # Rollup rows live in the key's b-tree; samples (~1 KB) keep their rowid.
        assert (rollup["without_rowid"], sample["without_rowid"]) == (True, False)

    latest = MigrationExecutor(connection).loader.graph.leaf_nodes("metrics")
    try:
        migrate([("metrics", None)])
        assert not set(TABLES) & set(connection.introspection.table_names())
    finally:
        migrate(latest)
    assert {table: shape(table) for table in TABLES} == made

    host = Host.objects.create(hostname="history", machine_id="c" * 32)
    Sample.objects.create(host=host, ts=1000, data=b"s")
    Rollup.objects.create(host=host, tier=1, ts=0, n=15, data=b"r")
    with pytest.raises(IntegrityError), transaction.atomic():
        Rollup.objects.create(host=host, tier=1, ts=0, n=16, data=b"again")  # one row per key
    assert Rollup.objects.get(host=host, tier=1, ts=0).n == 15
    Host.objects.filter(pk=host.pk).delete()  # the rows go with their host
    assert not Sample.objects.exists() and not Rollup.objects.exists()
