"""Alerts with two hub replicas on PostgreSQL + Redis: each incident fires once and each
notification leaves each channel once, even when both replicas evaluate the same host."""

from __future__ import annotations

import http.server
import json
import shutil
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.live import live_socket, next_frame
from tests.support.processes import AgentProcess, Hub, wait_until
from tests.support.scaleout import fresh_database, redis_database

pytestmark = pytest.mark.scaleout


@pytest.fixture
def database_url() -> Iterator[str]:
    with fresh_database("everyst_alerts") as url:
        yield url


@pytest.fixture
def redis_url() -> str:
    return redis_database(8)


@pytest.fixture
def webhook() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """A webhook target on 127.0.0.1 that keeps every payload."""
    received: list[dict[str, Any]] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (the stdlib's name)
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", received
    server.shutdown()
    server.server_close()


@pytest.fixture
def hubs(tmp_path: Path, database_url: str, redis_url: str) -> Iterator[list[Hub]]:
    shared = {
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "EVERYST_ALERTS_TICK_SECONDS": "0.5",
        "EVERYST_ALERTS_GROUP_SECONDS": "0",
    }
    first = Hub(tmp_path / "hub1", extra_env=shared).start()
    second_dir = tmp_path / "hub2"
    second_dir.mkdir()
    for name in ("pki", "secret_key", "jwt_signing_key"):
        source, target = first.data_dir / name, second_dir / name
        if source.is_dir():
            shutil.copytree(source, target)
        else:
            target.write_bytes(source.read_bytes())
    second = Hub(second_dir, extra_env=shared).start(setup=False)
    yield [first, second]
    for hub in (first, second):
        hub.stop()


def test_two_replicas_fire_each_incident_once_and_send_each_notification_once(
    hubs: list[Hub], webhook: tuple[str, list[dict[str, Any]]], tmp_path: Path
) -> None:
    first, second = hubs
    url, received = webhook
    token = first.login()
    first.post(
        "/api/v1/notification-channels",
        {"name": "hook", "kind": "webhook", "config": {"url": url}, "secret": "s" * 32},
        token,
    )
    memory = first.post(
        "/api/v1/alert-rules", {"name": "memory in use", "metric": "memory.percent", "threshold": 0}, token
    )
    # Both replicas run the host-offline check: they race to fire it.
    offline = first.post(
        "/api/v1/alert-rules", {"name": "gone", "source": "host_offline", "threshold": 3}, token
    )
    agent = AgentProcess(tmp_path / "agent", first, token=first.enrollment_token())
    try:
        with live_socket(second, second.login()) as ws:
            agent.start()  # after the socket is open: the alert frame is live only
            frame = next_frame(ws, "alert", timeout=30)
            assert frame["alert"]["rule"]["id"] == memory["id"], "hub one's alert reached a socket on hub two"
            agent.stop()
            wait_until(
                lambda: [a for a in second.get("/api/v1/alerts", token) if a["rule"]["id"] == offline["id"]],
                30,
                "the host-offline alert",
            )
        time.sleep(4)  # both replicas keep ticking and delivering: any duplicate shows up now
    finally:
        agent.stop()
    alerts = Counter((a["rule"]["name"], a["state"]) for a in first.get("/api/v1/alerts", token))
    assert alerts["memory in use", "firing"] == 1 and alerts["gone", "firing"] == 1, alerts
    sent = Counter(
        (e["alert"]["rule"]["name"], e["event"], e["alert"]["id"])
        for payload in received
        for e in payload["events"]
    )
    assert sent and all(count == 1 for count in sent.values()), sent
    assert {(name, event) for name, event, _ in sent} >= {("memory in use", "firing"), ("gone", "firing")}
