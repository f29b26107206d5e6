"""Alert rules evaluated as ingest stores samples: fire after the duration, resolve below the clear
bound, survive a restart, stay single across replicas, reach only those who may see the host."""

from __future__ import annotations

import itertools
import time
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from everyst.agent.v1 import agent_pb2
from everyst_hub.alerts.engine import AlertEngine
from everyst_hub.alerts.models import AlertRule, Incident, Notification, Silence
from everyst_hub.audit.models import AuditEvent
from everyst_hub.metrics.services import IncomingBatch, store_samples

from tests.conftest import access_token_for

pytestmark = pytest.mark.django_db

_seq = itertools.count(1)
START = int(time.time() * 1000) - 600_000


def sample(second: int, memory: float = 10.0, disks: dict[str, float] | None = None) -> agent_pb2.Sample:
    s = agent_pb2.Sample(ts_ms=START + second * 1000)
    s.memory.percent = memory
    for mount, percent in (disks or {}).items():
        s.disks.add(mount=mount, percent=percent, total=100)
    return s


def feed(engine: AlertEngine, host: Any, *samples: agent_pb2.Sample) -> None:
    """What the ingest writer does with a flush: store it, then hand it to the engine."""
    batches = [IncomingBatch(host.id, agent_pb2.MetricBatch(seq=next(_seq), samples=[s])) for s in samples]
    store_samples(batches)
    engine.observe(batches)


def memory_rule(**fields: Any) -> AlertRule:
    values = dict(
        name="Memory high",
        metric="memory.percent",
        threshold=90,
        for_seconds=5,
        clear_threshold=85,
        severity="critical",
    )
    values.update(fields)
    return AlertRule.objects.create(**values)


@pytest.fixture
def engine(world: Any) -> AlertEngine:
    # The default rules would join in on these samples; each test states its own.
    AlertRule.objects.filter(builtin=True).update(enabled=False)
    frames: list[tuple[str, str]] = []
    engine = AlertEngine(publish=frames.extend)
    engine.frames = frames  # type: ignore[attr-defined]
    return engine


def events_of(user: Any) -> list[str]:
    return list(Notification.objects.filter(user=user).order_by("id").values_list("event", flat=True))


def test_the_default_rules_are_installed_editable_and_disable_able(world: Any) -> None:
    names = set(AlertRule.objects.filter(builtin=True).values_list("name", flat=True))
    assert {
        "Host offline",
        "Disk above 90 %",
        "Inodes above 90 %",
        "Memory above 90 %",
        "CPU above 95 %",
        "Failed systemd unit",
        "New device on a watched network",
    } <= names
    memory = AlertRule.objects.get(builtin=True, name="Memory above 90 %")
    assert (memory.metric, memory.threshold, memory.for_seconds) == ("memory.percent", 90, 300)
    memory.enabled = False
    memory.save()
    assert not AlertRule.objects.get(id=memory.id).enabled


def test_a_host_over_its_threshold_fires_once_after_its_duration_and_resolves_once_below_the_clear_bound(
    world: Any, engine: AlertEngine
) -> None:
    memory_rule()
    engine.load()
    feed(engine, world.host_a, *(sample(t, memory=95) for t in range(5)))
    assert not Incident.objects.exists(), "fired before its 5 s duration"
    feed(engine, world.host_a, sample(5, memory=97), sample(6, memory=96))
    incident = Incident.objects.get()
    assert incident.state == "firing"
    assert incident.started_at.timestamp() * 1000 == START
    feed(engine, world.host_a, *(sample(t, memory=88) for t in range(7, 12)))  # below 90, above 85
    assert Incident.objects.get().state == "firing", "resolved above its clear bound"
    feed(engine, world.host_a, *(sample(t, memory=50) for t in range(12, 20)))
    incident = Incident.objects.get()
    assert incident.state == "resolved"
    assert incident.ended_at is not None and incident.ended_at.timestamp() * 1000 == START + 12_000
    assert incident.peak_value == 97
    assert events_of(world.viewer_a) == ["firing", "resolved"]


