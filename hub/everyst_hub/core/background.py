"""The hub's background work, on its event loop next to the servers: the compactor (stored samples
into rollup tiers), the alert runtime (rules and deliveries), the sweep that ends jobs nobody will
finish, and the scan schedules. The ingest server starts it and feeds it what it stores."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

from asgiref.sync import sync_to_async

from everyst_hub.alerts.runtime import AlertRuntime, start_alerts
from everyst_hub.core.outages import LoopHealth
from everyst_hub.metrics.compactor import Compactor
from everyst_hub.metrics.services import IncomingBatch
from everyst_hub.network.schedules import run_schedules_forever
from everyst_hub.realtime.publish import publish_job
from everyst_hub.tools import services as tools

logger = logging.getLogger(__name__)
LOST_JOBS_EVERY_SECONDS = 30


@dataclass
class Background:
    compactor: Compactor
    alerts: AlertRuntime
    loops: list[asyncio.Task[None]] = field(default_factory=list)

    def stored(self, batches: list[IncomingBatch]) -> None:
        """In the ingest writer's thread, after its commit: sum the samples into their raw buckets,
        then evaluate the alert rules on them."""
        self.compactor.add_many([(item.host_id, item.batch.samples) for item in batches])
        self.alerts.engine.observe(batches)

    def start_loops(self) -> None:
        """The sweep and the schedules, once the hub serves: both start jobs and publish their frames."""
        loop = asyncio.get_running_loop()
        self.loops = [loop.create_task(_end_lost_jobs()), loop.create_task(run_schedules_forever())]

    def stop_loops(self) -> None:
        """No more sweeps or scheduled scans: the first step of stopping the hub."""
        for loop in self.loops:
            loop.cancel()

    async def stop(self) -> None:
        """The last step, once nothing stores samples any more."""
        self.stop_loops()
        await self.alerts.stop()
        await self.compactor.stop()


async def start_background() -> Background:
    """The compactor and the alert runtime, ready for what the ingest writer stores; the loops
    start with `start_loops`."""
    compactor = Compactor()
    compactor.start()
    return Background(compactor=compactor, alerts=await start_alerts())


async def _end_lost_jobs() -> None:
    """Jobs nobody will finish end as interrupted instead of staying 'running' (tools.interrupt_lost_jobs)."""
    health = LoopHealth("interrupting orphaned jobs", logger)
    while True:
        await asyncio.sleep(LOST_JOBS_EVERY_SECONDS)
        try:
            for job in await sync_to_async(tools.interrupt_lost_jobs, thread_sensitive=False)():
                await publish_job(job)
        except Exception as exc:
            health.failed(exc)
        else:
            health.succeeded()
