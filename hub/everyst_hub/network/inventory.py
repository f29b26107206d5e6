"""The network inventory as users read it: a host's networks, their devices and open ports, what
changed scan by scan. Each read checks the user may see the network's host."""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet, prefetch_related_objects

from everyst_hub.core.errors import NotFound
from everyst_hub.core.params import parse_id, time_param, uuid_param
from everyst_hub.inventory.access import get_operable_host, get_visible_host, visible_on_host

from .models import Device, Network, NetworkEvent, NetworkScan


def get_network(user: Any, network_id: object, *, operate: bool = False) -> Network:
    """The network if the user may see its host (NotFound otherwise: its existence is not revealed);
    with `operate`, Forbidden unless the user may run tools on that host."""
    found = Network.objects.select_related("host").filter(id=parse_id(network_id, "Network")).first()
    network = visible_on_host(user, found, "Network")
    if operate:
        get_operable_host(user, network.host_id)
    return network


def host_networks(user: Any, host_id: object) -> QuerySet[Network]:
    """The host's networks, with how many devices each has had (device_count) and how many are
    present (present_count)."""
    host = get_visible_host(user, host_id)
    return Network.objects.filter(host=host).annotate(
        device_count=Count("devices", distinct=True),
        present_count=Count("devices", filter=Q(devices__present=True), distinct=True),
    )


def network_detail(user: Any, network_id: object) -> Network:
    """The network with its devices in the order they were first seen (devices_by_id), and their ports."""
    network = get_network(user, network_id)
    devices = Device.objects.order_by("id").prefetch_related("ports")
    prefetch_related_objects([network], Prefetch("devices", queryset=devices, to_attr="devices_by_id"))
    return network


def network_events(
    user: Any, network_id: object, *, since: str | None = None, job: str | None = None, limit: int = 500
) -> QuerySet[NetworkEvent]:
    network = get_network(user, network_id)
    events = NetworkEvent.objects.filter(network=network).select_related("device")
    after = time_param("since", since)
    if after is not None:
        events = events.filter(ts__gte=after)
    job_id = uuid_param("job", job)
    if job_id is not None:
        events = events.filter(job_id=job_id)
    return events[: max(1, min(limit, 2000))]


def network_scans(
    user: Any, network_id: object, limit: int = 100
) -> tuple[list[NetworkScan], dict[uuid.UUID, dict[str, int]]]:
    """The network's latest scans, newest first, and the changes each made: job id -> kind -> count."""
    network = get_network(user, network_id)
    scans = list(
        NetworkScan.objects.filter(network=network).select_related("job", "job__requested_by")[:limit]
    )
    changes: dict[uuid.UUID, dict[str, int]] = {}
    rows = (
        NetworkEvent.objects.filter(network=network, job_id__in=[s.job_id for s in scans])
        .values("job_id", "kind")
        .annotate(n=Count("id"))
    )
    for row in rows:
        changes.setdefault(row["job_id"], {})[row["kind"]] = row["n"]
    return scans, changes


def device_detail(user: Any, device_id: object) -> Device:
    """The device, its network, and its last 500 changes (history), newest first."""
    history = Prefetch("events", NetworkEvent.objects.select_related("device")[:500], to_attr="history")
    device = (
        Device.objects.select_related("network")
        .prefetch_related("ports", history)
        .filter(id=parse_id(device_id, "Device"))
        .first()
    )
    if device is None:
        raise NotFound("Device not found.")
    try:
        get_visible_host(user, device.network.host_id)
    except NotFound as exc:
        raise NotFound("Device not found.") from exc
    return device