def test_a_duration_is_met_by_the_sample_that_many_seconds_later_despite_collection_jitter(
    world: Any, engine: AlertEngine
) -> None:
    memory_rule()
    engine.load()
    first = sample(0, memory=95)
    first.ts_ms += 40  # collected 40 ms late; the next ones on time
    feed(engine, world.host_a, first, *(sample(t, memory=95) for t in range(1, 5)))
    assert not Incident.objects.exists()
    feed(engine, world.host_a, sample(5, memory=95))
    assert Incident.objects.count() == 1


def test_a_clear_duration_holds_the_incident_until_it_has_passed(world: Any, engine: AlertEngine) -> None:
    memory_rule(for_seconds=0, clear_seconds=3)
    engine.load()
    feed(engine, world.host_a, sample(0, memory=95), sample(1, memory=50), sample(2, memory=50))
    assert Incident.objects.get().state == "firing"
    feed(engine, world.host_a, sample(3, memory=95), sample(4, memory=50), sample(7, memory=50))
    assert Incident.objects.get().state == "resolved"
    assert Incident.objects.get().ended_at.timestamp() * 1000 == START + 7000


def test_a_restarted_engine_neither_repeats_nor_forgets_an_open_incident(
    world: Any, engine: AlertEngine
) -> None:
    memory_rule(for_seconds=0)
    engine.load()
    feed(engine, world.host_a, sample(0, memory=95))
    assert Incident.objects.filter(state="firing").count() == 1

    restarted = AlertEngine(publish=lambda frames: None)
    restarted.load()
    feed(restarted, world.host_a, *(sample(t, memory=99) for t in range(1, 5)))
    assert Incident.objects.count() == 1
    assert events_of(world.viewer_a) == ["firing"]
    feed(restarted, world.host_a, sample(5, memory=10))
    assert Incident.objects.get().state == "resolved"
    assert Incident.objects.get().peak_value == 99
    assert events_of(world.viewer_a) == ["firing", "resolved"]


def test_two_replicas_seeing_the_same_breach_open_one_incident_and_notify_once(
    world: Any, engine: AlertEngine
) -> None:
    memory_rule(for_seconds=0)
    other = AlertEngine(publish=lambda frames: None)
    engine.load()
    other.load()
    feed(engine, world.host_a, sample(0, memory=95))
    feed(other, world.host_a, sample(1, memory=95))
    assert Incident.objects.count() == 1
    assert events_of(world.admin) == ["firing"]
    feed(engine, world.host_a, sample(2, memory=10))
    feed(other, world.host_a, sample(3, memory=10))
    assert events_of(world.admin) == ["firing", "resolved"]


def test_alerts_reach_only_users_who_may_see_the_host(world: Any, engine: AlertEngine) -> None:
    memory_rule(for_seconds=0)
    engine.load()
    feed(engine, world.host_a, sample(0, memory=95))
    feed(engine, world.host_b, sample(0, memory=95))
    told = {
        name: set(Notification.objects.filter(user=u).values_list("incident__host__hostname", flat=True))
        for name, u in world.users().items()
    }
    assert told == {
        "owner": {"host-a", "host-b"},
        "admin": {"host-a", "host-b"},
        "operator_a": {"host-a"},
        "viewer_a": {"host-a"},
        "outsider": set(),
    }
    groups = {group for group, _ in engine.frames}  # type: ignore[attr-defined]
    assert f"user.{world.outsider.id}" not in groups
    assert f"user.{world.viewer_a.id}" in groups


def test_series_matching_and_exclusions_pick_the_series_a_rule_watches(
    world: Any, engine: AlertEngine
) -> None:
    AlertRule.objects.create(name="root full", metric="disk.percent", match="/", threshold=90)
    AlertRule.objects.create(
        name="any disk but /boot", metric="disk.percent", exclude=["/boot*"], threshold=90
    )
    engine.load()
    feed(engine, world.host_a, sample(0, disks={"/": 95, "/boot": 99, "/data": 50}))
    fired = set(Incident.objects.values_list("rule__name", "series"))
    assert fired == {("root full", "/"), ("any disk but /boot", "/")}


