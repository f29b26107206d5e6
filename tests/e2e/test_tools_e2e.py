"""Tools end to end: a real hub, the real local agent, a real scan of loopback."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest

from tests.support.live import live_socket, next_frame
from tests.support.processes import Hub

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    hub = Hub(tmp_path_factory.mktemp("hub")).start("--local-agent")
    yield hub
    hub.stop()


def test_a_port_scan_of_loopback_finds_the_hubs_own_ports(hub: Hub) -> None:
    token = hub.login()
    host_id = hub.local_host_id(token)
    ports = f"{hub.http_port},{hub.grpc_port},1"
    with live_socket(hub, token) as ws:
        ws.send(json.dumps({"type": "subscribe", "topic": "jobs", "host": host_id}))
        next_frame(ws, "subscribed")
        job = hub.post(
            f"/api/v1/hosts/{host_id}/jobs",
            {"tool": "port_scan", "params": {"target": "127.0.0.1", "ports": ports, "method": "connect"}},
            token,
        )
        final = None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            frame = next_frame(ws, "job", timeout=60)
            if frame["job"]["id"] == job["id"] and frame["job"]["status"] not in ("queued", "running"):
                final = frame
                break
    assert final is not None and final["job"]["status"] == "finished", final
    stored = hub.finished_job(job["id"], token)
    open_ports = {row["port"] for row in stored["rows"]}
    assert open_ports == {hub.http_port, hub.grpc_port}


def test_an_out_of_scope_target_fails_clearly_and_metrics_keep_flowing(hub: Hub) -> None:
    token = hub.login()
    host_id = hub.local_host_id(token)
    job = hub.post(
        f"/api/v1/hosts/{host_id}/jobs",
        {"tool": "ping", "params": {"target": "198.51.100.7", "count": 1}},
        token,
    )
    stored = hub.finished_job(job["id"], token)
    assert stored["status"] == "failed"
    assert "outside this agent's scope" in stored["message"]
    with live_socket(hub, token) as ws:
        ws.send(json.dumps({"type": "subscribe", "topic": "host", "host": host_id}))
        next_frame(ws, "sample", host=host_id)
