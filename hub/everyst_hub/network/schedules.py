"""Recurring scans and TLS checks: operators create, change and delete a network's schedules; every
30 s the hub starts the schedules that are due, as their creators."""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import datetime, timedelta
from typing import Any

from asgiref.sync import sync_to_async
from django.db.models import QuerySet
from django.utils import timezone

from everyst_hub.audit.services import record
from everyst_hub.core.errors import EverystError, InvalidInput, NotFound
from everyst_hub.core.leader import ReplicaLock
from everyst_hub.core.outages import LoopHealth
from everyst_hub.core.params import parse_id
from everyst_hub.realtime.publish import publish_job
from everyst_hub.tools import services as tools
from everyst_hub.tools.models import ToolJob
from everyst_hub.tools.params import check_params

from .inventory import get_network
from .models import Schedule

logger = logging.getLogger(__name__)
INTERVAL_SECONDS = 30
MIN_EVERY_MINUTES = 5
MAX_EVERY_MINUTES = 60 * 24 * 31
MAX_SCHEDULE_PARAMS_BYTES = 4096
# The params a schedule sets itself when it runs, not its creator.
SCHEDULE_FILLS = frozenset({"target"})


def network_schedules(user: Any, network_id: object) -> QuerySet[Schedule]:
    network = get_network(user, network_id)
    return network.schedules.select_related("created_by")


def _check_schedule(tool: Any, params: Any, every_minutes: Any) -> None:
    if tool is not None and tool not in Schedule.Tool.values:
        raise InvalidInput(f"tool: use one of {', '.join(Schedule.Tool.values)}.")
    if params is not None:
        if not isinstance(params, dict):
            raise InvalidInput("params: must be a JSON object.")
        if "target" in params:
            raise InvalidInput("params: leave out target; a schedule scans its network's CIDR.")
        if len(json.dumps(params)) > MAX_SCHEDULE_PARAMS_BYTES:
            raise InvalidInput(f"params: at most {MAX_SCHEDULE_PARAMS_BYTES} bytes.")
    if every_minutes is not None and not (
        isinstance(every_minutes, int) and MIN_EVERY_MINUTES <= every_minutes <= MAX_EVERY_MINUTES
    ):
        raise InvalidInput(f"every_minutes: between {MIN_EVERY_MINUTES} and {MAX_EVERY_MINUTES}.")


def _check_tls_target(params: dict[str, Any]) -> None:
    """A TLS check names what it checks (the agent validates the rest, and its own scope)."""
    host = params.get("host")
    if not isinstance(host, str) or not 0 < len(host) <= 253:
        raise InvalidInput("params: a tls_cert schedule needs host, the name or address to check.")
    port = params.get("port", 443)
    if not isinstance(port, int) or isinstance(port, bool) or not 0 < port < 65536:
        raise InvalidInput("params: port is between 1 and 65535.")


def _check_tool_params(schedule: Schedule) -> None:
    """What the tool takes, as its agent declares it (tools.schema.json); a scan's target is the
    network's CIDR, which the schedule adds when it runs."""
    if schedule.tool == Schedule.Tool.TLS_CERT:  # its own wording for the target it needs
        _check_tls_target(schedule.params)
    check_params(schedule.tool, schedule.params, without=SCHEDULE_FILLS)


def create_schedule(
    user: Any,
    network_id: object,
    *,
    tool: str,
    params: dict[str, Any],
    every_minutes: int,
    enabled: bool = True,
    ip: str | None = None,
) -> Schedule:
    network = get_network(user, network_id, operate=True)
    _check_schedule(tool, params, every_minutes)
    schedule = Schedule(
        network=network,
        tool=tool,
        params=params,
        every_minutes=every_minutes,
        enabled=enabled,
        next_run_at=timezone.now(),
        created_by=user,
    )
    _check_tool_params(schedule)
    schedule.save()
    _record("create", user, schedule, ip, tool=tool, every_minutes=every_minutes, enabled=enabled)
    return schedule


def _record(action: str, user: Any, schedule: Schedule, ip: str | None, **details: Any) -> None:
    """The audit entry of a change to a schedule, on its network's host."""
    record(
        f"network.schedule.{action}",
        actor=user,
        target=schedule.network.host,
        ip=ip,
        schedule=schedule.id,
        network=schedule.network.cidr,
        **details,
    )


def get_schedule(user: Any, schedule_id: object) -> Schedule:
    """The schedule if the user may operate its network's host (viewers: 403, others: 404)."""
    schedule = (
        Schedule.objects.select_related("network", "created_by")
        .filter(id=parse_id(schedule_id, "Schedule"))
        .first()
    )
    if schedule is None:
        raise NotFound("Schedule not found.")
    try:
        get_network(user, schedule.network_id, operate=True)
    except NotFound as exc:
        raise NotFound("Schedule not found.") from exc
    return schedule


def update_schedule(
    user: Any, schedule_id: object, changes: dict[str, Any], ip: str | None = None
) -> Schedule:
    schedule = get_schedule(user, schedule_id)
    _check_schedule(changes.get("tool"), changes.get("params"), changes.get("every_minutes"))
    fields = {k: v for k, v in changes.items() if k in ("tool", "params", "every_minutes", "enabled")}
    for name, value in fields.items():
        setattr(schedule, name, value)
    _check_tool_params(schedule)  # its params or its tool may have changed alone
    if fields.get("enabled") is True or "every_minutes" in fields:
        soonest = timezone.now() + timedelta(minutes=schedule.every_minutes)
        schedule.next_run_at = min(schedule.next_run_at, soonest)
    schedule.save()
    _record("update", user, schedule, ip, changes=fields)
    return schedule


def delete_schedule(user: Any, schedule_id: object, ip: str | None = None) -> None:
    schedule = get_schedule(user, schedule_id)
    _record("delete", user, schedule, ip, tool=schedule.tool)
    schedule.delete()


def due_schedules(now: datetime) -> QuerySet[Schedule]:
    return Schedule.objects.filter(enabled=True, next_run_at__lte=now).select_related(
        "network", "network__host", "created_by", "last_job"
    )


def run_due_schedules(now: datetime | None = None) -> list[ToolJob]:
    """Start every enabled schedule whose time has come; the jobs started.

    A schedule is claimed by moving its next_run_at with a conditional UPDATE first, so that of
    several hub replicas only one starts it."""
    now = now or timezone.now()
    started = []
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
            started.append(job)
    return started


def _start(schedule: Schedule, now: datetime) -> ToolJob | None:
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
    """The runner the hub's background work starts (core/background.py). Of several replicas,
    the one holding the scan-schedules lock runs it (the claim above stays as a second guard)."""
    lock = ReplicaLock("scan-schedules")
    held = sync_to_async(lock.held, thread_sensitive=False)
    health = LoopHealth("running due scan schedules", logger)
    try:
        while True:
            await asyncio.sleep(INTERVAL_SECONDS)
            try:
                if not await held():
                    continue
                for job in await sync_to_async(run_due_schedules, thread_sensitive=False)():
                    await publish_job(job)
            except Exception as exc:
                health.failed(exc)
            else:
                health.succeeded()
    finally:
        await sync_to_async(lock.release, thread_sensitive=False)()
