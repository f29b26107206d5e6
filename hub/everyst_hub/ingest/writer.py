"""Group-commit of metric batches: every stream hands its batches to one writer, which stores
what arrived in the last few milliseconds in a single transaction and then tells each stream
what is stored, so it can ack. One transaction per flush instead of one per batch is what lets
one process (and one SQLite file) take thousands of agents at 1 Hz.

Storage runs in the writer's own thread (and database connection), so a slow request on the
shared sync thread cannot hold ingest up. Streams learn of stored batches through a plain
callback (no future and no task per batch), in arrival order, only after the commit.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol

from django.db import close_old_connections
from everyst.agent.v1 import agent_pb2

from everyst_hub.metrics.services import IncomingBatch, store_samples
from everyst_hub.realtime.pacer import pacer
from everyst_hub.realtime.publish import SampleFrame, publish_frames, sample_frames

logger = logging.getLogger(__name__)

# Batches queued for storage, all streams together, before streams stop reading: what a hub that
# falls behind holds in memory (at ~3 KB a batch, ~60 MB) instead of up to every stream's own
# limit at once (2,000 streams x 1,024 batches: gigabytes). Agents keep the rest in their spools;
# gRPC's flow control tells them to wait.
MAX_PENDING = 20_000


class BatchSink(Protocol):
    """The stream a batch came from: told once the batch is stored, or that storing failed."""

    def stored(self, seq: int) -> None: ...

    def failed(self, exc: BaseException) -> None: ...


class IngestWriter:
    def __init__(
        self,
        flush_interval: float = 0.05,
        max_batches: int = 5000,
        on_stored: Callable[[list[IncomingBatch]], None] | None = None,
        max_pending: int = MAX_PENDING,
    ) -> None:
        """`on_stored` runs in the storage thread right after each commit."""
        self.flush_interval = flush_interval
        self.on_stored = on_stored
        self.max_batches = max_batches
        self.max_pending = max_pending
        self._room: asyncio.Event | None = None
        self._pending: list[tuple[IncomingBatch, BatchSink]] = []
        self._first_at = 0.0
        self._wakeup = asyncio.Event()
        self._full = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="ingest-writer")
        self._closing = False
        self.stored_batches = 0
        self.stored_samples = 0
        self.last_flush_seconds = 0.0

    @property
    def pending(self) -> int:
        return len(self._pending)

    def oldest_pending_seconds(self) -> float:
        """How long the oldest queued batch has waited: the flush lag a scrape reports."""
        return time.monotonic() - self._first_at if self._pending else 0.0

    def has_room(self) -> bool:
        return len(self._pending) < self.max_pending

    async def room(self) -> None:
        """Wait until fewer than `max_pending` batches are queued (a flush takes them)."""
        while len(self._pending) >= self.max_pending:
            if self._room is None:
                self._room = asyncio.Event()
            await self._room.wait()

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="ingest-writer")

    def submit(self, host_id: uuid.UUID, batch: agent_pb2.MetricBatch, sink: BatchSink) -> None:
        """Queue a batch; `sink.stored(batch.seq)` is called once it is durably stored."""
        if self._closing:
            raise RuntimeError("the hub is shutting down")
        pending = self._pending
        pending.append((IncomingBatch(host_id, batch), sink))
        if len(pending) == 1:
            self._first_at = time.monotonic()
            self._wakeup.set()
        elif len(pending) >= self.max_batches:
            self._full.set()

    async def _run(self) -> None:
        while not (self._closing and not self._pending):
            if not self._pending:
                self._wakeup.clear()
                await self._wakeup.wait()
                continue
            # Group commit: wait until the oldest queued batch is flush_interval old.
            delay = self._first_at + self.flush_interval - time.monotonic()
            if delay > 0 and not self._closing and len(self._pending) < self.max_batches:
                self._full.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._full.wait(), delay)
            await self._flush()

    def _store(self, batches: list[IncomingBatch]) -> list[SampleFrame]:
        close_old_connections()
        newest = store_samples(batches)
        if self.on_stored is not None:
            try:
                self.on_stored(batches)
            except Exception:  # stored is stored: the streams still ack
                logger.exception("after-store hook failed")
        try:
            return sample_frames(newest)
        except Exception:
            logger.exception("building live sample frames failed")
            return []

    async def _flush(self) -> None:
        oldest = self._first_at
        items, self._pending = self._pending[: self.max_batches], self._pending[self.max_batches :]
        if self._pending:
            self._first_at = time.monotonic()
        if self._room is not None and len(self._pending) < self.max_pending:
            self._room.set()
            self._room = None
        started = time.perf_counter()
        loop = asyncio.get_running_loop()
        try:
            frames = await loop.run_in_executor(self._executor, self._store, [item for item, _ in items])
        except Exception as exc:  # the streams report it; nothing is acked, agents resend
            logger.exception("storing %d batches failed", len(items))
            for _, sink in items:
                sink.failed(exc)
            return
        self.last_flush_seconds = time.perf_counter() - started
        # How far behind its flush interval storage ran: live fan-out slows down when it does.
        pacer().ingest_lag(time.monotonic() - oldest - self.flush_interval)
        self.stored_batches += len(items)
        self.stored_samples += sum(len(item.batch.samples) for item, _ in items)
        for item, sink in items:
            sink.stored(item.batch.seq)
        await publish_frames(frames)

    async def close(self) -> None:
        """Store what is queued, then stop."""
        self._closing = True
        self._wakeup.set()
        self._full.set()
        if self._task is not None:
            await self._task
        self._executor.shutdown(wait=False)
