"""The agent_dropping alert source: an agent whose spool overflowed reports a growing dropped count
with its batches; the hub warns once while it grows and resolves once it has stopped."""

from __future__ import annotations

import itertools
import time
from typing import Any

import pytest
from everyst.agent.v1 import agent_pb2
from everyst_hub.alerts.engine import AlertEngine
from everyst_hub.alerts.models import AlertRule, Incident, Notification
from everyst_hub.inventory.models import Host
from everyst_hub.metrics.services import IncomingBatch, store_samples

pytestmark = pytest.mark.django_db

_seq = itertools.count(1)
START = int(time.time() * 1000) - 600_000


def report(engine: AlertEngine, host: Any, second: int, dropped_total: int) -> None:
    """One batch as the ingest writer handles it: stored (which records the host's dropped count),
    then handed to the engine."""
    sample = agent_pb2.Sample(ts_ms=START + second * 1000)
    sample.memory.percent = 10
    batch = agent_pb2.MetricBatch(seq=next(_seq), samples=[sample], dropped_total=dropped_total)
    batches = [IncomingBatch(host.id, batch)]
    store_samples(batches)
    engine.observe(batches)


def dropping_rule(**fields: Any) -> AlertRule:
    values: dict[str, Any] = dict(
        name="Agent dropping", source="agent_dropping", threshold=0, clear_seconds=10
    )
    values.update(fields)
    return AlertRule.objects.create(**values)


@pytest.fixture
def engine(world: Any) -> AlertEngine:
    AlertRule.objects.filter(builtin=True).update(enabled=False)
    engine = AlertEngine()
    return engine


def events_of(user: Any) -> list[str]:
    return list(Notification.objects.filter(user=user).order_by("id").values_list("event", flat=True))


def test_a_growing_dropped_count_fires_once_and_resolves_once_it_stops_growing_for_clear_seconds(
    world: Any, engine: AlertEngine
) -> None:
    dropping_rule()
    engine.load()
    report(engine, world.host_a, 0, 0)
    report(engine, world.host_a, 1, 0)
    assert not Incident.objects.exists()
    report(engine, world.host_a, 2, 5)
    assert Host.objects.get(id=world.host_a.id).dropped_samples == 5
    incident = Incident.objects.get()
    assert incident.state == "firing" and incident.series == ""
    report(engine, world.host_a, 3, 9)  # still growing: the same incident
    for second in range(4, 13):
        report(engine, world.host_a, second, 9)
    assert Incident.objects.get().state == "firing", "resolved before 10 s without a new drop"
    report(engine, world.host_a, 13, 9)
    incident = Incident.objects.get()
    assert incident.state == "resolved"
    assert incident.ended_at is not None and incident.ended_at.timestamp() * 1000 == START + 13_000
    assert incident.last_value == 9, "the incident counts every sample dropped since it began"
    assert events_of(world.viewer_a) == ["firing", "resolved"]
    assert events_of(world.outsider) == []
    notification = Notification.objects.filter(user=world.viewer_a).first()
    assert notification is not None and "Samples dropped: 9" in notification.body


def test_drops_stored_before_the_hub_started_are_not_taken_for_new_ones(
    world: Any, engine: AlertEngine
) -> None:
    dropping_rule()
    Host.objects.filter(id=world.host_a.id).update(dropped_samples=50)
    engine.load()
    report(engine, world.host_a, 0, 50)
    report(engine, world.host_a, 1, 50)
    assert not Incident.objects.exists()
    report(engine, world.host_a, 2, 51)
    assert Incident.objects.get().state == "firing"


def test_a_reinstalled_agent_counting_from_zero_again_is_not_dropping(
    world: Any, engine: AlertEngine
) -> None:
    dropping_rule()
    Host.objects.filter(id=world.host_a.id).update(dropped_samples=50)
    engine.load()
    report(engine, world.host_a, 0, 0)
    report(engine, world.host_a, 1, 0)
    assert not Incident.objects.exists()


def test_a_rule_with_a_duration_counts_the_drops_within_that_window(world: Any, engine: AlertEngine) -> None:
    dropping_rule(threshold=10, for_seconds=60)
    engine.load()
    # 4 samples lost every 70 s never add up to more than 10 within a minute …
    report(engine, world.host_a, 0, 4)
    report(engine, world.host_a, 70, 8)
    report(engine, world.host_a, 140, 12)
    assert not Incident.objects.exists()
    # … 4 more at 150 s and 4 at 170 s do: 12 within 30 s.
    report(engine, world.host_a, 150, 16)
    assert not Incident.objects.exists()
    report(engine, world.host_a, 170, 20)
    incident = Incident.objects.get()
    assert incident.started_at.timestamp() * 1000 == START + 140_000, "the breach began at its first drop"


def test_a_rule_scoped_to_a_group_ignores_a_dropping_host_outside_it(world: Any, engine: AlertEngine) -> None:
    dropping_rule(group=world.host_a.groups.get())
    engine.load()
    report(engine, world.host_b, 0, 0)
    report(engine, world.host_b, 1, 7)
    assert not Incident.objects.exists()


def test_the_default_rule_warns_of_an_agent_dropping_samples(world: Any) -> None:
    rule = AlertRule.objects.get(builtin=True, source="agent_dropping")
    assert rule.enabled and rule.severity == "warning"
    AlertRule.objects.filter(builtin=True).exclude(id=rule.id).update(enabled=False)
    engine = AlertEngine()
    engine.load()
    report(engine, world.host_a, 0, 0)
    report(engine, world.host_a, 1, 3)
    assert Incident.objects.get(rule=rule).severity == "warning"
    assert events_of(world.viewer_a) == ["firing"]


def test_a_restarted_engine_resolves_the_incident_it_adopted(world: Any, engine: AlertEngine) -> None:
    dropping_rule(clear_seconds=5)
    engine.load()
    report(engine, world.host_a, 0, 0)
    report(engine, world.host_a, 1, 4)
    restarted = AlertEngine()
    restarted.load()
    for second in range(2, 8):
        report(restarted, world.host_a, second, 4)
    assert Incident.objects.get().state == "resolved"
    assert events_of(world.viewer_a) == ["firing", "resolved"]