def test_a_rule_scoped_to_a_group_ignores_hosts_outside_it(world: Any, engine: AlertEngine) -> None:
    memory_rule(for_seconds=0, group=world.group_b)
    engine.load()
    feed(engine, world.host_a, sample(0, memory=95))
    feed(engine, world.host_b, sample(0, memory=95))
    assert list(Incident.objects.values_list("host__hostname", flat=True)) == ["host-b"]


def test_a_rule_edited_through_the_api_is_evaluated_at_once(
    world: Any, engine: AlertEngine, api: Any
) -> None:
    engine.load()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {access_token_for(world.operator_a)}")
    response = api.post(
        "/api/v1/alert-rules",
        {"name": "host-a memory", "metric": "memory.percent", "threshold": 80, "host": str(world.host_a.id)},
        format="json",
    )
    assert response.status_code == 201, response.content
    feed(engine, world.host_a, sample(0, memory=85))
    assert Incident.objects.get().rule.name == "host-a memory"


def test_a_rule_changed_by_another_replica_is_picked_up_on_the_next_tick(
    world: Any, engine: AlertEngine
) -> None:
    rule = memory_rule(for_seconds=0)
    engine.load()
    # An UPDATE from elsewhere: no in-process signal, only the rule's version in the database.
    AlertRule.objects.filter(id=rule.id).update(threshold=50, updated_at=timezone.now())
    feed(engine, world.host_a, sample(0, memory=60))
    assert not Incident.objects.exists(), "the cached rule still applies until the tick"
    engine.tick()
    feed(engine, world.host_a, sample(1, memory=60))
    assert Incident.objects.get().rule_id == rule.id


def test_a_silence_keeps_the_incident_but_suppresses_its_notifications(
    world: Any, engine: AlertEngine
) -> None:
    rule = memory_rule(for_seconds=0)
    Silence.objects.create(
        host=world.host_a,
        rule=rule,
        starts_at=timezone.now() - timedelta(minutes=1),
        ends_at=timezone.now() + timedelta(hours=1),
        comment="maintenance",
    )
    engine.load()
    feed(engine, world.host_a, sample(0, memory=95))
    feed(engine, world.host_b, sample(0, memory=95))
    silenced = Incident.objects.get(host=world.host_a)
    assert silenced.silenced and silenced.state == "firing"
    assert not Notification.objects.filter(incident=silenced).exists()
    assert Notification.objects.filter(incident__host=world.host_b).exists()


def test_acknowledging_an_alert_stops_its_repeats_and_is_audited(
    world: Any, engine: AlertEngine, api: Any
) -> None:
    memory_rule(for_seconds=0, repeat_minutes=1)
    engine.load()
    feed(engine, world.host_a, sample(0, memory=95))
    incident = Incident.objects.get()
    engine.tick(timezone.now() + timedelta(seconds=61))
    assert events_of(world.viewer_a) == ["firing", "repeat"]
    engine.tick(timezone.now() + timedelta(seconds=90))
    assert events_of(world.viewer_a) == ["firing", "repeat"], "repeated before its interval"

    api.credentials(HTTP_AUTHORIZATION=f"Bearer {access_token_for(world.viewer_a)}")
    assert api.post(f"/api/v1/alerts/{incident.id}/ack").status_code == 403
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {access_token_for(world.operator_a)}")
    response = api.post(f"/api/v1/alerts/{incident.id}/ack")
    assert response.status_code == 200
    assert response.json()["acknowledged_by"] == "operator_a"
    engine.tick(timezone.now() + timedelta(minutes=10))
    assert events_of(world.viewer_a) == ["firing", "repeat"]
    audit = AuditEvent.objects.get(action="alert.acknowledge")
    assert audit.actor == world.operator_a and audit.details["alert"] == incident.id


