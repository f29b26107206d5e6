"""Tool jobs: request, command the agent, record its events, end every job in a final state."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any, NamedTuple

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from everyst.agent.v1 import agent_pb2

from everyst_hub.audit.services import record
from everyst_hub.core import jsonlimits
from everyst_hub.core.errors import FailedPrecondition, InvalidInput
from everyst_hub.core.params import parse_uuid, parses
from everyst_hub.inventory.access import get_operable_host, get_visible_host, visible_hosts, visible_on_host
from everyst_hub.inventory.hosts import is_online
from everyst_hub.realtime.publish import send_to_agent_sync

from .models import ToolJob
from .params import TOOLS, check_params

logger = logging.getLogger(__name__)

MAX_PARAMS_BYTES = 4096
MAX_ROWS = 5000
MAX_ARTIFACT_BYTES = 4 * 1024 * 1024
# A job whose host has been offline this long is interrupted, not left running.
ORPHAN_AFTER = timedelta(seconds=90)
# A command the agent has not acknowledged this long, with its host online, was lost on the way.
UNACKNOWLEDGED_AFTER = timedelta(seconds=60)
# The agent ends every job within its JOB_TIMEOUT (agent/everyst_agent/tools/runner.py, 1800 s); a
# running job it has said nothing about for longer than that (and a margin) is lost.
SILENT_AFTER = timedelta(seconds=1800 + 120)
# On reconnect, a queued job the agent does not know is sent again if it is this recent.
RESEND_WITHIN = timedelta(minutes=10)
Status = ToolJob.Status

# What apps built on this one do with a job that finished (the network app folds scans into its
# inventory), registered from their AppConfig.ready: tools imports none of them.
_finished_hooks: list[Callable[[ToolJob], object]] = []


def on_job_finished(hook: Callable[[ToolJob], object]) -> None:
    """Call `hook(job)` for every job that ends FINISHED, inside the transaction that records the
    end, in a savepoint of its own: a hook that fails is logged and never loses the job's end."""
    if hook not in _finished_hooks:
        _finished_hooks.append(hook)


class JobChange(NamedTuple):
    """A job as an agent's event left it, and the result rows that event brought."""

    job: ToolJob
    rows: list[Any]


class HostOffline(FailedPrecondition):
    code = "host_offline"


def start_job(user: Any, host_id: object, tool: str, params: Any, ip: str | None = None) -> ToolJob:
    """Operators and above ask a host's agent to run a tool. The agent checks its own scope."""
    host = get_operable_host(user, host_id)
    if tool not in TOOLS:
        raise InvalidInput(f"tool: unknown tool {tool[:40]!r}; use one of {', '.join(TOOLS)}.")
    if not isinstance(params, dict):
        raise InvalidInput("params: must be a JSON object.")
    encoded = json.dumps(params)
    if len(encoded) > MAX_PARAMS_BYTES:
        raise InvalidInput(f"params: at most {MAX_PARAMS_BYTES} bytes.")
    check_params(tool, params)
    if not is_online(host):
        raise HostOffline(f"{host.hostname} is offline: its agent cannot run tools now.")
    job = ToolJob.objects.create(host=host, tool=tool, params=params, requested_by=user)
    record("tool.run", actor=user, target=host, ip=ip, job=str(job.id), tool=tool, params=params)
    send_to_agent_sync(host.id, run_command(job))
    return job


def run_command(job: ToolJob) -> dict[str, Any]:
    """The channel-layer message that asks the host's agent to run `job`."""
    return {
        "type": "agent.command",
        "job_id": str(job.id),
        "action": "run",
        "tool": job.tool,
        "params": json.dumps(job.params),
    }


def cancel_job(user: Any, job_id: object, ip: str | None = None) -> ToolJob:
    job = get_job(user, job_id)
    get_operable_host(user, job.host_id)
    if job.done:
        return job
    record("tool.cancel", actor=user, target=job.host, ip=ip, job=str(job.id), tool=job.tool)
    send_to_agent_sync(job.host_id, {"type": "agent.command", "job_id": str(job.id), "action": "cancel"})
    return job


