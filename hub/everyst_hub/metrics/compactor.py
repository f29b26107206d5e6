"""Compaction and expiry of metric history, inside the hub process.

Ingest marks the raw-tier buckets its samples fall in as dirty; every few seconds the
compactor (re)computes the closed dirty buckets of each tier from the tier below (the first
from 1 Hz samples), marks the parent buckets dirty, and expires what is past retention. Late
data — an agent's backlog after an outage — just dirties old buckets again, which are then
recomputed in full, so rollups never count a sample twice. It runs in its own thread with
its own database connection and short transactions, so it never blocks ingest.

Every tier is also summed as it goes, so a closed bucket usually needs no re-reading and
re-decoding of what it is built from: raw-tier buckets from the samples as they are stored
(`add`, from the already decoded samples), minute and hour buckets from their children's
results as those are rolled. A running sum is used when the database holds exactly the samples
(or child rows) it counted (one COUNT per host), and the bucket is recomputed from the database
otherwise (after a restart, with another replica storing part of the bucket, after the bucket
was already rolled, or when a child was rolled twice). Without this, the minute round decoded
every 15 s row of every host again: seconds of one core with a thousand hosts, each minute.

With several replicas (PostgreSQL), each rolls the buckets of the samples it stored, so a host's
bucket can be dirty in two of them (its agent moved mid-bucket, a replica restarted and
recovered every host's recent buckets). A bucket is written once: rolling a host takes that
host's advisory lock for the transaction, and a bucket whose stored row already counts as many
samples as were just summed is left as it is (a host's samples are stored once each, so the
same count means the same samples). Expiry runs on one replica only (`core.leader`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
import uuid
from array import array
from collections import defaultdict
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, close_old_connections, connections, transaction
from django.db.models import F
from django.db.models.constants import OnConflict
from everyst.agent.v1 import agent_pb2

from everyst_hub.core.leader import ReplicaLock, lock_key
from everyst_hub.core.outages import LoopHealth

from .models import Rollup, Sample
from .rollup import Accumulator, AggSeries, Shape, columns, decode, encode
from .tiers import Tier, bucket, recent_tier, rollup_tiers

logger = logging.getLogger(__name__)

# A raw bucket waits this long after it ends before it is rolled, so samples of its last
# seconds still queued for storage (ingest under load) are included the first time.
CLOSE_GRACE_MS = 5_000
RECOVERY_WINDOW_MS = 10 * 60_000
# A round rolls this many hosts per transaction, and pauses between them (see `_roll`).
ROLL_CHUNK_HOSTS = 100
ROLL_PAUSE_SECONDS = 0.02


def _now_ms() -> int:
    return int(time.time() * 1000)


# (host, bucket start, count, {series: [average, maximum]}): one rolled bucket.
_Result = tuple[uuid.UUID, int, int, AggSeries]


class _Partial(Accumulator):
    """The running sums of one open bucket, and which parts (samples, or rolled child buckets)
    they hold. A raw bucket keeps its samples' values (`columns`, 8 bytes each) until it is
    rolled, and sums them a column at a time then: summing each sample's series into dicts as
    it was stored cost ingest's thread more than storing it."""

    __slots__ = ("parts", "rows")

    def __init__(self) -> None:
        super().__init__()
        self.parts: set[int] = set()
        self.rows: dict[Shape, list[array[float]]] = {}

    def add_once(self, ts: int, shape: Shape, values: list[float]) -> None:
        """Add the sample of this timestamp, unless it was added already (a re-delivered sample
        is stored once, so it counts once)."""
        if ts not in self.parts:
            self.parts.add(ts)
            rows = self.rows.get(shape)
            if rows is None:
                rows = self.rows[shape] = []
            rows.append(array("d", values))

    def result(self) -> tuple[int, AggSeries]:
        for shape, rows in self.rows.items():
            self.add_rows(shape, rows)
        self.rows = {}
        return super().result()

    def add_rollup(self, ts: int, n: int, series: AggSeries) -> bool:
        """Add one child bucket's result; False if that child was already added (it was rolled
        again: its first result cannot be taken out of the sums)."""
        if ts in self.parts:
            return False
        self.parts.add(ts)
        self.add(n, series)
        return True


