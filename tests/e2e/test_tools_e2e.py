"""Tools end to end: a real hub, the real local agent, real tools run against loopback only."""

from __future__ import annotations

import json
import signal
import struct
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.live import live_socket, next_frame
from tests.support.processes import Hub, wait_until

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


def test_failing_tools_disturb_neither_metrics_nor_a_job_beside_them(hub: Hub) -> None:
    token = hub.login()
    host_id = hub.local_host_id(token)
    beside = long_ping(hub, host_id, token)
    wait_until(lambda: job_status(hub, beside, token) == "running", 15, "the ping beside to run")
    failing = {
        "ping": {"target": "198.51.100.7", "count": 1},  # outside the agent's scope
        "capture": {"interface": "lo", "filter": "this is not ( bpf", "count": 1, "seconds": 1},
        "port_scan": {"target": "127.0.0.1", "ports": "70000"},
    }
    with live_socket(hub, token) as ws:
        ws.send(json.dumps({"type": "subscribe", "topic": "host", "host": host_id}))
        stamps = [next_frame(ws, "sample", host=host_id)["sample"]["ts"]]
        jobs = {
            tool: hub.post(f"/api/v1/hosts/{host_id}/jobs", {"tool": tool, "params": params}, token)["id"]
            for tool, params in failing.items()
        }
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            stamps.append(next_frame(ws, "sample", host=host_id)["sample"]["ts"])
    ended = {tool: hub.finished_job(job_id, token) for tool, job_id in jobs.items()}
    assert {tool: job["status"] for tool, job in ended.items()} == dict.fromkeys(failing, "failed")
    assert "outside this agent's scope" in ended["ping"]["message"]
    assert "filter" in ended["capture"]["message"].lower()
    assert "70000" in ended["port_scan"]["message"]
    # One sample a second throughout, and the ping beside still running.
    gaps = [b - a for a, b in zip(stamps, stamps[1:], strict=False)]
    assert len(stamps) >= 5 and max(gaps) <= 2000, stamps
    assert job_status(hub, beside, token) == "running"
    hub.post(f"/api/v1/jobs/{beside}/cancel", {}, token)
    assert hub.finished_job(beside, token)["status"] == "cancelled"


def long_ping(hub: Hub, host_id: str, token: str) -> str:
    """A ping of loopback that runs for minutes unless it is cancelled."""
    job = hub.post(
        f"/api/v1/hosts/{host_id}/jobs",
        {"tool": "ping", "params": {"target": "127.0.0.1", "count": 600, "interval": 0.5}},
        token,
    )
    return str(job["id"])


def job_status(hub: Hub, job_id: str, token: str) -> str:
    return str(hub.get(f"/api/v1/jobs/{job_id}", token)["status"])


def test_running_and_queued_jobs_are_cancelled_over_the_websocket(hub: Hub) -> None:
    token = hub.login()
    host_id = hub.local_host_id(token)
    # The local agent runs two jobs at once: the third waits, and says so.
    first, second, third = (long_ping(hub, host_id, token) for _ in range(3))
    wait_until(lambda: job_status(hub, first, token) == "running", 15, "the first ping to run")
    wait_until(lambda: job_status(hub, second, token) == "running", 15, "the second ping to run")
    queued = wait_until(
        lambda: (
            (job := hub.get(f"/api/v1/jobs/{third}", token))["message"].startswith("queued on the agent")
            and job
        ),
        15,
        "the third ping to be queued on the agent",
    )
    assert queued["status"] == "queued", queued
    with live_socket(hub, token) as ws:
        ws.send(json.dumps({"type": "subscribe", "topic": "jobs", "host": host_id}))
        next_frame(ws, "subscribed")
        for job_id in (third, first, second):
            ws.send(json.dumps({"type": "tool.cancel", "job": job_id}))
            frame = next_frame(
                ws,
                "job",
                timeout=15,
            )
            while frame["job"]["id"] != job_id or frame["job"]["status"] != "cancelled":
                frame = next_frame(ws, "job", timeout=15)
    ended = {job_id: hub.finished_job(job_id, token) for job_id in (first, second, third)}
    assert {j["status"] for j in ended.values()} == {"cancelled"}
    assert ended[third]["message"] == "cancelled while queued" and ended[third]["started_at"] is None
    assert ended[first]["message"] == "cancelled" and ended[first]["rows"], (
        "a cancelled ping keeps its replies"
    )


def test_a_capture_of_loopback_downloads_as_pcap(hub: Hub) -> None:
    token = hub.login()
    host_id = hub.local_host_id(token)
    job = hub.post(
        f"/api/v1/hosts/{host_id}/jobs",
        {
            "tool": "capture",
            "params": {"interface": "lo", "filter": f"tcp port {hub.http_port}", "count": 5, "seconds": 20},
        },
        token,
    )
    # Each status poll is traffic on the captured port: the 5 packets can be in before a poll
    # sees "running", so a capture already finished has started too.
    wait_until(lambda: job_status(hub, job["id"], token) != "queued", 15, "the capture to start")
    deadline = time.monotonic() + 20
    while job_status(hub, job["id"], token) == "running" and time.monotonic() < deadline:
        time.sleep(0.1)  # each poll is traffic on the captured port
    done = hub.finished_job(job["id"], token)
    assert done["status"] == "finished" and done["has_artifact"], done
    request = urllib.request.Request(
        f"{hub.url}/api/v1/jobs/{job['id']}/artifact", headers={"Authorization": f"Bearer {token}"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.headers["Content-Type"] == "application/vnd.tcpdump.pcap"
        pcap = response.read()
    magic, _major, _minor, _zone, _sigfigs, _snaplen, linktype = struct.unpack("<IHHiIII", pcap[:24])
    assert magic in (0xA1B2C3D4, 0xA1B23C4D)
    packets, offset = 0, 24
    while offset < len(pcap):
        _sec, _frac, captured, _length = struct.unpack("<IIII", pcap[offset : offset + 16])
        offset += 16 + captured
        packets += 1
    assert offset == len(pcap) and packets == 5, (packets, linktype)


def test_a_job_running_when_the_hub_is_killed_ends_as_interrupted(tmp_path: Path) -> None:
    hub = Hub(tmp_path / "hub").start("--local-agent")
    try:
        token = hub.login()
        host_id = hub.local_host_id(token)
        job_id = long_ping(hub, host_id, token)
        wait_until(lambda: job_status(hub, job_id, token) == "running", 15, "the ping to run")
        agent = local_agent_pid(hub)
        hub.stop(signal.SIGKILL)  # the hub dies mid-job, leaving it "running"
        wait_until(lambda: not pid_alive(agent), 15, "the local agent to end with its hub")
        hub.start("--local-agent", setup=False)
        token = hub.login()
        # The restarted agent does not run the job any more: on its Hello the hub ends it.
        ended = hub.finished_job(job_id, token, timeout=30)
        assert ended["status"] == "interrupted", ended
        assert ended["message"] == "interrupted: the agent restarted or lost the job"
    finally:
        hub.stop()


def local_agent_pid(hub: Hub) -> int:
    """The hub's local agent: the process running with the config in the hub's data dir."""
    config = str(hub.data_dir / "local-agent" / "agent.toml").encode()
    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            if config in (proc / "cmdline").read_bytes().split(b"\0"):
                found.append(int(proc.name))
        except OSError:
            continue
    assert len(found) == 1, found
    return found[0]


def pid_alive(pid: int) -> bool:
    """Alive and not a zombie (an orphan's zombie is reaped by init, not by us)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"
    except (FileNotFoundError, IndexError):
        return False