def test_a_host_that_stops_reporting_fires_host_offline_and_resolves_when_it_is_back(
    world: Any, engine: AlertEngine
) -> None:
    AlertRule.objects.create(name="offline", source="host_offline", threshold=30, severity="critical")
    engine.load()
    now = timezone.now()
    world.host_a.last_seen = now - timedelta(seconds=10)
    world.host_a.save()
    engine.tick(now)
    assert not Incident.objects.exists()
    engine.tick(now + timedelta(seconds=31))
    incident = Incident.objects.get()
    assert (incident.host_id, incident.state) == (world.host_a.id, "firing")
    engine.tick(now + timedelta(seconds=40))
    assert Incident.objects.count() == 1
    world.host_a.last_seen = now + timedelta(seconds=44)
    world.host_a.save()
    engine.tick(now + timedelta(seconds=45))
    assert Incident.objects.get().state == "resolved"
    assert events_of(world.viewer_a) == ["firing", "resolved"]


def test_a_failed_systemd_unit_fires_only_from_samples_that_report_units(
    world: Any, engine: AlertEngine
) -> None:
    AlertRule.objects.create(name="units", metric="systemd.failed_units", threshold=0)
    engine.load()
    quiet = sample(0)
    failing = sample(1)
    failing.failed_units.units.add(name="nginx.service", active="failed")
    feed(engine, world.host_a, quiet, failing, sample(2))
    assert Incident.objects.get().state == "firing", "a sample without the units field resolved it"
    healthy = sample(30)
    healthy.failed_units.SetInParent()
    feed(engine, world.host_a, healthy)
    assert Incident.objects.get().state == "resolved"


def test_a_firing_whose_notifications_a_dying_hub_never_stored_is_told_once_by_the_next_tick(
    world: Any, engine: AlertEngine
) -> None:
    memory_rule(for_seconds=0)
    dying = AlertEngine(dispatch=lambda events: None)  # wrote the incident, died before the fan-out
    dying.load()
    feed(dying, world.host_a, sample(0, memory=95))
    assert Incident.objects.get().state == "firing" and events_of(world.viewer_a) == []

    engine.load()
    engine.tick()
    assert events_of(world.viewer_a) == [], "too fresh: its own hub may still be telling it"
    engine.tick(timezone.now() + timedelta(seconds=20))
    engine.tick(timezone.now() + timedelta(seconds=40))
    assert events_of(world.viewer_a) == ["firing"]


def listening(second: int, *ports: int) -> agent_pb2.Sample:
    s = sample(second)
    s.listening.SetInParent()
    for port in ports:
        s.listening.sockets.add(protocol="tcp", address="0.0.0.0", port=port, process="demo")
    return s


def test_a_new_listening_port_alerts_once_and_a_restarted_hub_takes_its_first_list_as_the_baseline(
    world: Any, engine: AlertEngine
) -> None:
    AlertRule.objects.create(
        name="new port", source="host_event", metric="listening_port_new", exclude=["53/*"], threshold=0
    )
    engine.load()
    feed(engine, world.host_a, listening(0, 22), sample(1))
    assert not Incident.objects.exists(), "the first list is the baseline"
    feed(engine, world.host_a, listening(30, 22, 8080, 53))
    (alert,) = Incident.objects.all()
    assert (alert.series, alert.state) == ("8080/tcp", "resolved")
    assert events_of(world.viewer_a) == ["firing"]
    feed(engine, world.host_a, listening(60, 22, 8080, 53))
    assert Incident.objects.count() == 1

    restarted = AlertEngine(publish=lambda frames: None)
    restarted.load()
    feed(restarted, world.host_a, listening(90, 22, 8080, 53, 9090))
    assert Incident.objects.count() == 1, "nothing is new to a hub that has not seen a list yet"
