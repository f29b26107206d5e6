"""Network inventory: finished scans become devices, ports and change events; schedules rescan."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.utils import timezone
from everyst.agent.v1 import agent_pb2
from everyst_hub.audit.models import AuditEvent
from everyst_hub.network.models import Device, DevicePort, Network, NetworkEvent, Schedule
from everyst_hub.network.scans import apply_scan
from everyst_hub.network.schedules import run_due_schedules
from everyst_hub.tools.models import ToolJob
from everyst_hub.tools.services import record_event

from tests.conftest import access_token_for
from tests.support.ingest import connected_host

CIDR = "192.168.50.0/24"


def run_job(host: Any, tool: str, params: dict[str, Any], rows: list[dict[str, Any]], result: Any) -> ToolJob:
    """A job driven through the events an agent sends: started, one batch of rows, finished."""
    job = ToolJob.objects.create(host=host, tool=tool, params=params)
    for kind, payload in (
        (agent_pb2.ToolEvent.STARTED, {"tool": tool}),
        (agent_pb2.ToolEvent.RESULT, {"rows": rows}),
        (agent_pb2.ToolEvent.FINISHED, result),
    ):
        record_event(
            host.id, agent_pb2.ToolEvent(job_id=str(job.id), kind=kind, payload_json=json.dumps(payload))
        )
    job.refresh_from_db()
    assert job.status == "finished"
    return job


def found(ip: str, mac: str | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "ip": ip,
        "mac": mac,
        "vendor": None,
        "randomized_mac": None,
        "hostname": None,
        "method": "arp",
        "self": False,
        **extra,
    }


def discover(host: Any, rows: list[dict[str, Any]], target: Any = CIDR) -> ToolJob:
    return run_job(host, "discover", {"target": target}, rows, {"up": len(rows), "addresses": 254})


def port_scan(host: Any, target: str, ports: str, open_ports: dict[str, list[int]]) -> ToolJob:
    rows = [
        {"host": h, "port": p, "proto": "tcp", "state": "open", "service": None}
        for h, ps in open_ports.items()
        for p in ps
    ]
    hosts = {h: {"open": ps, "closed": 10 - len(ps), "filtered": 0} for h, ps in open_ports.items()}
    return run_job(
        host, "port_scan", {"target": target, "ports": ports}, rows, {"open": len(rows), "hosts": hosts}
    )


def kinds(job: ToolJob) -> list[tuple[str, str | None, int | None]]:
    return sorted(
        (e.kind, e.device.ip if e.device else None, e.port)
        for e in NetworkEvent.objects.filter(job=job).select_related("device")
    )


def client(api: Any, user: Any) -> Any:
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {access_token_for(user)}")
    return api


@pytest.mark.django_db
def test_a_discovery_then_another_records_new_and_gone_devices(world: Any) -> None:
    first = discover(
        world.host_a, [found("192.168.50.1", "b8:27:eb:00:00:01"), found("192.168.50.7", "00:50:56:aa:bb:cc")]
    )
    assert kinds(first) == [("device_new", "192.168.50.1", None), ("device_new", "192.168.50.7", None)]

    second = discover(
        world.host_a, [found("192.168.50.1", "b8:27:eb:00:00:01"), found("192.168.50.9", "00:1b:63:84:45:e6")]
    )
    assert kinds(second) == [("device_gone", "192.168.50.7", None), ("device_new", "192.168.50.9", None)]
    network = Network.objects.get(host=world.host_a, cidr=CIDR)
    assert {d.ip: d.present for d in network.devices.all()} == {
        "192.168.50.1": True,
        "192.168.50.7": False,
        "192.168.50.9": True,
    }

    back = discover(world.host_a, [found("192.168.50.1"), found("192.168.50.7"), found("192.168.50.9")])
    assert kinds(back) == [("device_new", "192.168.50.7", None)]


@pytest.mark.django_db
def test_a_discovery_of_part_of_a_network_marks_nothing_outside_it_as_gone(world: Any) -> None:
    discover(world.host_a, [found("192.168.50.1"), found("192.168.50.200")])
    partial = discover(world.host_a, [found("192.168.50.1")], target="192.168.50.0/25")
    assert kinds(partial) == []
    assert Network.objects.filter(host=world.host_a).count() == 1  # the /25 is part of the known /24
    assert Device.objects.get(ip="192.168.50.200").present


@pytest.mark.django_db
def test_the_same_cidr_seen_from_two_hosts_is_two_networks(world: Any) -> None:
    discover(world.host_a, [found("192.168.50.1")])
    discover(world.host_b, [found("192.168.50.1")])
    assert Network.objects.filter(cidr=CIDR).count() == 2


@pytest.mark.django_db
def test_port_scans_record_opened_and_closed_ports_within_the_scanned_range(world: Any) -> None:
    discover(world.host_a, [found("192.168.50.7")])
    first = port_scan(world.host_a, "192.168.50.7", "22,80,8000-8100", {"192.168.50.7": [22, 8080]})
    assert kinds(first) == [("port_opened", "192.168.50.7", 22), ("port_opened", "192.168.50.7", 8080)]

    second = port_scan(world.host_a, "192.168.50.7", "22,80", {"192.168.50.7": [80]})
    assert kinds(second) == [("port_closed", "192.168.50.7", 22), ("port_opened", "192.168.50.7", 80)]
    ports = {p.port: p.open for p in DevicePort.objects.filter(device__ip="192.168.50.7")}
    assert ports == {22: False, 80: True, 8080: True}  # 8080 was not scanned the second time

    again = port_scan(world.host_a, "192.168.50.7", "1-1024", {"192.168.50.7": [22, 80]})
    assert kinds(again) == [("port_opened", "192.168.50.7", 22)]


@pytest.mark.django_db
def test_a_host_that_answered_nothing_keeps_its_known_ports(world: Any) -> None:
    port_scan(world.host_a, "192.168.50.7", "22", {"192.168.50.7": [22]})
    silent = run_job(
        world.host_a,
        "port_scan",
        {"target": "192.168.50.7", "ports": "22"},
        [],
        {"open": 0, "hosts": {"192.168.50.7": {"open": [], "closed": 0, "filtered": 1}}},
    )
    assert kinds(silent) == []
    assert DevicePort.objects.get(port=22).open


@pytest.mark.django_db
def test_a_port_scan_of_a_range_creates_devices_only_where_ports_answered(world: Any) -> None:
    job = port_scan(world.host_a, "10.1.2.0/29", "22", {"10.1.2.3": [22], "10.1.2.4": []})
    assert kinds(job) == [("device_new", "10.1.2.3", None), ("port_opened", "10.1.2.3", 22)]
    assert Network.objects.get(host=world.host_a).cidr == "10.1.2.0/29"


@pytest.mark.django_db
def test_a_service_scan_records_what_answers_on_each_port(world: Any) -> None:
    rows = [
        {"host": "192.168.50.7", "port": 22, "service": "ssh", "banner": "SSH-2.0-OpenSSH_9.6"},
        {
            "host": "192.168.50.7",
            "port": 443,
            "service": "https",
            "tls": {"protocol": "TLSv1.3"},
            "http": {"status": "HTTP/1.1 200 OK", "server": "nginx", "title": "Router"},
        },
        {"host": "192.168.50.7", "port": 25, "service": "unknown", "error": "cannot connect: timeout"},
    ]
    job = run_job(
        world.host_a, "services", {"target": "192.168.50.7", "ports": "22,25,443"}, rows, {"open": 2}
    )
    assert kinds(job) == [
        ("device_new", "192.168.50.7", None),
        ("port_opened", "192.168.50.7", 22),
        ("port_opened", "192.168.50.7", 443),
    ]
    services = dict(DevicePort.objects.values_list("port", "service"))
    assert services == {22: "ssh · SSH-2.0-OpenSSH_9.6", 443: "https · nginx · Router · TLSv1.3"}


@pytest.mark.django_db
def test_replaying_the_same_job_changes_nothing(world: Any) -> None:
    job = discover(world.host_a, [found("192.168.50.1", "b8:27:eb:00:00:01")])
    scan = port_scan(world.host_a, "192.168.50.1", "22", {"192.168.50.1": [22]})
    before = (NetworkEvent.objects.count(), Device.objects.count(), DevicePort.objects.count())

    assert apply_scan(job) is False and apply_scan(scan) is False
    finished = agent_pb2.ToolEvent(job_id=str(job.id), kind=agent_pb2.ToolEvent.FINISHED, payload_json="{}")
    assert record_event(world.host_a.id, finished) is None
    assert (NetworkEvent.objects.count(), Device.objects.count(), DevicePort.objects.count()) == before


@pytest.mark.django_db
def test_randomized_macs_are_flagged_and_vendors_are_filled_on_the_hub(world: Any) -> None:
    discover(
        world.host_a,
        [
            found("192.168.50.2", "da:a1:19:00:00:01"),  # locally administered: a private (random) address
            found("192.168.50.3", "B8-27-EB-00-00-01"),
            found("192.168.50.4", "00:50:56:aa:bb:cc", vendor="Agent Said", randomized_mac=False),
        ],
    )
    devices = {d.ip: d for d in Device.objects.all()}
    assert devices["192.168.50.2"].randomized_mac and devices["192.168.50.2"].vendor == ""
    assert not devices["192.168.50.3"].randomized_mac
    assert devices["192.168.50.3"].mac == "b8:27:eb:00:00:01"
    assert devices["192.168.50.3"].vendor == "Raspberry Pi Foundation"
    assert devices["192.168.50.4"].vendor == "Agent Said"


@pytest.mark.django_db
def test_a_discovery_without_a_target_records_the_agents_own_subnet(world: Any) -> None:
    rows = [found("172.20.0.1"), found("172.20.0.5", self=True, method="self")]
    run_job(world.host_a, "discover", {}, rows, {"up": 2, "addresses": 14})
    network = Network.objects.get(host=world.host_a)
    assert network.cidr == "172.20.0.0/28"
    assert Device.objects.get(ip="172.20.0.5").is_self


@pytest.mark.django_db
def test_viewers_read_networks_devices_events_and_scans(world: Any, api: Any) -> None:
    job = discover(
        world.host_a,
        [
            found("192.168.50.1", hostname="router.lan", hostname_source="dns"),
            found("192.168.50.7", hostname="printer.local", hostname_source="mdns"),
        ],
    )
    port_scan(world.host_a, "192.168.50.1", "22,80", {"192.168.50.1": [80]})
    network = Network.objects.get(host=world.host_a)
    device = Device.objects.get(ip="192.168.50.1")
    viewer = client(api, world.viewer_a)

    networks = viewer.get(f"/api/v1/hosts/{world.host_a.id}/networks").json()
    assert [(n["cidr"], n["devices"], n["present"]) for n in networks] == [(CIDR, 2, 2)]
    detail = viewer.get(f"/api/v1/networks/{network.id}").json()
    names = {d["ip"]: (d["hostname"], d["hostname_source"]) for d in detail["devices"]}
    assert names == {"192.168.50.1": ("router.lan", "dns"), "192.168.50.7": ("printer.local", "mdns")}
    assert [p["port"] for p in detail["devices"][0]["ports"]] == [80]
    events = viewer.get(f"/api/v1/networks/{network.id}/events").json()
    assert sorted(e["kind"] for e in events) == ["device_new", "device_new", "port_opened"]
    only_first = viewer.get(f"/api/v1/networks/{network.id}/events", {"job": str(job.id)}).json()
    assert [e["kind"] for e in only_first] == ["device_new", "device_new"]
    future = (timezone.now() + timedelta(hours=1)).isoformat()
    assert viewer.get(f"/api/v1/networks/{network.id}/events", {"since": future}).json() == []
    assert viewer.get(f"/api/v1/networks/{network.id}/events", {"since": "yesterday"}).status_code == 400
    scans = viewer.get(f"/api/v1/networks/{network.id}/scans").json()
    assert [(s["tool"], s["changes"]["port_opened"]) for s in scans] == [("port_scan", 1), ("discover", 0)]
    history = viewer.get(f"/api/v1/devices/{device.id}").json()
    assert [e["kind"] for e in history["history"]] == ["port_opened", "device_new"]

    outsider = client(api, world.outsider)
    assert outsider.get(f"/api/v1/networks/{network.id}").status_code == 404
    assert outsider.get(f"/api/v1/devices/{device.id}").status_code == 404


@pytest.mark.django_db
def test_only_operators_schedule_scans(world: Any, api: Any) -> None:
    discover(world.host_a, [found("192.168.50.1")])
    network = Network.objects.get(host=world.host_a)
    url = f"/api/v1/networks/{network.id}/schedules"
    body = {"tool": "discover", "every_minutes": 15}

    assert client(api, world.viewer_a).post(url, body, format="json").status_code == 403
    assert client(api, world.outsider).post(url, body, format="json").status_code == 404
    operator = client(api, world.operator_a)
    assert operator.post(url, {"tool": "discover", "every_minutes": 2}, format="json").status_code == 400
    assert operator.post(url, {"tool": "ping", "every_minutes": 10}, format="json").status_code == 400
    refused = operator.post(url, {**body, "params": {"target": "8.8.8.8"}}, format="json")
    assert refused.status_code == 400
    created = operator.post(url, body, format="json")
    assert created.status_code == 201, created.content
    schedule = created.json()
    assert schedule["created_by"] == "operator_a" and schedule["enabled"]
    assert client(api, world.viewer_a).get(url).json()[0]["id"] == schedule["id"]

    assert (
        client(api, world.viewer_a)
        .patch(f"/api/v1/schedules/{schedule['id']}", {"enabled": False}, format="json")
        .status_code
        == 403
    )
    changed = client(api, world.operator_a).patch(
        f"/api/v1/schedules/{schedule['id']}", {"enabled": False, "every_minutes": 30}, format="json"
    )
    assert changed.json()["enabled"] is False and changed.json()["every_minutes"] == 30
    assert client(api, world.operator_a).delete(f"/api/v1/schedules/{schedule['id']}").status_code == 204
    actions = list(AuditEvent.objects.filter(action__startswith="network.").values_list("action", flat=True))
    assert sorted(actions) == [
        "network.schedule.create",
        "network.schedule.delete",
        "network.schedule.update",
    ]


@pytest.mark.django_db
def test_a_due_schedule_of_an_offline_host_is_skipped_with_a_reason(world: Any) -> None:
    network = Network.objects.create(host=world.host_a, cidr=CIDR)
    due = timezone.now() - timedelta(minutes=1)
    schedule = Schedule.objects.create(
        network=network, tool="discover", every_minutes=10, next_run_at=due, created_by=world.operator_a
    )
    assert run_due_schedules() == []
    schedule.refresh_from_db()
    assert "offline" in schedule.last_message and schedule.next_run_at > timezone.now()
    assert ToolJob.objects.count() == 0


@pytest.mark.django_db(transaction=True)
async def test_a_due_schedule_starts_a_job_as_its_creator(hub: Any, world: Any) -> None:
    creds, stream = await connected_host(hub, world)
    network = await sync_to_async(Network.objects.create)(host_id=creds.host_id, cidr=CIDR)
    schedule = await sync_to_async(Schedule.objects.create)(
        network=network,
        tool="port_scan",
        params={"top_ports": 100},
        every_minutes=5,
        next_run_at=timezone.now() - timedelta(seconds=1),
        created_by=world.operator_a,
    )
    started = await sync_to_async(run_due_schedules)()
    assert len(started) == 1
    command = await stream.read()
    assert command.tool_command.tool == "port_scan"
    assert json.loads(command.tool_command.params_json) == {"top_ports": 100, "target": CIDR}
    job = await sync_to_async(ToolJob.objects.select_related("requested_by").get)(
        id=command.tool_command.job_id
    )
    assert job.requested_by.username == "operator_a"
    await sync_to_async(schedule.refresh_from_db)()
    assert schedule.last_job_id == job.id and schedule.next_run_at > timezone.now() + timedelta(minutes=4)
    assert await sync_to_async(run_due_schedules)() == []  # not due again until next_run_at
    await stream.close()


@pytest.mark.django_db(transaction=True)
async def test_the_schedule_runner_starts_due_scans_by_itself(hub: Any, world: Any, monkeypatch: Any) -> None:
    from everyst_hub.network import schedules

    monkeypatch.setattr(schedules, "INTERVAL_SECONDS", 0.1)
    creds, stream = await connected_host(hub, world)
    network = await sync_to_async(Network.objects.create)(host_id=creds.host_id, cidr=CIDR)
    await sync_to_async(Schedule.objects.create)(
        network=network,
        tool="discover",
        every_minutes=60,
        next_run_at=timezone.now() + timedelta(seconds=0.5),
        created_by=world.operator_a,
    )
    runner = asyncio.get_running_loop().create_task(schedules.run_schedules_forever())
    try:
        command = await stream.read()  # due after half a second; the runner looks every 0.1 s
        assert command.tool_command.tool == "discover"
        assert json.loads(command.tool_command.params_json) == {"target": CIDR}
        await asyncio.sleep(0.5)
        assert await sync_to_async(ToolJob.objects.count)() == 1  # once, not on every pass
    finally:
        runner.cancel()
        await stream.close()
