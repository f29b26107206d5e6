"""Compaction and expiry of metric history, inside the hub process.

Ingest marks the raw-tier buckets its samples fall in as dirty; every few seconds the
compactor (re)computes the closed dirty buckets of each tier from the tier below (the first
from 1 Hz samples), marks the parent buckets dirty, and expires what is past retention. Late
data — an agent's backlog after an outage — just dirties old buckets again, which are then
recomputed in full, so rollups never count a sample twice. It runs in its own thread with
its own database connection and short transactions, so it never blocks ingest.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections import defaultdict
from collections.abc import Iterable

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections, transaction
from django.db.models import F
from everyst.agent.v1 import agent_pb2

from .models import Rollup, Sample
from .rollup import aggregate, as_parts, decode, encode, flatten
from .tiers import Tier, bucket, recent_tier, rollup_tiers

logger = logging.getLogger(__name__)

# A raw bucket waits this long after it ends before it is rolled, so samples of the same
# second arriving in the next flush are included the first time.
CLOSE_GRACE_MS = 2_000
EXPIRE_EVERY_SECONDS = 60
RECOVERY_WINDOW_MS = 10 * 60_000


def _now_ms() -> int:
    return int(time.time() * 1000)


class Compactor:
    def __init__(self) -> None:
        self.tiers = rollup_tiers()
        self.dirty: dict[int, set[tuple[uuid.UUID, int]]] = {t.id: set() for t in self.tiers}
        self._last_expiry = 0.0
        self._task: asyncio.Task[None] | None = None

    def mark(self, host_id: uuid.UUID, timestamps: Iterable[int]) -> None:
        first = self.tiers[0]
        self.dirty[first.id].update((host_id, bucket(ts, first.step_ms)) for ts in timestamps)

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="metrics-compactor")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _run(self) -> None:
        await sync_to_async(self.recover, thread_sensitive=False)()
        while True:
            await asyncio.sleep(settings.METRICS_COMPACT_SECONDS)
            try:
                await sync_to_async(self.compact_once, thread_sensitive=False)()
            except Exception:  # a failed round is retried on the next one; ingest goes on
                logger.exception("metrics compaction failed")

    def recover(self) -> None:
        """After a restart, re-dirty the buckets of recent samples: what was stored just before
        a crash may not have been rolled up yet."""
        close_old_connections()
        since = _now_ms() - RECOVERY_WINDOW_MS
        step = self.tiers[0].step_ms
        rows = (
            Sample.objects.filter(ts__gte=since)
            .annotate(b=F("ts") - F("ts") % step)
            .values_list("host_id", "b")
            .distinct()
        )
        for host_id, start in rows:
            self.dirty[self.tiers[0].id].add((host_id, start))

    def compact_once(self, now_ms: int | None = None) -> int:
        """One round: roll every closed dirty bucket, then expire. Returns buckets written."""
        close_old_connections()
        now_ms = now_ms if now_ms is not None else _now_ms()
        written = 0
        for index, tier in enumerate(self.tiers):
            grace = CLOSE_GRACE_MS if index == 0 else 0
            ready = {item for item in self.dirty[tier.id] if item[1] + tier.step_ms + grace <= now_ms}
            if not ready:
                continue
            self.dirty[tier.id] -= ready
            source = None if index == 0 else self.tiers[index - 1]
            try:
                written += self._roll(tier, source, ready)
            except Exception:
                self.dirty[tier.id] |= ready
                raise
            if index + 1 < len(self.tiers):
                parent = self.tiers[index + 1]
                self.dirty[parent.id].update((h, bucket(b, parent.step_ms)) for h, b in ready)
        if time.monotonic() - self._last_expiry >= EXPIRE_EVERY_SECONDS:
            self.expire(now_ms)
            self._last_expiry = time.monotonic()
        return written

    def _roll(self, tier: Tier, source: Tier | None, ready: set[tuple[uuid.UUID, int]]) -> int:
        by_host: dict[uuid.UUID, list[int]] = defaultdict(list)
        for host_id, start in ready:
            by_host[host_id].append(start)
        rows: list[Rollup] = []
        for host_id, starts in by_host.items():
            lo, hi = min(starts), max(starts) + tier.step_ms
            parts: dict[int, list[tuple[int, dict[str, list[float]]]]] = defaultdict(list)
            if source is None:
                for ts, data in Sample.objects.filter(host_id=host_id, ts__gte=lo, ts__lt=hi).values_list(
                    "ts", "data"
                ):
                    sample = agent_pb2.Sample()
                    sample.ParseFromString(bytes(data))
                    parts[bucket(ts, tier.step_ms)].extend(as_parts([flatten(sample)]))
            else:
                for ts, n, data in Rollup.objects.filter(
                    host_id=host_id, tier=source.id, ts__gte=lo, ts__lt=hi
                ).values_list("ts", "n", "data"):
                    parts[bucket(ts, tier.step_ms)].append((n, decode(data)))
            for start in starts:
                if parts.get(start):
                    n, series = aggregate(parts[start])
                    rows.append(Rollup(host_id=host_id, tier=tier.id, ts=start, n=n, data=encode(series)))
        with transaction.atomic():
            Rollup.objects.bulk_create(
                rows,
                update_conflicts=True,
                unique_fields=["host", "tier", "ts"],
                update_fields=["n", "data"],
                batch_size=500,
            )
        return len(rows)

    def expire(self, now_ms: int) -> None:
        recent = recent_tier()
        with transaction.atomic():
            Sample.objects.filter(ts__lt=now_ms - recent.retention_ms).delete()
        for tier in self.tiers:
            with transaction.atomic():
                Rollup.objects.filter(tier=tier.id, ts__lt=now_ms - tier.retention_ms).delete()
