"""Key metrics_sample by (host_id, ts) and metrics_rollup by (host_id, tier, ts), stored once.

Before: an id column, the 32-character host id in the row and again in the unique index, and
an index on time for expiry (~117 B per rollup row of overhead on SQLite). After: a composite
primary key and no other index (expiry deletes host by host on the key prefix). On SQLite
metrics_rollup is a WITHOUT ROWID table, whose primary-key b-tree holds the rows themselves;
metrics_sample keeps its rowid (see SQLITE_SUFFIX). SQLite cannot change a table's primary
key and Django cannot create a WITHOUT ROWID table, so each table is rebuilt with SQL: create
the new table, copy the rows, drop the old one, rename. The copy needs as much free disk as
the tables take and runs in the migration's transaction.

Model state follows with the operations `makemigrations` generates for the new models.
"""

from django.db import migrations, models

# Column definitions exactly as Django's schema editor writes them for the new models
# (checked with schema_editor(collect_sql=True).create_model on both backends).
SQLITE = {
    "metrics_sample": (
        '"host_id" char(32) NOT NULL REFERENCES "inventory_host" ("id") DEFERRABLE INITIALLY DEFERRED, '
        '"ts" bigint NOT NULL, "data" BLOB NOT NULL, PRIMARY KEY ("host_id", "ts")'
    ),
    "metrics_rollup": (
        '"host_id" char(32) NOT NULL REFERENCES "inventory_host" ("id") DEFERRABLE INITIALLY DEFERRED, '
        '"tier" smallint unsigned NOT NULL CHECK ("tier" >= 0), "ts" bigint NOT NULL, '
        '"n" integer unsigned NOT NULL CHECK ("n" >= 0), "data" BLOB NOT NULL, '
        'PRIMARY KEY ("host_id", "tier", "ts")'
    ),
}
# Rollup rows (~210 B) live in the primary-key b-tree itself. Samples (600 B to 2.7 KB of
# protobuf) keep a rowid: in a WITHOUT ROWID b-tree every record over ~1 KB (a 4 KB page's
# local payload limit there) spills to an overflow page of its own, and interior pages carry
# copies of whole records; that measured +6 % per sample instead of -1 %. Their key index
# (host_id, ts, rowid) is small next to the row.
SQLITE_SUFFIX = {"metrics_sample": "", "metrics_rollup": " WITHOUT ROWID"}
POSTGRESQL = {
    "metrics_sample": '"host_id" uuid NOT NULL, "ts" bigint NOT NULL, "data" bytea NOT NULL',
    "metrics_rollup": (
        '"host_id" uuid NOT NULL, "tier" smallint NOT NULL CHECK ("tier" >= 0), "ts" bigint NOT NULL, '
        '"n" integer NOT NULL CHECK ("n" >= 0), "data" bytea NOT NULL'
    ),
}
CHECKED = {"metrics_rollup": ("tier", "n")}  # PositiveIntegerField's CHECK (column >= 0)
KEYS = {"metrics_sample": ("host_id", "ts"), "metrics_rollup": ("host_id", "tier", "ts")}
COLUMNS = {"metrics_sample": ("host_id", "ts", "data"), "metrics_rollup": ("host_id", "tier", "ts", "n", "data")}
# Django's name for each foreign key constraint (the same before and after: it only depends on
# the table and column names).
FOREIGN_KEYS = {
    "metrics_sample": "metrics_sample_host_id_a7875f2d_fk_inventory_host_id",
    "metrics_rollup": "metrics_rollup_host_id_86e55793_fk_inventory_host_id",
}