def get_job(user: Any, job_id: object) -> ToolJob:
    """The job if the user may see its host; otherwise NotFound, worded as for a missing job."""
    job = ToolJob.objects.select_related("host", "requested_by").filter(id=parse_uuid(job_id, "Job")).first()
    return visible_on_host(user, job, "Job")


def host_jobs(user: Any, host_id: object, limit: int = 50) -> list[ToolJob]:
    host = get_visible_host(user, host_id)
    return list(ToolJob.objects.filter(host=host).select_related("requested_by")[:limit])


def recent_jobs(user: Any, limit: int = 100) -> list[ToolJob]:
    hosts = visible_hosts(user)
    return list(ToolJob.objects.filter(host__in=hosts).select_related("requested_by")[:limit])


_KIND_STATUS = {
    agent_pb2.ToolEvent.STARTED: Status.RUNNING,
    agent_pb2.ToolEvent.PROGRESS: Status.RUNNING,
    agent_pb2.ToolEvent.RESULT: Status.RUNNING,
    agent_pb2.ToolEvent.FINISHED: Status.FINISHED,
    agent_pb2.ToolEvent.FAILED: Status.FAILED,
    agent_pb2.ToolEvent.CANCELLED: Status.CANCELLED,
}


def record_event(host_id: uuid.UUID, event: agent_pb2.ToolEvent) -> JobChange | None:
    """Apply an agent's event to its job; the change to publish, or None to ignore it."""
    try:
        job_uuid = uuid.UUID(event.job_id)
    except ValueError:
        return None
    with transaction.atomic():
        job = ToolJob.objects.select_for_update().filter(id=job_uuid, host_id=host_id).first()
        if job is None or job.done:
            return None  # unknown, another host's, or already final: the first final event wins
        status = _KIND_STATUS.get(event.kind)
        if status is None:
            return None
        payload = _payload(event.payload_json)
        new_rows: list[Any] = []
        job.last_event_at = timezone.now()
        # The agent reports a job waiting for a free slot as PROGRESS "queued" {"position": n}.
        waiting = event.kind == agent_pb2.ToolEvent.PROGRESS and event.message == "queued"
        if status != Status.RUNNING:
            job.status = status
        elif not waiting and job.status == Status.QUEUED:
            job.status = Status.RUNNING
            job.started_at = timezone.now()
        job.percent = max(job.percent, min(100.0, event.percent))
        job.message = event.message[:1000]
        if waiting and isinstance(payload, dict) and isinstance(payload.get("position"), int):
            job.message = f"queued on the agent: {payload['position']} waiting for a free slot"
        if event.kind == agent_pb2.ToolEvent.RESULT:
            new_rows = _rows(payload)
            room = MAX_ROWS - len(job.rows)
            job.rows = job.rows + new_rows[: max(0, room)]
            job.rows_dropped += max(0, len(new_rows) - max(0, room))
        if status in (Status.FINISHED, Status.FAILED, Status.CANCELLED):
            job.finished_at = timezone.now()
            if event.kind == agent_pb2.ToolEvent.FINISHED:
                job.result = payload
                job.percent = 100.0
            if event.blob:
                job.artifact = bytes(event.blob[:MAX_ARTIFACT_BYTES])
        job.save()
        if job.status == Status.FINISHED:
            _job_finished(job)
        if job.done:
            _job_ended(job)
    return JobChange(job, new_rows)


def _rows(payload: Any) -> list[Any]:
    """Agents send result rows as {"rows": [...]}; a bare list or object is accepted too."""
    if isinstance(payload, dict) and isinstance(payload.get("rows"), list):
        return list(payload["rows"])
    if isinstance(payload, list):
        return payload
    return [] if payload is None else [payload]


def _job_finished(job: ToolJob) -> None:
    for hook in _finished_hooks:
        try:
            with transaction.atomic():
                hook(job)
        except Exception:
            logger.exception("job %s: %s failed", job.id, getattr(hook, "__qualname__", hook))


