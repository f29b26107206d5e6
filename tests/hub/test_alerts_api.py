"""Alerts over REST and the live WebSocket, as each named user sees them."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.utils import timezone
from everyst.agent.v1 import agent_pb2
from everyst_hub.alerts.engine import AlertEngine
from everyst_hub.alerts.models import AlertRule, Notification, Silence
from everyst_hub.audit.models import AuditEvent
from everyst_hub.config.asgi import application
from everyst_hub.metrics.services import IncomingBatch, store_samples
from everyst_hub.realtime.publish import publish_texts

from tests.conftest import access_token_for

HEADERS = [(b"origin", b"http://127.0.0.1:8000"), (b"host", b"127.0.0.1:8000")]


def breach(engine: AlertEngine, *hosts: Any) -> None:
    for host in hosts:
        s = agent_pb2.Sample(ts_ms=int(time.time() * 1000))
        s.memory.percent = 99
        batch = [IncomingBatch(host.id, agent_pb2.MetricBatch(seq=1, samples=[s]))]
        store_samples(batch)
        engine.observe(batch)


def armed_engine(frames: list[tuple[str, str]] | None = None) -> AlertEngine:
    AlertRule.objects.filter(builtin=True).update(enabled=False)
    AlertRule.objects.create(name="Memory high", metric="memory.percent", threshold=90, severity="critical")
    engine = AlertEngine(publish=frames.extend if frames is not None else None)
    engine.load()
    return engine


def as_user(api: Any, user: Any) -> Any:
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {access_token_for(user)}")
    return api


@pytest.mark.django_db
def test_each_user_lists_only_alerts_of_hosts_they_may_see(world: Any, api: Any) -> None:
    breach(armed_engine(), world.host_a, world.host_b)
    seen = {
        name: sorted(
            a["host"]["hostname"] for a in as_user(api, user).get("/api/v1/alerts?state=firing").json()
        )
        for name, user in world.users().items()
    }
    assert seen == {
        "owner": ["host-a", "host-b"],
        "admin": ["host-a", "host-b"],
        "operator_a": ["host-a"],
        "viewer_a": ["host-a"],
        "outsider": [],
    }
    other = as_user(api, world.admin).get(f"/api/v1/alerts?host={world.host_b.id}").json()[0]
    assert as_user(api, world.viewer_a).get(f"/api/v1/alerts/{other['id']}").status_code == 404


@pytest.mark.django_db
def test_notifications_count_list_and_mark_read_per_user(world: Any, api: Any) -> None:
    breach(armed_engine(), world.host_a, world.host_b)
    viewer = as_user(api, world.viewer_a)
    assert viewer.get("/api/v1/notifications/unread").json() == {"unread": 1}
    (mine,) = viewer.get("/api/v1/notifications").json()
    assert mine["title"] == "CRITICAL firing: Memory high on host-a" and mine["read"] is False
    someone_elses = Notification.objects.filter(user=world.admin).values_list("id", flat=True)
    assert viewer.post("/api/v1/notifications/read", {"ids": list(someone_elses)}, format="json").json() == {
        "marked": 0,
        "unread": 1,
    }
    assert (
        viewer.post("/api/v1/notifications/read", {"ids": [mine["id"]]}, format="json").json()["unread"] == 0
    )
    admin = as_user(api, world.admin)
    assert admin.get("/api/v1/notifications/unread").json() == {"unread": 2}
    assert admin.post("/api/v1/notifications/read", {"all": True}, format="json").json() == {
        "marked": 2,
        "unread": 0,
    }


@pytest.mark.django_db
def test_operators_manage_rules_and_silences_of_their_groups_only(world: Any, api: Any) -> None:
    operator = as_user(api, world.operator_a)
    rule = {"name": "load", "metric": "load.per_core", "threshold": 2}
    assert operator.post("/api/v1/alert-rules", rule, format="json").status_code == 403  # every host: admins
    assert (
        operator.post("/api/v1/alert-rules", {**rule, "group": world.group_b.id}, format="json").status_code
        == 404
    )
    mine = operator.post("/api/v1/alert-rules", {**rule, "group": world.group_a.id}, format="json")
    assert mine.status_code == 201, mine.content
    assert (
        operator.post(
            "/api/v1/alert-rules", {**rule, "metric": "nope", "group": world.group_a.id}, format="json"
        ).status_code
        == 400
    )
    builtin = AlertRule.objects.get(builtin=True, name="Disk above 90 %")
    assert (
        operator.patch(f"/api/v1/alert-rules/{builtin.id}", {"enabled": False}, format="json").status_code
        == 403
    )
    admin = as_user(api, world.admin)
    assert (
        admin.patch(f"/api/v1/alert-rules/{builtin.id}", {"threshold": 95}, format="json").json()["threshold"]
        == 95
    )

    ends = (timezone.now() + timedelta(hours=2)).isoformat()
    operator = as_user(api, world.operator_a)
    denied = operator.post("/api/v1/silences", {"host": str(world.host_b.id), "ends_at": ends}, format="json")
    assert denied.status_code == 404
    created = operator.post(
        "/api/v1/silences",
        {"host": str(world.host_a.id), "ends_at": ends, "comment": "kernel update"},
        format="json",
    )
    assert created.status_code == 201, created.content
    viewer = as_user(api, world.viewer_a)
    assert (
        viewer.post(
            "/api/v1/silences", {"host": str(world.host_a.id), "ends_at": ends}, format="json"
        ).status_code
        == 403
    )
    assert [s["comment"] for s in viewer.get("/api/v1/silences").json()] == ["kernel update"]
    assert as_user(api, world.outsider).get("/api/v1/silences").json() == []
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"alert.rule.create", "alert.rule.update", "alert.silence.create"} <= actions
    assert Silence.objects.get().created_by == world.operator_a


@pytest.mark.django_db(transaction=True)
async def test_alert_and_notification_frames_reach_the_sockets_of_users_who_may_see_the_host_only(
    world: Any,
) -> None:
    sockets = {}
    for name in ("viewer_a", "outsider", "owner"):
        ws = WebsocketCommunicator(application, "/ws/live/", headers=HEADERS)
        assert (await ws.connect())[0]
        await ws.send_json_to(
            {"type": "auth", "token": await sync_to_async(access_token_for)(getattr(world, name))}
        )
        assert (await ws.receive_json_from())["type"] == "auth.ok"
        sockets[name] = ws
    frames: list[tuple[str, str]] = []
    engine = await sync_to_async(armed_engine)(frames)
    await sync_to_async(breach)(engine, world.host_a)
    await publish_texts(frames)  # what the hub's runtime does with the engine's frames, on its loop
    for name in ("viewer_a", "owner"):
        alert = await sockets[name].receive_json_from()
        assert (alert["type"], alert["event"], alert["alert"]["host"]["hostname"]) == (
            "alert",
            "firing",
            "host-a",
        )
        notification = await sockets[name].receive_json_from()
        assert notification["type"] == "notification"
        assert notification["notification"]["title"] == "CRITICAL firing: Memory high on host-a"
    assert await sockets["outsider"].receive_nothing(timeout=0.3)
    for ws in sockets.values():
        await ws.disconnect()


@pytest.mark.django_db
def test_disabling_a_rule_resolves_what_it_fired(world: Any, api: Any) -> None:
    breach(armed_engine(), world.host_a)
    rule = AlertRule.objects.get(name="Memory high")
    response = as_user(api, world.admin).patch(
        f"/api/v1/alert-rules/{rule.id}", {"enabled": False}, format="json"
    )
    assert response.status_code == 200
    (alert,) = as_user(api, world.admin).get("/api/v1/alerts").json()
    assert alert["state"] == "resolved" and alert["ended_at"] is not None


def memory_sample(engine: AlertEngine, host: Any, percent: float, ts_ms: int) -> None:
    s = agent_pb2.Sample(ts_ms=ts_ms)
    s.memory.percent = percent
    batch = [IncomingBatch(host.id, agent_pb2.MetricBatch(seq=ts_ms, samples=[s]))]
    store_samples(batch)
    engine.observe(batch)


@pytest.mark.django_db
def test_deleting_a_rule_keeps_its_alerts_in_the_history_and_quietly_ends_those_firing(
    world: Any, api: Any
) -> None:
    engine = armed_engine()
    now = int(time.time() * 1000)
    for offset, percent in ((-60_000, 97), (-59_000, 10), (-1000, 98)):  # fired, resolved, fires again
        memory_sample(engine, world.host_a, percent, now + offset)
    rule = AlertRule.objects.get(name="Memory high")
    admin = as_user(api, world.admin)
    assert sorted(a["state"] for a in admin.get("/api/v1/alerts").json()) == ["firing", "resolved"]
    notifications = Notification.objects.count()

    assert admin.delete(f"/api/v1/alert-rules/{rule.id}").status_code == 204

    history = admin.get("/api/v1/alerts?state=resolved").json()
    assert len(history) == 2 and not admin.get("/api/v1/alerts?state=firing").json()
    for alert in history:
        assert alert["rule"] == {
            "id": None,
            "deleted": True,
            "name": "Memory high",
            "metric": "memory.percent",
            "source": "metric",
        }
        assert (alert["comparison"], alert["threshold"], alert["severity"]) == (">", 90, "critical")
        assert alert["ended_at"] is not None
    # The viewer of the host still sees its history, and the alert by its id.
    assert len(as_user(api, world.viewer_a).get("/api/v1/alerts").json()) == 2
    assert as_user(api, world.viewer_a).get(f"/api/v1/alerts/{history[0]['id']}").status_code == 200
    assert Notification.objects.count() == notifications  # ended quietly, as disabling does


@pytest.mark.django_db
def test_deleting_a_group_keeps_the_alerts_of_the_rules_scoped_to_it(world: Any, api: Any) -> None:
    AlertRule.objects.filter(builtin=True).update(enabled=False)
    rule = AlertRule.objects.create(
        name="Group A memory", metric="memory.percent", threshold=90, group=world.group_a
    )
    engine = AlertEngine()
    engine.load()
    memory_sample(engine, world.host_a, 99, int(time.time() * 1000))
    admin = as_user(api, world.admin)
    assert admin.delete(f"/api/v1/host-groups/{world.group_a.id}").status_code == 204
    assert not AlertRule.objects.filter(id=rule.id).exists()
    (alert,) = admin.get("/api/v1/alerts").json()
    assert alert["rule"]["deleted"] is True and alert["rule"]["name"] == "Group A memory"
    assert alert["state"] == "resolved"
