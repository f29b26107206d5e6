"""The history tables, keyed by their natural keys and stored once (squashes 0001-0004).

metrics_sample has the primary key (host_id, ts) and metrics_rollup (host_id, tier, ts), with no
other index: expiry deletes host by host on the key prefix. On SQLite metrics_rollup is a
WITHOUT ROWID table, whose primary-key b-tree holds the rows themselves (~210 B each: no rowid,
no second copy of the 32-character host id in a unique index). metrics_sample keeps its rowid
there: in a WITHOUT ROWID b-tree every record over ~1 KB (samples are 600 B to 2.7 KB of
protobuf) spills to an overflow page of its own and interior pages carry copies of whole records,
which measured +6 % per sample instead of -1 %. Django cannot create a WITHOUT ROWID table, so
create_rollup_table writes the table Django would, with that suffix on SQLite. PostgreSQL gets
ordinary tables.

Databases that applied the four migrations this one replaces (release 0.1.0 had all of them)
are already in this state; the last of them rebuilt the id-keyed tables into these.
"""

import django.db.models.deletion
from django.db import migrations, models


def create_rollup_table(apps, schema_editor):
    model = apps.get_model("metrics", "Rollup")
    if schema_editor.connection.vendor != "sqlite":
        schema_editor.create_model(model)
        return
    sql, params = schema_editor.table_sql(model)
    schema_editor.execute(f"{sql} WITHOUT ROWID", params or None)


def drop_rollup_table(apps, schema_editor):
    schema_editor.delete_model(apps.get_model("metrics", "Rollup"))


class Migration(migrations.Migration):

    replaces = [
        ("metrics", "0002_history_rollups"),
        ("metrics", "0003_expiry_indexes"),
        ("metrics", "0004_natural_primary_keys"),
    ]

    initial = True

    dependencies = [
        ("inventory", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="Sample",
            fields=[
                ("pk", models.CompositePrimaryKey("host", "ts", blank=True, editable=False, primary_key=True, serialize=False)),
                ("host", models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="inventory.host")),
                ("ts", models.BigIntegerField(help_text="collection time, unix milliseconds")),
                ("data", models.BinaryField()),
            ],
        ),
        # The model's state first, then its table from that state (RunPython gets the state
        # before it runs).
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Rollup",
                    fields=[
                        ("pk", models.CompositePrimaryKey("host", "tier", "ts", blank=True, editable=False, primary_key=True, serialize=False)),
                        ("host", models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="inventory.host")),
                        ("tier", models.PositiveSmallIntegerField()),
                        ("ts", models.BigIntegerField(help_text="bucket start, unix milliseconds")),
                        ("n", models.PositiveIntegerField()),
                        ("data", models.BinaryField()),
                    ],
                ),
            ],
        ),
        migrations.RunPython(create_rollup_table, drop_rollup_table),
    ]