def _columns(table):
    return ", ".join(f'"{c}"' for c in COLUMNS[table])


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor not in ("sqlite", "postgresql"):
        raise RuntimeError(f"metrics 0004 supports SQLite and PostgreSQL, not {vendor}")
    for table in ("metrics_sample", "metrics_rollup"):
        new = f"{table}_new"
        if vendor == "sqlite":
            schema_editor.execute(f'CREATE TABLE "{new}" ({SQLITE[table]}){SQLITE_SUFFIX[table]}')
        else:
            key = ", ".join(f'"{c}"' for c in KEYS[table])
            # Named {new}_pkey while the old table holds {table}_pkey; renamed below.
            schema_editor.execute(f'CREATE TABLE "{new}" ({POSTGRESQL[table]}, PRIMARY KEY ({key}))')
        # The old tables' unique constraints guarantee one row per key. Read in storage order
        # (insertion order: time, hosts interleaved), as ingest and the compactor write.
        schema_editor.execute(
            f'INSERT INTO "{new}" ({_columns(table)}) SELECT {_columns(table)} FROM "{table}"'
        )
        schema_editor.execute(f'DROP TABLE "{table}"')
        schema_editor.execute(f'ALTER TABLE "{new}" RENAME TO "{table}"')
        if vendor == "postgresql":
            # PostgreSQL named the constraints after the new table; give them Django's names.
            for suffix in ("pkey", *(f"{column}_check" for column in CHECKED.get(table, ()))):
                schema_editor.execute(
                    f'ALTER TABLE "{table}" RENAME CONSTRAINT "{new}_{suffix}" TO "{table}_{suffix}"'
                )
            schema_editor.execute(
                f'ALTER TABLE "{table}" ADD CONSTRAINT "{FOREIGN_KEYS[table]}" FOREIGN KEY ("host_id") '
                'REFERENCES "inventory_host" ("id") DEFERRABLE INITIALLY DEFERRED'
            )


def backwards(apps, schema_editor):
    """Back to id-keyed tables with a unique constraint and an index on time (0003's shape),
    created by Django from the old model state (`apps` is the state before this migration)."""
    vendor = schema_editor.connection.vendor
    for table, name in (("metrics_sample", "Sample"), ("metrics_rollup", "Rollup")):
        old = f"{table}_keyed"
        schema_editor.execute(f'ALTER TABLE "{table}" RENAME TO "{old}"')
        if vendor == "postgresql":
            schema_editor.execute(f'ALTER TABLE "{old}" RENAME CONSTRAINT "{table}_pkey" TO "{old}_pkey"')
            schema_editor.execute(f'ALTER TABLE "{old}" DROP CONSTRAINT "{FOREIGN_KEYS[table]}"')
        schema_editor.create_model(apps.get_model("metrics", name))
        schema_editor.execute(
            f'INSERT INTO "{table}" ({_columns(table)}) SELECT {_columns(table)} FROM "{old}" '
            f'ORDER BY "ts", "host_id"'
        )
        schema_editor.execute(f'DROP TABLE "{old}"')


class Migration(migrations.Migration):

    dependencies = [
        ("inventory", "0001_initial"),
        ("metrics", "0003_expiry_indexes"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(forwards, backwards)],
            state_operations=[
                migrations.RemoveConstraint(model_name="rollup", name="one_rollup_per_bucket"),
                migrations.RemoveConstraint(model_name="sample", name="one_sample_per_host_ts"),
                migrations.RemoveIndex(model_name="rollup", name="rollup_tier_ts"),
                migrations.RemoveIndex(model_name="sample", name="sample_ts"),
                migrations.RemoveField(model_name="rollup", name="id"),
                migrations.RemoveField(model_name="sample", name="id"),
                migrations.AddField(
                    model_name="rollup",
                    name="pk",
                    field=models.CompositePrimaryKey(
                        "host", "tier", "ts", blank=True, editable=False, primary_key=True, serialize=False
                    ),
                ),
                migrations.AddField(
                    model_name="sample",
                    name="pk",
                    field=models.CompositePrimaryKey(
                        "host", "ts", blank=True, editable=False, primary_key=True, serialize=False
                    ),
                ),
            ],
        ),
    ]