class Compactor:
    def __init__(self) -> None:
        self.tiers = rollup_tiers()
        self.dirty: dict[int, set[tuple[uuid.UUID, int]]] = {t.id: set() for t in self.tiers}
        # Running sums of open buckets, per tier (see the module docstring).
        self.partials: dict[int, dict[tuple[uuid.UUID, int], _Partial]] = {t.id: {} for t in self.tiers}
        # mark/add run in ingest's thread, compact_once in the compactor's.
        self._lock = threading.Lock()
        self._last_expiry = 0.0
        # Set by start(), in a running hub: without it (tests, benchmarks) this process expires.
        self._expiry_lock: ReplicaLock | None = None
        self._task: asyncio.Task[None] | None = None
        # Its own thread and database connection (see the module docstring).
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="metrics-compactor")

    def mark(self, host_id: uuid.UUID, timestamps: Iterable[int]) -> None:
        """Samples of these timestamps were stored: their raw buckets are recomputed from the
        database when they close."""
        first = self.tiers[0]
        keys = [(host_id, bucket(ts, first.step_ms)) for ts in timestamps]
        with self._lock:
            self.dirty[first.id].update(keys)

    def add(self, host_id: uuid.UUID, samples: Iterable[agent_pb2.Sample], now_ms: int | None = None) -> None:
        """Like mark, for samples just committed, also summing them into their raw bucket
        unless it may already be rolled (late data is recomputed from the database)."""
        self.add_many([(host_id, samples)], now_ms)

    def add_many(
        self,
        stored: Iterable[tuple[uuid.UUID, Iterable[agent_pb2.Sample]]],
        now_ms: int | None = None,
    ) -> None:
        """`add` for many hosts' samples (a flush of the ingest writer), under one lock."""
        first = self.tiers[0]
        step = first.step_ms
        # Buckets starting at or before this may be rolled already.
        closed = (now_ms if now_ms is not None else _now_ms()) - step - CLOSE_GRACE_MS
        with self._lock:
            dirty, partials = self.dirty[first.id], self.partials[first.id]
            for host_id, samples in stored:
                for sample in samples:
                    ts = sample.ts_ms
                    key = (host_id, ts - ts % step)
                    dirty.add(key)
                    if key[1] <= closed:
                        continue
                    partial = partials.get(key)
                    if partial is None:
                        partial = partials[key] = _Partial()
                    partial.add_once(ts, *columns(sample))

    def start(self) -> None:
        self._expiry_lock = ReplicaLock("metrics-expiry")
        self._task = asyncio.get_running_loop().create_task(self._run(), name="metrics-compactor")

    async def stop(self) -> None:
        """Stop, after the round in progress (if any) is done: its thread cannot be cancelled."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        # Queued behind that round: the thread's own connection is closed, then the thread ends.
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._executor, connections.close_all)
        if self._expiry_lock is not None:
            await loop.run_in_executor(self._executor, self._expiry_lock.release)
        self._executor.shutdown(wait=True)

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._executor, self.recover)
        health = LoopHealth("metrics compaction", logger)
        while True:
            await asyncio.sleep(settings.METRICS_COMPACT_SECONDS)
            try:
                await loop.run_in_executor(self._executor, self.compact_once)
            except Exception as exc:  # a failed round is retried on the next one; ingest goes on
                health.failed(exc)
            else:
                health.succeeded()

    def recover(self) -> None:
        """After a restart, re-dirty the buckets of recent samples: what was stored just before
        a crash may not have been rolled up yet."""
        _refresh_connection()
        since = _now_ms() - RECOVERY_WINDOW_MS
        step = self.tiers[0].step_ms
        for host_id in _host_ids(Sample):  # host by host: a range on the primary key, not a scan
            starts = (
                Sample.objects.filter(host_id=host_id, ts__gte=since)
                .annotate(b=F("ts") - F("ts") % step)
                .values_list("b", flat=True)
                .distinct()
            )
            found = {(host_id, start) for start in starts}
            with self._lock:
                self.dirty[self.tiers[0].id] |= found

    def compact_once(self, now_ms: int | None = None) -> int:
        """One round: roll every closed dirty bucket, then expire. Returns buckets written.

        A bucket of any tier closes CLOSE_GRACE_MS after it ends: by then its last raw child
        has been rolled (in this round at the latest, tiers go finest first), so it is rolled
        once, complete, rather than early from part of its children and again later."""
        _refresh_connection()
        now_ms = now_ms if now_ms is not None else _now_ms()
        written = 0
        for index, tier in enumerate(self.tiers):
            with self._lock:
                closed = now_ms - tier.step_ms - CLOSE_GRACE_MS  # buckets starting by then
                ready = {item for item in self.dirty[tier.id] if item[1] <= closed}
                if not ready:
                    continue
                self.dirty[tier.id] -= ready
                open_partials = self.partials[tier.id]
                partials = {key: open_partials.pop(key) for key in ready if key in open_partials}
            source = self.tiers[index - 1] if index else None
            try:
                results, stored = self._roll(tier, source, ready, partials)
            except Exception:
                with self._lock:
                    self.dirty[tier.id] |= ready
                raise
            written += stored
            if index + 1 < len(self.tiers):
                self._feed(self.tiers[index + 1], ready, results)
        if time.monotonic() - self._last_expiry >= settings.METRICS_EXPIRE_SECONDS:
            if self._expiry_lock is None or self._expiry_lock.held():
                self.expire(now_ms)
            self._last_expiry = time.monotonic()
        return written

    def _feed(self, parent: Tier, ready: set[tuple[uuid.UUID, int]], results: list[_Result]) -> None:
        """Mark the parents of rolled buckets dirty and sum the results into them."""
        step = parent.step_ms
        with self._lock:
            self.dirty[parent.id].update((host_id, bucket(start, step)) for host_id, start in ready)
            partials = self.partials[parent.id]
            for host_id, start, n, series in results:
                key = (host_id, bucket(start, step))
                partial = partials.get(key)
                if partial is None:
                    partial = partials[key] = _Partial()
                if not partial.add_rollup(start, n, series):
                    del partials[key]  # a child rolled again: the parent is recomputed from the database

    def _roll(
        self,
        tier: Tier,
        source: Tier | None,
        ready: set[tuple[uuid.UUID, int]],
        partials: dict[tuple[uuid.UUID, int], _Partial],
    ) -> tuple[list[_Result], int]:
        """Compute and store the ready buckets of a tier (from their running sums where those
        are complete, else from the tier below); return what was computed, and how many rows
        were written (a row already up to date is not).

        Hosts go in chunks, each stored in its own transaction, with a pause between chunks:
        a round over a thousand hosts otherwise held the GIL and the database's write lock for
        a quarter of a second at a time, and the live frames of those seconds waited for it."""
        by_host: dict[uuid.UUID, list[int]] = defaultdict(list)
        for host_id, start in ready:
            by_host[host_id].append(start)
        hosts = list(by_host.items())
        results: list[_Result] = []
        written = 0
        for offset in range(0, len(hosts), ROLL_CHUNK_HOSTS):
            if offset:
                time.sleep(ROLL_PAUSE_SECONDS)
            chunk: list[_Result] = []
            part = hosts[offset : offset + ROLL_CHUNK_HOSTS]
            with _hosts_locked([host_id for host_id, _ in part]):
                # What the database holds below the buckets with running sums, for the chunk at once.
                stored = _rows_per_bucket(
                    tier.step_ms,
                    source,
                    {host_id: [s for s in starts if (host_id, s) in partials] for host_id, starts in part},
                )
                for host_id, starts in part:
                    self._compute(tier, source, host_id, starts, partials, stored, chunk)
                written += self._store(tier, chunk)
            results += chunk
        return results, written

    def _compute(
        self,
        tier: Tier,
        source: Tier | None,
        host_id: uuid.UUID,
        starts: list[int],
        partials: dict[tuple[uuid.UUID, int], _Partial],
        stored: dict[tuple[uuid.UUID, int], int],
        results: list[_Result],
    ) -> None:
        # Buckets whose running sums cover exactly what the database holds below them (samples,
        # or rows of the source tier: `stored`) are taken from those sums; the rest are computed
        # below.
        summed = [start for start in starts if (host_id, start) in partials]
        if summed:
            starts = [start for start in starts if start not in summed]
            for start in summed:
                partial = partials[(host_id, start)]
                if len(partial.parts) == stored.get((host_id, start), 0):
                    results.append((host_id, start, *partial.result()))
                else:
                    starts.append(start)
            if not starts:
                return
        lo, hi = min(starts), max(starts) + tier.step_ms
        sums: dict[int, Accumulator] = defaultdict(Accumulator)
        if source is None:
            rows: dict[int, dict[Shape, list[list[float]]]] = defaultdict(lambda: defaultdict(list))
            for ts, data in Sample.objects.filter(host_id=host_id, ts__gte=lo, ts__lt=hi).values_list(
                "ts", "data"
            ):
                sample = agent_pb2.Sample()
                sample.ParseFromString(bytes(data))
                shape, values = columns(sample)
                rows[bucket(ts, tier.step_ms)][shape].append(values)
            for start, shapes in rows.items():
                for shape, values_of in shapes.items():
                    sums[start].add_rows(shape, values_of)
        else:
            for ts, n, data in Rollup.objects.filter(
                host_id=host_id, tier=source.id, ts__gte=lo, ts__lt=hi
            ).values_list("ts", "n", "data"):
                sums[bucket(ts, tier.step_ms)].add(n, decode(data))
        for start in starts:
            if start in sums:
                results.append((host_id, start, *sums[start].result()))

    def _store(self, tier: Tier, results: list[_Result]) -> int:
        """Write the results but those whose row already holds the same count; return how many
        were written."""
        current = _stored_counts(tier, results)
        connection = connections[DEFAULT_DB_ALIAS]
        host_field = Rollup._meta.get_field("host").target_field
        rows = [
            (host_field.get_db_prep_value(host_id, connection), tier.id, start, n, encode(series))
            for host_id, start, n, series in results
            if current.get((host_id, start)) != n
        ]
        if not rows:
            return 0
        # One executemany (what bulk_create with update_conflicts emits, without a model
        # instance per row); bytes bind as a BLOB / bytea in every backend Django supports.
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(_upsert_sql(connection), rows)
        return len(rows)

    def expire(self, now_ms: int) -> None:
        """Delete what is past each tier's retention, host by host: every statement is a range
        on its table's primary key (host, [tier,] ts), so no index on time is needed. The
        statements run as one executemany per table and chunk of hosts (the loop is in the
        database driver, which releases the GIL while SQLite works: an ORM query per host held
        ingest's event loop up for a second or more with a thousand hosts), and each chunk is its
        own short transaction, so ingest never waits long for the write lock."""
        connection = connections[DEFAULT_DB_ALIAS]
        sample_before = now_ms - recent_tier().retention_ms
        for chunk in _chunks(_host_keys(connection, Sample), EXPIRE_CHUNK):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.executemany(_expire_sql(connection, Sample), [(key, sample_before) for key in chunk])
        rollup_before = [(tier.id, now_ms - tier.retention_ms) for tier in self.tiers]
        for chunk in _chunks(_host_keys(connection, Rollup), EXPIRE_CHUNK):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.executemany(
                    _expire_sql(connection, Rollup),
                    [(key, tier_id, before) for key in chunk for tier_id, before in rollup_before],
                )


EXPIRE_CHUNK = 200


def _refresh_connection() -> None:
    """Drop this thread's connection if it is broken or too old, as a request would, unless a
    caller runs the round inside its own transaction (tests, benchmarks): Django closes a
    connection found outside autocommit, and with it that transaction."""
    if not connections[DEFAULT_DB_ALIAS].in_atomic_block:
        close_old_connections()


@contextlib.contextmanager
def _hosts_locked(host_ids: list[uuid.UUID]) -> Iterator[None]:
    """On PostgreSQL, one transaction holding each host's rollup lock, so two replicas never
    roll the same host at once (the second then finds the first's rows up to date); in key
    order, so two chunks never wait for each other in a cycle. SQLite has one process and one
    writer: a transaction around the reads there would only make its write lock wait."""
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.vendor != "postgresql":
        yield
        return
    keys = sorted(lock_key(f"rollup:{host_id}") for host_id in host_ids)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(k) FROM unnest(%s::bigint[]) WITH ORDINALITY AS t(k, i) ORDER BY i",
            [keys],
        )
        yield


# The buckets of one count query span at most this many steps; hosts with buckets further apart
# (late data) are counted one host at a time.
COUNT_SPAN_STEPS = 8


def _rows_per_bucket(
    step: int, source: Tier | None, starts: dict[uuid.UUID, list[int]]
) -> dict[tuple[uuid.UUID, int], int]:
    """How many rows the database holds below the given buckets of `step` of each host (samples,
    or rows of the source tier), counted by the database: one statement for many hosts, each
    host's rows a range of the primary key. A statement per host, and a row back per sample,
    were most of the cost of closing a thousand hosts' buckets."""
    wanted = {host_id: s for host_id, s in starts.items() if s}
    if not wanted:
        return {}
    lo = min(min(s) for s in wanted.values())
    hi = max(max(s) for s in wanted.values()) + step
    if hi - lo > COUNT_SPAN_STEPS * step and len(wanted) > 1:
        counts: dict[tuple[uuid.UUID, int], int] = {}
        for host_id, s in wanted.items():
            counts.update(_rows_per_bucket(step, source, {host_id: s}))
        return counts
    connection = connections[DEFAULT_DB_ALIAS]
    qn = connection.ops.quote_name
    meta = (Sample if source is None else Rollup)._meta
    ts_col = qn(meta.get_field("ts").column)
    host_col = qn(meta.get_field("host").column)
    host_field = meta.get_field("host").target_field
    keys = {host_field.get_db_prep_value(host_id, connection): host_id for host_id in wanted}
    step = int(step)
    sql = (
        f"SELECT {host_col}, {ts_col} - {ts_col} %% {step}, COUNT(*) FROM {qn(meta.db_table)} "
        f"WHERE {host_col} IN ({', '.join(['%s'] * len(keys))}) AND {ts_col} >= %s AND {ts_col} < %s"
    )
    params: list[Any] = [*keys, lo, hi]
    if source is not None:
        sql += f" AND {qn(meta.get_field('tier').column)} = %s"
        params.append(source.id)
    sql += " GROUP BY 1, 2"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {(keys[key], start): count for key, start, count in cursor.fetchall()}


def _stored_counts(tier: Tier, results: list[_Result]) -> dict[tuple[uuid.UUID, int], int]:
    """The sample counts of the rows these results would replace, in one range query."""
    if not results:
        return {}
    wanted = {(host_id, start) for host_id, start, _, _ in results}
    rows = Rollup.objects.filter(
        host_id__in={host_id for host_id, _ in wanted},
        tier=tier.id,
        ts__gte=min(start for _, start in wanted),
        ts__lte=max(start for _, start in wanted),
    ).values_list("host_id", "ts", "n")
    return {(host_id, ts): n for host_id, ts, n in rows if (host_id, ts) in wanted}


def _chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _upsert_sql(connection: Any) -> str:
    """INSERT of a rollup row that replaces the count and data of one already there."""
    ops = connection.ops
    qn = ops.quote_name
    meta = Rollup._meta
    columns = [meta.get_field(name).column for name in ("host", "tier", "ts", "n", "data")]
    suffix = ops.on_conflict_suffix_sql(
        [meta.get_field(name) for name in ("host", "tier", "ts")],
        OnConflict.UPDATE,
        [meta.get_field(name).column for name in ("n", "data")],
        [meta.get_field(name).column for name in ("host", "tier", "ts")],
    )
    placeholders = ", ".join(["%s"] * len(columns))
    return (
        f"{ops.insert_statement(on_conflict=OnConflict.UPDATE)} {qn(meta.db_table)} "
        f"({', '.join(qn(c) for c in columns)}) VALUES ({placeholders}) {suffix}"
    ).strip()


def _expire_sql(connection: Any, model: type[Sample] | type[Rollup]) -> str:
    qn = connection.ops.quote_name
    meta = model._meta
    tier = f"AND {qn(meta.get_field('tier').column)} = %s " if model is Rollup else ""
    return (
        f"DELETE FROM {qn(meta.db_table)} WHERE {qn(meta.get_field('host').column)} = %s "
        f"{tier}AND {qn(meta.get_field('ts').column)} < %s"
    )


def _host_keys(connection: Any, model: type[Sample] | type[Rollup]) -> list[Any]:
    """The host keys (as stored) that have rows in the table, in one statement that seeks from
    one host to the next on the primary key (a recursive CTE: `WHERE host_id > previous ORDER BY
    host_id LIMIT 1`, repeated; PostgreSQL has no MIN(uuid)): no scan of the table, and no read
    of the host table (which the compactor's thread would otherwise hold while ingest and the API
    write hosts)."""
    qn = connection.ops.quote_name
    host_field = model._meta.get_field("host")
    table, host = qn(model._meta.db_table), qn(host_field.column)
    lowest = host_field.target_field.get_db_prep_value(uuid.UUID(int=0), connection)
    sql = (
        f"WITH RECURSIVE seek(id) AS ("
        f"SELECT (SELECT {host} FROM {table} WHERE {host} >= %s ORDER BY {host} LIMIT 1) "
        f"UNION ALL "
        f"SELECT (SELECT {host} FROM {table} WHERE {host} > seek.id ORDER BY {host} LIMIT 1) "
        f"FROM seek WHERE seek.id IS NOT NULL"
        f") SELECT id FROM seek WHERE id IS NOT NULL"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [lowest])  # a WHERE makes the first step a seek too, not a scan
        return [row[0] for row in cursor.fetchall()]


def _host_ids(model: type[Sample] | type[Rollup]) -> Iterator[Any]:
    """The ids of the hosts that have rows in the table (see `_host_keys`)."""
    connection = connections[DEFAULT_DB_ALIAS]
    host_field = model._meta.get_field("host").target_field
    for key in _host_keys(connection, model):
        yield host_field.to_python(key)
