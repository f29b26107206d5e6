"""Each user chooses what reaches them: severities, host groups, toasts, e-mail, quiet hours."""

from __future__ import annotations

import socket
import time
from datetime import timedelta
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.utils import timezone
from everyst.agent.v1 import agent_pb2
from everyst_hub.alerts.delivery import deliver_due
from everyst_hub.alerts.engine import AlertEngine
from everyst_hub.alerts.models import AlertRule, Notification
from everyst_hub.metrics.services import IncomingBatch, store_samples

from tests.conftest import access_token_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def engine(world: Any) -> AlertEngine:
    AlertRule.objects.filter(builtin=True).update(enabled=False)
    AlertRule.objects.create(name="Memory high", metric="memory.percent", threshold=90, severity="warning")
    AlertRule.objects.create(name="Memory full", metric="memory.percent", threshold=98, severity="critical")
    frames: list[tuple[str, str]] = []
    engine = AlertEngine(publish=frames.extend)
    engine.frames = frames  # type: ignore[attr-defined]
    engine.load()
    return engine


def breach(engine: AlertEngine, host: Any, percent: float) -> None:
    s = agent_pb2.Sample(ts_ms=int(time.time() * 1000))
    s.memory.percent = percent
    batch = [IncomingBatch(host.id, agent_pb2.MetricBatch(seq=1, samples=[s]))]
    store_samples(batch)
    engine.observe(batch)


def prefer(api: Any, user: Any, **fields: Any) -> Any:
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {access_token_for(user)}")
    return api.put("/api/v1/notifications/preferences", fields, format="json")


def titles(user: Any) -> list[str]:
    return sorted(Notification.objects.filter(user=user).values_list("title", flat=True))


def test_a_user_hears_only_the_severities_and_groups_they_chose(
    world: Any, api: Any, engine: AlertEngine
) -> None:
    assert prefer(api, world.admin, min_severity="critical", groups=[world.group_b.id]).status_code == 200
    breach(engine, world.host_a, 99)
    breach(engine, world.host_b, 99)
    assert titles(world.admin) == ["CRITICAL firing: Memory full on host-b"]
    assert len(titles(world.owner)) == 4, "someone without preferences hears everything they may see"


def test_a_user_cannot_choose_a_group_they_may_not_see(world: Any, api: Any) -> None:
    assert prefer(api, world.viewer_a, groups=[world.group_b.id]).status_code == 404
    assert prefer(api, world.viewer_a, groups=[world.group_a.id]).json()["groups"] == [world.group_a.id]


def test_quiet_hours_keep_the_bell_but_hold_the_toast(world: Any, api: Any, engine: AlertEngine) -> None:
    now = timezone.now()
    # Around now; near midnight the window runs over it, which quiet hours allow.
    quiet = {
        "quiet_start": (now - timedelta(hours=1)).strftime("%H:%M"),
        "quiet_end": (now + timedelta(hours=1)).strftime("%H:%M"),
        "timezone": "UTC",
    }
    assert prefer(api, world.viewer_a, **quiet).status_code == 200
    breach(engine, world.host_a, 95)
    assert titles(world.viewer_a) == ["WARNING firing: Memory high on host-a"]
    toasted = {group for group, text in engine.frames if '"type":"notification"' in text}  # type: ignore[attr-defined]
    alerted = {group for group, text in engine.frames if '"type":"alert"' in text}  # type: ignore[attr-defined]
    assert f"user.{world.viewer_a.id}" not in toasted
    assert f"user.{world.viewer_a.id}" in alerted and f"user.{world.operator_a.id}" in toasted


def test_a_user_who_asks_for_email_gets_it_at_their_own_address(
    world: Any, api: Any, engine: AlertEngine, settings: Any
) -> None:
    assert prefer(api, world.viewer_a, email=True).status_code == 400, "no address on the profile yet"
    world.viewer_a.email = "viewer@example.com"
    world.viewer_a.save()
    assert prefer(api, world.viewer_a, email=True).json()["email"] is True
    received: list[Any] = []

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
            received.append(envelope)
            return "250 OK"

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
        breach(engine, world.host_a, 95)
        assert deliver_due() == 1
    finally:
        controller.stop()
    (envelope,) = received
    assert envelope.rcpt_tos == ["viewer@example.com"]
    assert "Subject: [Everyst] WARNING firing: Memory high on host-a" in envelope.content.decode()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {access_token_for(world.admin)}")
    assert api.get("/api/v1/notification-channels").json() == [], (
        "a personal channel is not the admins' to manage"
    )
