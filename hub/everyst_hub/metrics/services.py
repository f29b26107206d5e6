"""Storing and reading metric samples."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import transaction
from everyst.agent.v1 import agent_pb2

from everyst_hub.inventory.models import Host

from .codec import decode_sample, sample_to_dict
from .models import Sample

MAX_RANGE_SAMPLES = 3600


@dataclass(frozen=True)
class IncomingBatch:
    host_id: uuid.UUID
    batch: agent_pb2.MetricBatch


def store_batches(batches: Sequence[IncomingBatch]) -> dict[str, dict[str, Any]]:
    """Store many agents' batches in one transaction, idempotently.

    Returns the newest sample of each host in the JSON form, for live fan-out.
    """
    rows: list[Sample] = []
    newest: dict[uuid.UUID, agent_pb2.Sample] = {}
    dropped: dict[uuid.UUID, int] = {}
    for item in batches:
        for sample in item.batch.samples:
            rows.append(Sample(host_id=item.host_id, ts=sample.ts_ms, data=sample.SerializeToString()))
            best = newest.get(item.host_id)
            if best is None or sample.ts_ms > best.ts_ms:
                newest[item.host_id] = sample
        dropped[item.host_id] = max(dropped.get(item.host_id, 0), item.batch.dropped_total)
    if not rows and not dropped:
        return {}
    with transaction.atomic():
        Sample.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
        for host_id, sample in newest.items():
            seen = datetime.fromtimestamp(sample.ts_ms / 1000, tz=UTC)
            Host.objects.filter(id=host_id).update(last_seen=seen, dropped_samples=dropped[host_id])
    return {str(host_id): sample_to_dict(sample) for host_id, sample in newest.items()}


def latest_sample(host: Host) -> dict[str, Any] | None:
    row = Sample.objects.filter(host=host).order_by("-ts").only("data").first()
    return decode_sample(row.data) if row else None


def latest_samples(hosts: Sequence[Host]) -> dict[str, dict[str, Any]]:
    """Newest sample of each host: one indexed lookup per host on (host, ts), which stays fast
    however long the history is (a GROUP BY would scan it)."""
    result: dict[str, dict[str, Any]] = {}
    for host in hosts:
        sample = latest_sample(host)
        if sample is not None:
            result[str(host.id)] = sample
    return result


def sample_range(host: Host, since: int | None, until: int | None, limit: int) -> list[dict[str, Any]]:
    """Samples after `since` (exclusive) up to `until` (inclusive), oldest first."""
    query = Sample.objects.filter(host=host)
    if since is not None:
        query = query.filter(ts__gt=since)
    if until is not None:
        query = query.filter(ts__lte=until)
    limit = max(1, min(limit, MAX_RANGE_SAMPLES))
    if since is None:
        # Without a start the newest window is wanted, still returned oldest first.
        data = list(query.order_by("-ts").values_list("data", flat=True)[:limit])
        data.reverse()
    else:
        data = list(query.order_by("ts").values_list("data", flat=True)[:limit])
    return [decode_sample(d) for d in data]
