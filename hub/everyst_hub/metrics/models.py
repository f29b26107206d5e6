from __future__ import annotations

from django.db import models


class Sample(models.Model):
    """One collected sample, stored as the agent sent it (protobuf bytes: compact, exact).

    (host, ts) is unique: re-delivered batches are ignored, which makes ingest idempotent.
    """

    host = models.ForeignKey("inventory.Host", on_delete=models.CASCADE, related_name="+", db_index=False)
    ts = models.BigIntegerField(help_text="collection time, unix milliseconds")
    data = models.BinaryField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["host", "ts"], name="one_sample_per_host_ts")]
        # Expiry deletes by time across all hosts.
        indexes = [models.Index(fields=["ts"], name="sample_ts")]


class Rollup(models.Model):
    """Average and maximum of every series of one host over one bucket of a rollup tier.

    `data` is zlib-compressed JSON {"series": [avg, max], ...}; `n` is how many 1 Hz samples
    the bucket holds, so a gap shows as a missing bucket and a partial one as a small n.
    """

    host = models.ForeignKey("inventory.Host", on_delete=models.CASCADE, related_name="+", db_index=False)
    tier = models.PositiveSmallIntegerField()
    ts = models.BigIntegerField(help_text="bucket start, unix milliseconds")
    n = models.PositiveIntegerField()
    data = models.BinaryField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["host", "tier", "ts"], name="one_rollup_per_bucket")]
        # Expiry deletes by tier and time across all hosts; without it each expiry is a full scan.
        indexes = [models.Index(fields=["tier", "ts"], name="rollup_tier_ts")]
