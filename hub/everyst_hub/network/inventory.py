"""The network inventory as users read it: a host's networks, their devices and open ports, what
changed scan by scan. Each read checks the user may see the network's host."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db.models import Count, Q

from everyst_hub.core.errors import NotFound
from everyst_hub.core.params import parse_id, time_param, uuid_param
from everyst_hub.inventory.access import get_operable_host, get_visible_host

from .models import Device, DevicePort, Network, NetworkEvent, NetworkScan


def iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def network_dict(network: Network, *, counts: dict[str, int] | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": network.id,
        "host": str(network.host_id),
        "cidr": network.cidr,
        "name": network.name,
        "created_at": iso(network.created_at),
        "last_scan_at": iso(network.last_scan_at),
    }
    if counts is not None:
        data.update(counts)
    return data


def port_dict(port: DevicePort) -> dict[str, Any]:
    return {
        "port": port.port,
        "proto": port.proto,
        "service": port.service,
        "open": port.open,
        "first_seen": iso(port.first_seen),
        "last_seen": iso(port.last_seen),
    }


def device_dict(device: Device, *, ports: Iterable[DevicePort] | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": device.id,
        "network": device.network_id,
        "ip": device.ip,
        "mac": device.mac,
        "vendor": device.vendor,
        "hostname": device.hostname,
        "hostname_source": device.hostname_source,
        "randomized_mac": device.randomized_mac,
        "is_self": device.is_self,
        "present": device.present,
        "first_seen": iso(device.first_seen),
        "last_seen": iso(device.last_seen),
    }
    if ports is not None:
        data["ports"] = [port_dict(p) for p in ports]
    return data


def event_dict(event: NetworkEvent) -> dict[str, Any]:
    device = event.device
    return {
        "id": event.id,
        "network": event.network_id,
        "kind": event.kind,
        "device": device.id if device else None,
        "ip": device.ip if device else None,
        "hostname": device.hostname if device else None,
        "port": event.port,
        "proto": event.proto or None,
        "ts": iso(event.ts),
        "job": str(event.job_id) if event.job_id else None,
    }


def get_network(user: Any, network_id: object, *, operate: bool = False) -> Network:
    """The network if the user may see its host (NotFound otherwise: its existence is not revealed);
    with `operate`, Forbidden unless the user may run tools on that host."""
    network = Network.objects.select_related("host").filter(id=parse_id(network_id, "Network")).first()
    if network is None:
        raise NotFound("Network not found.")
    try:
        get_visible_host(user, network.host_id)
    except NotFound as exc:
        raise NotFound("Network not found.") from exc
    if operate:
        get_operable_host(user, network.host_id)
    return network


def host_networks(user: Any, host_id: object) -> list[dict[str, Any]]:
    host = get_visible_host(user, host_id)
    networks = Network.objects.filter(host=host).annotate(
        device_count=Count("devices", distinct=True),
        present_count=Count("devices", filter=Q(devices__present=True), distinct=True),
    )
    return [
        network_dict(n, counts={"devices": n.device_count, "present": n.present_count})  # type: ignore[attr-defined]
        for n in networks
    ]


def network_detail(user: Any, network_id: object) -> dict[str, Any]:
    network = get_network(user, network_id)
    devices = network.devices.prefetch_related("ports").order_by("id")
    data = network_dict(network)
    data["host_name"] = network.host.hostname
    data["devices"] = [device_dict(d, ports=d.ports.all()) for d in devices]
    return data


def network_events(
    user: Any, network_id: object, *, since: str | None = None, job: str | None = None, limit: int = 500
) -> list[dict[str, Any]]:
    network = get_network(user, network_id)
    events = NetworkEvent.objects.filter(network=network).select_related("device")
    after = time_param("since", since)
    if after is not None:
        events = events.filter(ts__gte=after)
    job_id = uuid_param("job", job)
    if job_id is not None:
        events = events.filter(job_id=job_id)
    return [event_dict(e) for e in events[: max(1, min(limit, 2000))]]


def network_scans(user: Any, network_id: object, limit: int = 100) -> list[dict[str, Any]]:
    network = get_network(user, network_id)
    scans = list(
        NetworkScan.objects.filter(network=network).select_related("job", "job__requested_by")[:limit]
    )
    counts: dict[tuple[str, str], int] = {}
    rows = (
        NetworkEvent.objects.filter(network=network, job_id__in=[s.job_id for s in scans])
        .values("job_id", "kind")
        .annotate(n=Count("id"))
    )
    for row in rows:
        counts[(str(row["job_id"]), row["kind"])] = row["n"]
    result = []
    for scan in scans:
        job = scan.job
        result.append(
            {
                "job": str(job.id),
                "tool": job.tool,
                "params": job.params,
                "status": job.status,
                "requested_by": job.requested_by.username if job.requested_by else None,
                "finished_at": iso(job.finished_at),
                "applied_at": iso(scan.applied_at),
                "devices_seen": scan.devices_seen,
                "open_ports": scan.open_ports,
                "changes": {k: counts.get((str(job.id), k), 0) for k in NetworkEvent.Kind.values},
            }
        )
    return result


def device_detail(user: Any, device_id: object) -> dict[str, Any]:
    device = Device.objects.select_related("network").filter(id=parse_id(device_id, "Device")).first()
    if device is None:
        raise NotFound("Device not found.")
    try:
        get_visible_host(user, device.network.host_id)
    except NotFound as exc:
        raise NotFound("Device not found.") from exc
    data = device_dict(device, ports=device.ports.all())
    data["network_cidr"] = device.network.cidr
    data["host"] = str(device.network.host_id)
    data["history"] = [event_dict(e) for e in device.events.select_related("device")[:500]]
    return data
