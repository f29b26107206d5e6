"""The alert engine and the outbox's delivery worker, run inside the hub's event loop.

The engine is called from the ingest writer's thread and its tick runs in a worker thread; both
hand their WebSocket frames back to the loop, which owns the channel layer.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections

from everyst_hub.core.outages import LoopHealth
from everyst_hub.realtime.publish import publish_texts

from .delivery import deliver_due
from .engine import AlertEngine
from .services import AlertEvent

logger = logging.getLogger(__name__)

# The outbox is also polled this often, for retries and for rows other replicas queued.
DELIVERY_POLL_SECONDS = 1.0


@dataclass
class AlertRuntime:
    engine: AlertEngine
    loop: asyncio.AbstractEventLoop
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    pending: list[AlertEvent] = field(default_factory=list)
    has_pending: asyncio.Event = field(default_factory=asyncio.Event)

    def dispatch(self, events: list[AlertEvent]) -> None:
        """From the engine's thread: queue events for the notification task, in order."""

        def queue() -> None:
            self.pending.extend(events)
            self.has_pending.set()

        self.loop.call_soon_threadsafe(queue)

    async def _notifications(self) -> None:
        notify = sync_to_async(self.engine.notify_now, thread_sensitive=False)
        while True:
            await self.has_pending.wait()
            self.has_pending.clear()
            events, self.pending = self.pending, []
            try:
                await notify(events)
            except Exception:
                logger.exception("notifying %d alert events failed", len(events))

    def publish(self, frames: list[tuple[str, str]]) -> None:
        """From any thread: send frames through the channel layer on the hub's loop."""
        asyncio.run_coroutine_threadsafe(publish_texts(frames), self.loop)

    def wake_delivery(self) -> None:
        self.loop.call_soon_threadsafe(self.wake.set)

    def _tick(self) -> None:
        """One tick in a worker thread, whose connection may have gone stale since the last one."""
        close_old_connections()
        self.engine.tick()

    async def _ticks(self) -> None:
        tick = sync_to_async(self._tick, thread_sensitive=False)
        health = LoopHealth("the alert tick", logger)
        while True:
            await asyncio.sleep(settings.ALERTS_TICK_SECONDS)
            try:
                await tick()
            except Exception as exc:
                health.failed(exc)
            else:
                health.succeeded()

    async def _deliveries(self) -> None:
        deliver = sync_to_async(deliver_due, thread_sensitive=False)
        health = LoopHealth("delivering notifications", logger)
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wake.wait(), DELIVERY_POLL_SECONDS)
            self.wake.clear()
            try:
                while await deliver():
                    pass
            except Exception as exc:
                health.failed(exc)
            else:
                health.succeeded()

    async def stop(self) -> None:
        for task in self.tasks:
            task.cancel()
        for task in self.tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await asyncio.sleep(0)  # the writer's last flush may have just queued events
        events, self.pending = self.pending, []
        if events:  # else the next start's tick finds them (unsent_events)
            await sync_to_async(self.engine.notify_now, thread_sensitive=False)(events)
        await sync_to_async(self.engine.save_values, thread_sensitive=False)()


async def start_alerts() -> AlertRuntime:
    loop = asyncio.get_running_loop()
    runtime = AlertRuntime(engine=AlertEngine(), loop=loop)
    runtime.engine.publish = runtime.publish
    runtime.engine.wake_delivery = runtime.wake_delivery
    runtime.engine.dispatch = runtime.dispatch
    await sync_to_async(runtime.engine.load, thread_sensitive=False)()
    runtime.tasks = [
        loop.create_task(runtime._ticks(), name="alert-ticks"),
        loop.create_task(runtime._deliveries(), name="alert-deliveries"),
        loop.create_task(runtime._notifications(), name="alert-notifications"),
    ]
    return runtime
