"""Network events as alerts: what a scan changes on a watched network alerts once, as it is stored."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.utils import timezone
from everyst.agent.v1 import agent_pb2
from everyst_hub.alerts.models import AlertRule, Incident, Notification
from everyst_hub.network.models import Network, Schedule
from everyst_hub.tools.models import ToolJob
from everyst_hub.tools.services import record_event

pytestmark = pytest.mark.django_db

CIDR = "192.168.60.0/24"


def finished_job(
    host: Any, tool: str, params: dict[str, Any], rows: list[dict[str, Any]], result: Any
) -> None:
    """A job ended through the events its agent sends, which stores the scan in the inventory."""
    job = ToolJob.objects.create(host=host, tool=tool, params=params)
    for kind, payload in (
        (agent_pb2.ToolEvent.STARTED, {"tool": tool}),
        (agent_pb2.ToolEvent.RESULT, {"rows": rows}),
        (agent_pb2.ToolEvent.FINISHED, result),
    ):
        record_event(
            host.id, agent_pb2.ToolEvent(job_id=str(job.id), kind=kind, payload_json=json.dumps(payload))
        )


def discover(host: Any, *last_octets: int) -> None:
    rows = [
        {
            "ip": f"192.168.60.{n}",
            "mac": None,
            "vendor": None,
            "randomized_mac": None,
            "hostname": None,
            "method": "arp",
            "self": False,
        }
        for n in last_octets
    ]
    finished_job(host, "discover", {"target": CIDR}, rows, {"up": len(rows), "addresses": 254})


def port_scan(host: Any, ip: str, ports: list[int]) -> None:
    rows = [{"host": ip, "port": p, "proto": "tcp", "state": "open", "service": None} for p in ports]
    result = {"open": len(rows), "hosts": {ip: {"open": ports, "closed": 0, "filtered": 0}}}
    finished_job(host, "port_scan", {"target": ip, "ports": "1-1024"}, rows, result)


def watch(network: Network) -> None:
    Schedule.objects.create(network=network, tool="discover", every_minutes=60, next_run_at=timezone.now())


def test_a_new_device_on_a_watched_network_raises_device_new_once(world: Any) -> None:
    discover(world.host_a, 1, 2)  # the first scan: everything is new, nothing alerts
    assert not Incident.objects.exists()
    watch(Network.objects.get(cidr=CIDR))
    discover(world.host_a, 1, 2, 3)
    (alert,) = Incident.objects.all()
    assert (alert.rule.name, alert.series, alert.state) == (
        "New device on a watched network",
        "192.168.60.3",
        "resolved",
    )
    titles = list(Notification.objects.filter(user=world.viewer_a).values_list("title", flat=True))
    assert titles == ["WARNING seen: New device on a watched network on host-a (192.168.60.3)"]
    assert not Notification.objects.filter(user=world.outsider).exists()
    discover(world.host_a, 1, 2, 3)
    assert Incident.objects.count() == 1, "a device seen before is not new"


def test_a_network_nobody_watches_raises_nothing(world: Any) -> None:
    discover(world.host_a, 1)
    discover(world.host_a, 1, 2, 3)
    assert not Incident.objects.exists()


def test_a_rule_on_one_network_alerts_on_the_ports_it_matches(world: Any) -> None:
    discover(world.host_a, 5)
    network = Network.objects.get(cidr=CIDR)
    AlertRule.objects.create(
        name="ssh opened",
        source="network_event",
        metric="port_opened",
        match="*:22/tcp",
        threshold=0,
        network=network,
        severity="critical",
    )
    port_scan(world.host_a, "192.168.60.5", [22, 80])
    assert list(Incident.objects.values_list("series", flat=True)) == ["192.168.60.5:22/tcp"]
