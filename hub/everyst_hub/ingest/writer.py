"""Group-commit of metric batches: every stream hands its batches to one writer, which stores
what arrived in the last few milliseconds in a single transaction and then lets each stream
ack. One transaction per flush instead of one per batch is what lets one process (and one
SQLite file) take thousands of agents at 1 Hz."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Callable

from asgiref.sync import sync_to_async
from django.db import close_old_connections
from everyst.agent.v1 import agent_pb2

from everyst_hub.metrics.services import IncomingBatch, store_batches
from everyst_hub.realtime.publish import publish_samples

logger = logging.getLogger(__name__)


def _store(batches: list[IncomingBatch]) -> dict[str, dict]:
    close_old_connections()
    return store_batches(batches)


class IngestWriter:
    def __init__(
        self,
        flush_interval: float = 0.1,
        max_batches: int = 5000,
        on_stored: Callable[[list[IncomingBatch]], None] | None = None,
    ) -> None:
        self.flush_interval = flush_interval
        self.on_stored = on_stored
        self.max_batches = max_batches
        self._pending: list[tuple[IncomingBatch, asyncio.Future[None]]] = []
        self._wakeup = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._closing = False
        self.stored_batches = 0
        self.last_flush_seconds = 0.0

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="ingest-writer")

    async def submit(self, host_id: uuid.UUID, batch: agent_pb2.MetricBatch) -> asyncio.Future[None]:
        """Queue a batch; the returned future resolves once it is durably stored."""
        if self._closing:
            raise RuntimeError("the hub is shutting down")
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.append((IncomingBatch(host_id, batch), future))
        if len(self._pending) >= self.max_batches:
            self._wakeup.set()
        return future

    async def _run(self) -> None:
        while not (self._closing and not self._pending):
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), timeout=self.flush_interval)
            self._wakeup.clear()
            if self._pending:
                await self._flush()

    async def _flush(self) -> None:
        items, self._pending = self._pending, []
        started = time.perf_counter()
        try:
            newest = await sync_to_async(_store, thread_sensitive=True)([item for item, _ in items])
        except Exception as exc:  # the streams report it; nothing is acked, agents resend
            logger.exception("storing %d batches failed", len(items))
            for _, future in items:
                if not future.done():
                    future.set_exception(exc)
            return
        self.last_flush_seconds = time.perf_counter() - started
        self.stored_batches += len(items)
        if self.on_stored is not None:
            self.on_stored([item for item, _ in items])
        for _, future in items:
            if not future.done():
                future.set_result(None)
        await publish_samples(newest)

    async def close(self) -> None:
        """Store what is queued, then stop."""
        self._closing = True
        self._wakeup.set()
        if self._task is not None:
            await self._task
