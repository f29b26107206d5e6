from __future__ import annotations

from django.db import models

# Both tables are keyed by their natural key, with no other index: expiry deletes host by host
# on the key prefix (compactor.expire), so there is no index on time. On SQLite the rollup
# table is a WITHOUT ROWID table (its rows live in the primary-key b-tree: no rowid, no second
# copy of the key in a unique index); the sample table keeps its rowid, its ~1 KB rows being
# too large for that (see migration 0001). Django cannot create a WITHOUT ROWID table, so
# migration 0001 does: a later migration that makes Django remake metrics_rollup on SQLite
# (altering a column) must keep WITHOUT ROWID by hand the same way.


class Sample(models.Model):
    """One collected sample, stored as the agent sent it (protobuf bytes: compact, exact).

    (host, ts) is the primary key: re-delivered batches are ignored, which makes ingest
    idempotent.
    """

    pk = models.CompositePrimaryKey("host", "ts")
    host = models.ForeignKey("inventory.Host", on_delete=models.CASCADE, related_name="+", db_index=False)
    ts = models.BigIntegerField(help_text="collection time, unix milliseconds")
    data = models.BinaryField()


class Rollup(models.Model):
    """Average and maximum of every series of one host over one bucket of a rollup tier.

    `data` is zlib-compressed JSON {"series": [avg, max], ...}; `n` is how many 1 Hz samples
    the bucket holds, so a gap shows as a missing bucket and a partial one as a small n.
    (host, tier, ts) is the primary key.
    """

    pk = models.CompositePrimaryKey("host", "tier", "ts")
    host = models.ForeignKey("inventory.Host", on_delete=models.CASCADE, related_name="+", db_index=False)
    tier = models.PositiveSmallIntegerField()
    ts = models.BigIntegerField(help_text="bucket start, unix milliseconds")
    n = models.PositiveIntegerField()
    data = models.BinaryField()