def _job_ended(job: ToolJob) -> None:
    """A scheduled run's end may open or resolve a job_failed alert."""
    from everyst_hub.alerts.services import scheduled_job_ended  # alerts builds on this app

    scheduled_job_ended(job)


def _payload(text: str) -> Any:
    """The agent's JSON within the client bounds: a non-finite number stored in a job would make
    every read of it fail to render, and deep nesting would end the stream."""
    if not text:
        return None
    try:
        # NUL is allowed: banners of binary protocols carry it (PostgreSQL cannot store it yet).
        return jsonlimits.loads(text, allow_nul=True)
    except ValueError:
        return {"raw": text[:2000]}


def reconcile_jobs(
    host_id: uuid.UUID, running_on_agent: list[str]
) -> tuple[list[ToolJob], list[dict[str, Any]]]:
    """On a new stream, the host's unfinished jobs the agent does not know: (the jobs it ended,
    the commands to send again).

    A running one was interrupted (the agent restarted). A recent queued one may never have
    reached the agent (sent while no stream listened): its command is sent again (the agent
    ignores a RUN it has seen). An older queued one is interrupted.
    """
    known = [j for j in running_on_agent if parses(uuid.UUID, j)]
    unknown = ToolJob.objects.filter(host_id=host_id, status__in=[Status.QUEUED, Status.RUNNING]).exclude(
        id__in=known
    )
    resend_after = timezone.now() - RESEND_WITHIN
    queued = unknown.filter(status=Status.QUEUED, created_at__gte=resend_after)
    commands = [run_command(job) for job in queued]
    ended = _interrupt(
        unknown.exclude(id__in=[c["job_id"] for c in commands]),
        "interrupted: the agent restarted or lost the job",
    )
    return ended, commands


def interrupt_lost_jobs() -> list[ToolJob]:
    """Unfinished jobs nobody will finish end as interrupted (returned): never 'running' forever.

    - the host has been offline a while, whether its stream closed or its hub died;
    - the agent never acknowledged the command, though its host is online;
    - the agent has said nothing about a running job for longer than it lets any job run.
    """
    now = timezone.now()
    unfinished = ToolJob.objects.filter(status__in=[Status.QUEUED, Status.RUNNING]).select_related("host")
    gone = []
    for job in unfinished.filter(Q(host__last_seen__lt=now - ORPHAN_AFTER) | Q(host__last_seen__isnull=True)):
        if not is_online(job.host):
            gone.append(job.id)
    unacknowledged = list(
        unfinished.filter(
            status=Status.QUEUED, last_event_at__isnull=True, created_at__lt=now - UNACKNOWLEDGED_AFTER
        )
        .exclude(id__in=gone)
        .values_list("id", flat=True)
    )
    silent = list(
        unfinished.filter(status=Status.RUNNING, last_event_at__lt=now - SILENT_AFTER)
        .exclude(id__in=gone)
        .values_list("id", flat=True)
    )
    return [
        *_interrupt(ToolJob.objects.filter(id__in=gone), "interrupted: the host's agent went away"),
        *_interrupt(
            ToolJob.objects.filter(id__in=unacknowledged),
            "interrupted: the agent never acknowledged the command",
        ),
        *_interrupt(
            ToolJob.objects.filter(id__in=silent),
            "interrupted: the agent stopped reporting on this job",
        ),
    ]


def _interrupt(jobs: Any, message: str) -> list[ToolJob]:
    ended = []
    with transaction.atomic():
        # Only jobs still unfinished once locked: one may have ended since it was picked.
        for job in jobs.filter(status__in=[Status.QUEUED, Status.RUNNING]).select_for_update():
            job.status = Status.INTERRUPTED
            job.message = message
            job.finished_at = timezone.now()
            job.save(update_fields=["status", "message", "finished_at"])
            _job_ended(job)
            ended.append(job)
    return ended
