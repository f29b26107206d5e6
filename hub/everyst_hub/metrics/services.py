"""Storing and reading metric samples."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, NamedTuple

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models.constants import OnConflict
from everyst.agent.v1 import agent_pb2

from everyst_hub.inventory.models import Host

from . import latest
from .codec import decode_sample, sample_to_dict
from .models import Sample

MAX_RANGE_SAMPLES = 3600


class IncomingBatch(NamedTuple):
    """One agent's batch, as ingest queues it for storage (a named tuple: one is made for every
    message received, and it costs half of what a frozen dataclass did to make)."""

    host_id: uuid.UUID
    batch: agent_pb2.MetricBatch


def _insert_sql(connection: Any) -> str:
    """INSERT … ignoring (host, ts) conflicts, in the connection's dialect (what bulk_create
    with ignore_conflicts emits, without building a model instance per row)."""
    ops = connection.ops
    qn = ops.quote_name
    meta = Sample._meta
    columns = [meta.get_field(name).column for name in ("host", "ts", "data")]
    fields = [meta.get_field(name) for name in ("host", "ts")]
    suffix = ops.on_conflict_suffix_sql(fields, OnConflict.IGNORE, None, None)
    return (
        f"{ops.insert_statement(on_conflict=OnConflict.IGNORE)} {qn(meta.db_table)} "
        f"({', '.join(qn(c) for c in columns)}) VALUES (%s, %s, %s) {suffix}"
    ).strip()


def _update_sql(connection: Any) -> str:
    qn = connection.ops.quote_name
    meta = Host._meta
    return (
        f"UPDATE {qn(meta.db_table)} SET {qn(meta.get_field('last_seen').column)} = %s, "
        f"{qn(meta.get_field('dropped_samples').column)} = %s WHERE {qn(meta.pk.column)} = %s"
    )


def store_samples(batches: Sequence[IncomingBatch]) -> dict[uuid.UUID, agent_pb2.Sample]:
    """Store many agents' batches in one transaction, idempotently on (host, ts).

    Returns the newest sample of each host (protobuf), for live fan-out. Rows go through one
    executemany per table: the ORM's per-row model instances and per-host UPDATE queries were
    the largest cost of ingest.
    """
    connection = connections[DEFAULT_DB_ALIAS]  # once: the proxy costs a thread-local lookup
    host_pk = Host._meta.pk
    rows: list[tuple[Any, int, Any]] = []
    newest: dict[uuid.UUID, agent_pb2.Sample] = {}
    dropped: dict[uuid.UUID, int] = {}
    prepared: dict[uuid.UUID, Any] = {}
    for item in batches:
        host_id = item.host_id
        key = prepared.get(host_id)
        if key is None:
            key = prepared[host_id] = host_pk.get_db_prep_value(host_id, connection)
        best = newest.get(host_id)
        for sample in item.batch.samples:
            # bytes bind as a BLOB / bytea in every backend Django supports
            rows.append((key, sample.ts_ms, sample.SerializeToString()))
            if best is None or sample.ts_ms > best.ts_ms:
                best = sample
        if best is not None:
            newest[host_id] = best
        dropped[host_id] = max(dropped.get(host_id, 0), item.batch.dropped_total)
    if not rows and not dropped:
        return {}
    # The backend's own adaptation of an aware datetime (what the field's get_db_prep_value
    # ends in, without its checks of what is already a valid aware datetime).
    adapt = connection.ops.adapt_datetimefield_value
    updates = []
    for host_id, sample in newest.items():
        seen = datetime.fromtimestamp(sample.ts_ms / 1000, tz=UTC)
        updates.append((adapt(seen), dropped[host_id], prepared[host_id]))
    with transaction.atomic(), connection.cursor() as cursor:
        if rows:
            cursor.executemany(_insert_sql(connection), rows)
        if updates:
            cursor.executemany(_update_sql(connection), updates)
    latest.remember(newest)
    return newest


def store_batches(batches: Sequence[IncomingBatch]) -> dict[str, dict[str, Any]]:
    """store_samples, returning the newest sample of each host in the JSON form."""
    return {str(host_id): sample_to_dict(sample) for host_id, sample in store_samples(batches).items()}


def stored_through(host_id: uuid.UUID) -> int:
    """Collection time of the host's newest stored sample (0: none), one seek on the (host, ts) key.
    Told to the agent on connect, which sends again what it still keeps from after it."""
    ts = Sample.objects.filter(host_id=host_id).order_by("-ts").values_list("ts", flat=True).first()
    return int(ts or 0)


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
