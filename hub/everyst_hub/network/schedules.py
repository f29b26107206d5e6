"""Recurring scans and TLS checks: every 30 s the hub starts the schedules that are due, as their
creators."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import Any

from asgiref.sync import sync_to_async
from django.utils import timezone

from everyst_hub.core.errors import EverystError
from everyst_hub.core.leader import ReplicaLock
from everyst_hub.realtime.publish import publish_job
from everyst_hub.tools import services as tools
from everyst_hub.tools.services import job_dict

from .models import Schedule
from .services import due_schedules

logger = logging.getLogger(__name__)
INTERVAL_SECONDS = 30


def run_due_schedules(now: datetime | None = None) -> list[dict[str, Any]]:
    """Start every enabled schedule whose time has come; the live frames of the jobs started.

    A schedule is claimed by moving its next_run_at with a conditional UPDATE first, so that of
    several hub replicas only one starts it."""
    now = now or timezone.now()
    frames = []
    for schedule in due_schedules(now):
        following = max(schedule.next_run_at, now - timedelta(minutes=schedule.every_minutes))
        while following <= now:
            following += timedelta(minutes=schedule.every_minutes)
        claimed = Schedule.objects.filter(
            id=schedule.id, next_run_at=schedule.next_run_at, enabled=True
        ).update(next_run_at=following)
        if not claimed:
            continue
        schedule.next_run_at = following
        job = _start(schedule, now)
        if job is not None:
            frames.append({"type": "job", "job": job_dict(job)})
    return frames


def _start(schedule: Schedule, now: datetime) -> Any:
    network = schedule.network
    reason = ""
    job = None
    if schedule.created_by is None or not schedule.created_by.is_active:
        reason = "skipped: the user who created this schedule no longer exists or is disabled"
    elif schedule.last_job is not None and not schedule.last_job.done:
        reason = "skipped: the previous run has not finished"
    else:
        try:
            # A scan covers its network; a TLS check names its own target (host, port).
            params = (
                dict(schedule.params)
                if schedule.tool == Schedule.Tool.TLS_CERT
                else {**schedule.params, "target": network.cidr}
            )
            job = tools.start_job(schedule.created_by, network.host_id, schedule.tool, params)
        except EverystError as exc:
            reason = f"skipped: {exc.message}"
    if reason:
        logger.info("schedule %s (%s on %s): %s", schedule.id, schedule.tool, network.cidr, reason)
    Schedule.objects.filter(id=schedule.id).update(
        last_run_at=now if job is not None else schedule.last_run_at,
        last_job=job if job is not None else schedule.last_job,
        last_message=reason[:500],
    )
    return job


async def run_schedules_forever() -> None:
    """The runner the ingest server starts next to its maintenance task. Of several replicas,
    the one holding the scan-schedules lock runs it (the claim above stays as a second guard)."""
    lock = ReplicaLock("scan-schedules")
    held = sync_to_async(lock.held, thread_sensitive=False)
    try:
        while True:
            await asyncio.sleep(INTERVAL_SECONDS)
            try:
                if not await held():
                    continue
                for frame in await sync_to_async(run_due_schedules, thread_sensitive=False)():
                    await publish_job(frame)
            except Exception:
                logger.exception("running due scan schedules failed")
    finally:
        await sync_to_async(lock.release, thread_sensitive=False)()


def start_schedule_runner(alongside: asyncio.Task[None]) -> asyncio.Task[None]:
    """Run the schedules next to the ingest server's maintenance task, and stop when it stops."""
    runner = asyncio.get_running_loop().create_task(run_schedules_forever())
    alongside.add_done_callback(lambda _: runner.cancel())
    return runner
