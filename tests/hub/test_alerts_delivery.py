"""Notifications leaving the hub from the persisted outbox: a signed webhook that survives its
target being down, e-mail to a real local SMTP server, an Apprise URL, grouping per channel."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import http.server
import itertools
import json
import socket
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from asgiref.sync import sync_to_async
from django.utils import timezone
from everyst.agent.v1 import agent_pb2
from everyst_hub.alerts.delivery import deliver_due
from everyst_hub.alerts.engine import AlertEngine
from everyst_hub.alerts.models import AlertRule, NotificationChannel, OutboxItem
from everyst_hub.metrics.services import IncomingBatch, store_samples

from tests.conftest import access_token_for
from tests.support.ingest import connected_host

SECRET = "webhook-signing-secret"
_seq = itertools.count(1)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Target:
    """A local HTTP endpoint on 127.0.0.1 that records every POST (headers and body)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.requests: list[tuple[dict[str, str], bytes, str]] = []
        self.server: http.server.ThreadingHTTPServer | None = None

    def start(self) -> None:
        received = self.requests

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (the stdlib's name)
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                received.append((dict(self.headers.items()), body, self.path))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None


@pytest.fixture
def target() -> Iterator[Target]:
    t = Target(free_port())
    yield t
    t.stop()


def valid_signature(headers: dict[str, str], body: bytes) -> bool:
    expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(headers.get("X-Everyst-Signature", ""), expected)


def memory(ts_ms: int, percent: float) -> agent_pb2.Sample:
    s = agent_pb2.Sample(ts_ms=ts_ms)
    s.memory.percent = percent
    return s


def memory_rule(**fields: Any) -> AlertRule:
    values: dict[str, Any] = dict(
        name="Memory high", metric="memory.percent", threshold=90, severity="critical"
    )
    values.update(fields)
    return AlertRule.objects.create(**values)


def fire_and_resolve(engine: AlertEngine, host: Any, second: int) -> None:
    """One firing and one resolved notification of the host, through store + engine as ingest does."""
    base = int(time.time() * 1000) - 3_600_000 + second * 10_000
    for offset, percent in ((0, 95), (1000, 10)):
        batch = [
            IncomingBatch(
                host.id, agent_pb2.MetricBatch(seq=next(_seq), samples=[memory(base + offset, percent)])
            )
        ]
        store_samples(batch)
        engine.observe(batch)


@pytest.fixture
def quiet_defaults(world: Any) -> None:
    AlertRule.objects.filter(builtin=True).update(enabled=False)


@pytest.mark.django_db(transaction=True)
async def test_a_webhook_target_down_for_a_while_receives_every_notification_afterwards_in_order_once_signed(
    world: Any, settings: Any, target: Target, quiet_defaults: None
) -> None:
    """The real ingest path (gRPC stream → writer → engine) and the hub's own delivery worker."""
    from everyst_hub.ingest.server import start_ingest_server

    settings.ALERTS_GROUP_SECONDS = 0.0
    settings.ALERTS_RETRY_BASE_SECONDS = 0.05
    settings.ALERTS_RETRY_MAX_SECONDS = 0.3
    await sync_to_async(memory_rule)()
    await sync_to_async(NotificationChannel.objects.create)(
        name="hook", kind="webhook", config={"url": f"http://127.0.0.1:{target.port}/hook"}, secret=SECRET
    )
    hub = await start_ingest_server("127.0.0.1", 0)
    try:
        _, stream = await connected_host(hub, world, "web-1")
        now = int(time.time() * 1000)
        for seq, (offset, percent) in enumerate([(0, 95), (1000, 96), (2000, 10), (3000, 97), (4000, 10)], 1):
            message = agent_pb2.AgentMessage(
                metrics=agent_pb2.MetricBatch(seq=seq, samples=[memory(now + offset, percent)])
            )
            await stream.call.write(message)
            await stream.read()  # the ack: stored, and evaluated right after the commit
        queued = sync_to_async(OutboxItem.objects.filter(delivered_at__isnull=True).count)
        deadline = time.monotonic() + 5
        while await queued() < 4 and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        assert await queued() == 4, "firing, resolved, firing, resolved should wait in the outbox"
        await asyncio.sleep(1.5)  # down: the worker keeps failing and backing off
        failed = await sync_to_async(lambda: max(OutboxItem.objects.values_list("attempts", flat=True)))()
        assert failed >= 2
        assert not target.requests
        target.start()
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if not await sync_to_async(OutboxItem.objects.filter(delivered_at__isnull=True).exists)():
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(1.5)  # long enough for a duplicate to show up
        await stream.close()
    finally:
        await hub.stop(0.5)
    events = []
    for headers, body, path in target.requests:
        assert path == "/hook"
        assert valid_signature(headers, body), "bad or missing X-Everyst-Signature"
        payload = json.loads(body)
        assert payload["version"] == 1 and payload["channel"] == "hook"
        events.extend(
            (e["event"], e["alert"]["id"], e["alert"]["host"]["hostname"]) for e in payload["events"]
        )
    assert [e[0] for e in events] == ["firing", "resolved", "firing", "resolved"]
    first, second = events[0][1], events[2][1]
    assert first != second and [e[1] for e in events] == [first, first, second, second]
    assert {e[2] for e in events} == {"web-1"}


@pytest.mark.django_db
def test_notifications_of_one_channel_within_the_grouping_window_leave_as_one_message(
    world: Any, settings: Any, target: Target, quiet_defaults: None
) -> None:
    settings.ALERTS_GROUP_SECONDS = 10.0
    target.start()
    memory_rule()
    NotificationChannel.objects.create(
        name="hook", kind="webhook", config={"url": f"http://127.0.0.1:{target.port}/"}, secret=SECRET
    )
    engine = AlertEngine()
    engine.load()
    fire_and_resolve(engine, world.host_a, 0)
    assert deliver_due() == 2  # the first message goes at once
    for n in range(1, 6):  # a storm: five hosts' worth of notifications in the window
        fire_and_resolve(engine, world.host_b, n)
    assert deliver_due() == 0
    assert deliver_due(timezone.now() + timedelta(seconds=5)) == 0
    assert deliver_due(timezone.now() + timedelta(seconds=11)) == 10
    assert [len(json.loads(body)["events"]) for _, body, _ in target.requests] == [2, 10]


@pytest.mark.django_db
def test_an_email_channel_delivers_to_a_real_smtp_server_with_the_alert_in_subject_and_body(
    world: Any, settings: Any, quiet_defaults: None
) -> None:
    received: list[Any] = []

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's name)
            received.append(envelope)
            return "250 OK"

    port = free_port()
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
        settings.DEFAULT_FROM_EMAIL = "everyst@hub.test"
        memory_rule()
        NotificationChannel.objects.create(name="ops mail", kind="email", config={"to": ["ops@example.com"]})
        engine = AlertEngine()
        engine.load()
        batch = [
            IncomingBatch(
                world.host_a.id, agent_pb2.MetricBatch(seq=1, samples=[memory(int(time.time() * 1000), 97.5)])
            )
        ]
        store_samples(batch)
        engine.observe(batch)
        assert deliver_due() == 1
    finally:
        controller.stop()
    (envelope,) = received
    assert envelope.mail_from == "everyst@hub.test" and envelope.rcpt_tos == ["ops@example.com"]
    text = envelope.content.decode()
    assert "Subject: [Everyst] CRITICAL firing: Memory high on host-a" in text
    assert "Condition: memory.percent > 90" in text
    assert "Value: 97.5 (peak 97.5)" in text


@pytest.mark.django_db
def test_an_apprise_url_pointing_at_a_local_http_target_is_delivered(
    world: Any, target: Target, quiet_defaults: None
) -> None:
    target.start()
    memory_rule()
    NotificationChannel.objects.create(
        name="chat", kind="apprise", secret=f"json://127.0.0.1:{target.port}/notify"
    )
    engine = AlertEngine()
    engine.load()
    fire_and_resolve(engine, world.host_a, 0)
    assert deliver_due() == 2
    ((_, body, path),) = target.requests
    payload = json.loads(body)
    assert path == "/notify"
    assert payload["title"] == "[Everyst] 2 alert notifications"
    assert "CRITICAL firing: Memory high on host-a" in payload["message"]
    assert "CRITICAL resolved: Memory high on host-a" in payload["message"]


@pytest.mark.django_db
def test_an_admin_sends_a_test_through_a_channel_whose_secret_the_api_never_returns(
    world: Any, api: Any, target: Target
) -> None:
    target.start()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {access_token_for(world.admin)}")
    created = api.post(
        "/api/v1/notification-channels",
        {
            "name": "hook",
            "kind": "webhook",
            "config": {"url": f"http://127.0.0.1:{target.port}/t"},
            "secret": SECRET,
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    channel = created.json()
    assert channel["has_secret"] is True and SECRET not in created.content.decode()
    listed = api.get("/api/v1/notification-channels")
    assert SECRET not in listed.content.decode()
    renamed = api.patch(f"/api/v1/notification-channels/{channel['id']}", {"name": "hook 2"}, format="json")
    assert renamed.status_code == 200 and renamed.json()["has_secret"] is True
    result = api.post(f"/api/v1/notification-channels/{channel['id']}/test")
    assert result.json() == {"delivered": True, "error": None}
    ((headers, body, _),) = target.requests
    assert valid_signature(headers, body)
    assert json.loads(body)["events"][0]["event"] == "test"

    target.stop()
    down = api.post(f"/api/v1/notification-channels/{channel['id']}/test")
    assert down.json()["delivered"] is False and "unreachable" in down.json()["error"]
