"""End to end with real processes: a hub (HTTP + WebSocket + gRPC in one process), agents,
and WebSocket clients speaking over real sockets."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from everyst.agent.v1 import agent_pb2, agent_pb2_grpc

from tests.support.live import live_socket, next_frame
from tests.support.processes import AgentProcess, Hub, wait_until

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    hub = Hub(tmp_path_factory.mktemp("hub")).start("--local-agent")
    yield hub
    hub.stop()


def test_the_local_agent_shows_up_live_within_five_seconds(hub: Hub) -> None:
    token = hub.login()
    hosts = wait_until(
        lambda: [h for h in hub.get("/api/v1/hosts", token) if h["latest"]], 5, "the local host"
    )
    host = hosts[0]
    assert host["online"] is True
    assert host["cpu_logical"] >= 1 and host["memory_total"] > 0 and host["os"]
    with live_socket(hub) as ws:
        ws.send(json.dumps({"type": "subscribe", "topic": "fleet"}))
        frame = next_frame(ws, "sample", host=host["id"])
    sample = frame["sample"]
    assert abs(sample["ts"] / 1000 - time.time()) < 5
    assert 0 <= sample["cpu"]["percent"] <= 100
    assert len(sample["cpu"]["per_core"]) == host["cpu_logical"]
    assert 0 < sample["memory"]["used"] <= sample["memory"]["total"]
    assert any(d["mount"] == "/" for d in sample["disks"])
    assert all(n["rx_bps"] >= 0 and n["tx_bps"] >= 0 for n in sample["net"])


def test_an_enrolled_agent_streams_and_stops_cleanly_on_sigterm(hub: Hub, tmp_path: Path) -> None:
    agent = AgentProcess(tmp_path / "agent", hub, token=hub.enrollment_token()).start()
    try:
        host_id = (
            wait_until(lambda: (tmp_path / "agent" / "credentials.json").exists(), 15, "enrollment")
            and agent.credentials()["host_id"]
        )
        with live_socket(hub) as ws:
            ws.send(json.dumps({"type": "subscribe", "topic": "host", "host": host_id}))
            next_frame(ws, "subscribed")
            first = next_frame(ws, "sample", host=host_id)["sample"]["ts"]
            second = next_frame(ws, "sample", host=host_id)["sample"]["ts"]
        assert second > first
    finally:
        assert agent.stop() == 0, agent.log()


def test_a_wrong_secret_is_refused_while_other_agents_keep_streaming(hub: Hub, tmp_path: Path) -> None:
    good = AgentProcess(tmp_path / "good", hub, token=hub.enrollment_token()).start()
    try:
        wait_until(lambda: (tmp_path / "good" / "credentials.json").exists(), 15, "enrollment")
        creds = good.credentials()
        channel = grpc.secure_channel(
            f"127.0.0.1:{hub.grpc_port}", grpc.ssl_channel_credentials(hub.ca_file.read_bytes())
        )
        stub = agent_pb2_grpc.AgentServiceStub(channel)
        hello = agent_pb2.AgentMessage(hello=agent_pb2.Hello(facts=agent_pb2.HostFacts(hostname="thief")))
        with pytest.raises(grpc.RpcError) as refused:
            for _ in stub.Connect(
                iter([hello]),
                metadata=(("x-everyst-agent-id", creds["agent_id"]), ("x-everyst-agent-secret", "guessed")),
                timeout=10,
            ):
                pass
        assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED
        channel.close()
        with live_socket(hub) as ws:
            ws.send(json.dumps({"type": "subscribe", "topic": "host", "host": creds["host_id"]}))
            next_frame(ws, "sample", host=creds["host_id"])
    finally:
        good.stop()


def test_an_agent_with_a_copied_but_corrupted_secret_keeps_retrying_without_crashing(
    hub: Hub, tmp_path: Path
) -> None:
    source = AgentProcess(tmp_path / "src", hub, token=hub.enrollment_token()).start()
    wait_until(lambda: (tmp_path / "src" / "credentials.json").exists(), 15, "enrollment")
    source.stop()
    broken_dir = tmp_path / "broken"
    broken_dir.mkdir()
    creds = json.loads((tmp_path / "src" / "credentials.json").read_text())
    creds["secret"] = "tampered"
    (broken_dir / "credentials.json").write_text(json.dumps(creds))
    broken = AgentProcess(broken_dir, hub).start()
    try:
        wait_until(
            lambda: "UNAUTHENTICATED" in broken.log() or "nauthenticated" in broken.log(), 15, "refusal"
        )
        assert broken.process is not None and broken.process.poll() is None
    finally:
        assert broken.stop() == 0


def test_malformed_websocket_json_gets_an_error_frame_and_the_socket_stays_usable(hub: Hub) -> None:
    with live_socket(hub) as ws:
        ws.send("{this is not json")
        error = json.loads(ws.recv(timeout=5))
        assert error["type"] == "error" and error["code"] == "bad_json"
        ws.send(json.dumps({"type": "ping"}))
        assert json.loads(ws.recv(timeout=5)) == {"type": "pong"}


def test_a_wrong_password_gets_401_and_no_token(hub: Hub) -> None:
    request = urllib.request.Request(
        f"{hub.url}/api/v1/auth/login",
        data=json.dumps({"username": "owner", "password": "not-the-password"}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=5)
    assert refused.value.code == 401
    body = json.loads(refused.value.read())
    assert "access" not in body and body["error"]["code"] == "invalid_credentials"
    assert "set-cookie" not in {k.lower() for k in refused.value.headers}
