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
