"""The job_failed alert source: a scheduled scan whose run fails or is interrupted fires once per
schedule, counts further failures, and resolves when a later run of the same schedule succeeds."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.utils import timezone
from everyst.agent.v1 import agent_pb2
from everyst_hub.alerts.models import AlertRule, Incident, Notification
from everyst_hub.network.models import Network, Schedule
from everyst_hub.tools.models import ToolJob
from everyst_hub.tools.services import reconcile_jobs, record_event

pytestmark = pytest.mark.django_db

CIDR = "192.168.61.0/24"

Kind = agent_pb2.ToolEvent


def scheduled(host: Any, tool: str = "discover") -> Schedule:
    network, _ = Network.objects.get_or_create(host=host, cidr=CIDR)
    return Schedule.objects.create(network=network, tool=tool, every_minutes=10, next_run_at=timezone.now())


def run(schedule: Schedule, *events: tuple[int, Any]) -> ToolJob:
    """A run the schedule started (as network/schedules.py does), ended by its agent's events."""
    host = schedule.network.host
    job = ToolJob.objects.create(host=host, tool=schedule.tool, params={"target": CIDR})
    Schedule.objects.filter(id=schedule.id).update(last_job=job)
    for kind, payload in events:
        record_event(host.id, Kind(job_id=str(job.id), kind=kind, payload_json=json.dumps(payload)))
    job.refresh_from_db()
    return job


def fails(schedule: Schedule) -> ToolJob:
    return run(schedule, (Kind.STARTED, {}), (Kind.FAILED, {"error": "nmap is not installed"}))


def succeeds(schedule: Schedule) -> ToolJob:
    return run(schedule, (Kind.STARTED, {}), (Kind.RESULT, {"rows": []}), (Kind.FINISHED, {"up": 0}))


def job_rule(**fields: Any) -> AlertRule:
    values: dict[str, Any] = dict(name="Scheduled job failed", source="job_failed", threshold=0)
    values.update(fields)
    return AlertRule.objects.create(**values)


def events_of(user: Any) -> list[str]:
    return list(Notification.objects.filter(user=user).order_by("id").values_list("event", flat=True))


def test_a_failed_scheduled_run_fires_once_and_the_next_successful_run_resolves_it(world: Any) -> None:
    job_rule()
    schedule = scheduled(world.host_a)
    assert fails(schedule).status == "failed"
    incident = Incident.objects.get()
    assert (incident.state, incident.series) == ("firing", f"discover {CIDR}")
    fails(schedule)
    incident = Incident.objects.get()
    assert incident.state == "firing" and incident.last_value == 2, "a second failure counts on it"
    assert events_of(world.viewer_a) == ["firing"]
    assert succeeds(schedule).status == "finished"
    assert Incident.objects.get().state == "resolved"
    assert events_of(world.viewer_a) == ["firing", "resolved"]
    assert events_of(world.outsider) == []
    body = Notification.objects.filter(user=world.viewer_a).order_by("id").first()
    assert body is not None and "Failed runs in a row: 1" in body.body


def test_a_run_interrupted_by_an_agent_restart_fires_too(world: Any) -> None:
    job_rule()
    schedule = scheduled(world.host_a)
    job = run(schedule, (Kind.STARTED, {}))
    assert job.status == "running"
    reconcile_jobs(world.host_a.id, [])  # the agent reconnected without it
    job.refresh_from_db()
    assert job.status == "interrupted"
    assert Incident.objects.get().state == "firing"


def test_a_failed_job_no_schedule_started_raises_nothing(world: Any) -> None:
    job_rule()
    job = ToolJob.objects.create(host=world.host_a, tool="discover", params={"target": CIDR})
    record_event(world.host_a.id, Kind(job_id=str(job.id), kind=Kind.FAILED, payload_json="{}"))
    assert not Incident.objects.exists()


def test_a_cancelled_run_is_no_failure(world: Any) -> None:
    job_rule()
    run(scheduled(world.host_a), (Kind.STARTED, {}), (Kind.CANCELLED, {}))
    assert not Incident.objects.exists()


def test_a_rule_matches_on_the_tool_name_and_its_scope(world: Any) -> None:
    job_rule(match="port_scan")
    job_rule(name="group B only", group=world.host_b.groups.get())
    fails(scheduled(world.host_a, tool="discover"))
    assert not Incident.objects.exists()
    fails(scheduled(world.host_a, tool="port_scan"))
    assert list(Incident.objects.values_list("rule__match", "series")) == [("port_scan", f"port_scan {CIDR}")]
