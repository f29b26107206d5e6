"""A new device in the namespace lab raises "device new" on its watched network (issue #11): a real
hub, a real agent inside the lab's scanner namespace, real ARP discoveries of the lab's subnet.

The hub listens on this machine's loopback as usual; the agent, in the scanner namespace, reaches
it through a Unix socket, which no network namespace separates: one relay in the scanner namespace
takes its loopback port to the socket, another here takes the socket to the hub's port. No packet
goes anywhere but 127.0.0.1 and the lab's own namespaces.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.netns import Lab, running_lab
from tests.support.processes import AgentProcess, Hub, wait_until

pytestmark = pytest.mark.e2e

RELAY = r"""
import asyncio, sys
mode, path, port = sys.argv[1], sys.argv[2], int(sys.argv[3])

async def pipe(reader, writer):
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except Exception:
        pass
    writer.close()

async def relay(reader, writer):
    if mode == "tcp-to-unix":
        r2, w2 = await asyncio.open_unix_connection(path)
    else:
        r2, w2 = await asyncio.open_connection("127.0.0.1", port)
    await asyncio.gather(pipe(reader, w2), pipe(r2, writer))

async def main():
    if mode == "tcp-to-unix":
        await asyncio.start_server(relay, "127.0.0.1", port)
    else:
        await asyncio.start_unix_server(relay, path)
    print("ready", flush=True)
    await asyncio.Event().wait()

asyncio.run(main())
"""


def ready(process: subprocess.Popen[str]) -> None:
    assert process.stdout is not None
    line = process.stdout.readline()
    assert line.strip() == "ready", f"relay did not start: {line!r}"


@pytest.fixture
def lab() -> Iterator[Lab]:
    with running_lab(hosts=3) as lab:
        yield lab


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[Hub]:
    hub = Hub(tmp_path / "hub").start()
    yield hub
    hub.stop()


@pytest.fixture
def agent_in_lab(lab: Lab, hub: Hub, tmp_path: Path) -> Iterator[AgentProcess]:
    """The agent, enrolled, running in the scanner namespace; its hub address is the relay's."""
    socket_path = str(tmp_path / "hub.sock")
    here = subprocess.Popen(
        [sys.executable, "-c", RELAY, "unix-to-tcp", socket_path, str(hub.grpc_port)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        ready(here)
        there = lab.popen(
            lab.scanner,
            [sys.executable, "-c", RELAY, "tcp-to-unix", socket_path, str(hub.grpc_port)],
            stdout=subprocess.PIPE,
        )
        ready(there)
        agent = AgentProcess(tmp_path / "agent", hub, token=hub.enrollment_token())
        agent.write_config()
        log = (agent.state_dir / "agent.log").open("ab")
        agent.process = lab.popen(  # type: ignore[assignment]
            lab.scanner,
            [sys.executable, "-m", "everyst_agent", "run", "--config", str(agent.config_path)],
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            stdout=log,
            stderr=log,
        )
        yield agent
        agent.stop()
    finally:
        here.kill()
        here.wait(5)


def discover(hub: Hub, token: str, host_id: str, lab: Lab) -> dict[str, Any]:
    job = hub.post(
        f"/api/v1/hosts/{host_id}/jobs",
        {"tool": "discover", "params": {"target": str(lab.subnet), "method": "arp", "resolve_names": False}},
        token,
    )
    return hub.finished_job(job["id"], token, timeout=90)


def device_new_alerts(hub: Hub, token: str) -> list[dict[str, Any]]:
    alerts = hub.get("/api/v1/alerts?limit=500", token)
    return [
        a for a in alerts if a["rule"]["source"] == "network_event" and a["rule"]["metric"] == "device_new"
    ]


def test_a_new_device_in_the_lab_raises_device_new_on_its_watched_network(
    lab: Lab, hub: Hub, agent_in_lab: AgentProcess
) -> None:
    token = hub.login()
    host_id = wait_until(
        lambda: next((h["id"] for h in hub.get("/api/v1/hosts", token) if h["online"]), None),
        30,
        f"the agent in the lab to report (log: {agent_in_lab.log()[-2000:]})",
    )
    # Host 3 is not on the wire yet.
    lab.run(lab.host_ns(3), ["ip", "link", "set", "eth0", "down"]).check_returncode()

    first = discover(hub, token, host_id, lab)
    assert first["status"] == "finished", first["message"]
    seen = {row["ip"] for row in first["rows"] if not row.get("self")}
    assert seen == {lab.host_ip(1), lab.host_ip(2)}
    (network,) = [
        n for n in hub.get(f"/api/v1/hosts/{host_id}/networks", token) if n["cidr"] == str(lab.subnet)
    ]
    # A schedule makes it a watched network (its first run, due now, may be one of the scans below).
    hub.post(
        f"/api/v1/networks/{network['id']}/schedules",
        {"tool": "discover", "params": {"method": "arp", "resolve_names": False}, "every_minutes": 60},
        token,
    )
    assert device_new_alerts(hub, token) == [], "a network's first scan alerts on nothing"

    lab.run(lab.host_ns(3), ["ip", "link", "set", "eth0", "up"]).check_returncode()
    second = discover(hub, token, host_id, lab)
    assert second["status"] == "finished", second["message"]
    assert lab.host_ip(3) in {row["ip"] for row in second["rows"]}

    (alert,) = wait_until(lambda: device_new_alerts(hub, token) or None, 15, "the device-new alert")
    assert (alert["series"], alert["host"]["id"]) == (lab.host_ip(3), host_id)
    titles = [n["title"] for n in hub.get("/api/v1/notifications", token)]
    assert [t for t in titles if "New device on a watched network" in t] == [
        f"WARNING seen: New device on a watched network on {alert['host']['hostname']} ({lab.host_ip(3)})"
    ]
    third = discover(hub, token, host_id, lab)
    assert third["status"] == "finished"
    assert len(device_new_alerts(hub, token)) == 1, "a device seen before is not new"
