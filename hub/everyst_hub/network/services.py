"""Device inventory: finished discover / port_scan / services jobs become networks, devices, ports
and the events that tell what changed since the previous scan of the same network."""

from __future__ import annotations

import ipaddress
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from everyst_common.mac import normalize_mac, randomized_mac, vendor
from everyst_common.ports import PortListError, parse_ports

from everyst_hub.audit.services import record
from everyst_hub.core.errors import InvalidInput, NotFound
from everyst_hub.core.params import parse_id, time_param, uuid_param
from everyst_hub.inventory.access import get_operable_host, get_visible_host
from everyst_hub.inventory.models import Host
from everyst_hub.tools.models import ToolJob

from .models import Device, DevicePort, Network, NetworkEvent, NetworkScan, Schedule

logger = logging.getLogger(__name__)

SCAN_TOOLS = ("discover", "port_scan", "services")
Kind = NetworkEvent.Kind
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# Bounds on what one job may expand to on the hub (the agent caps a job at 1024 hosts anyway).
MAX_EXPAND = 4096
MIN_EVERY_MINUTES = 5
MAX_EVERY_MINUTES = 60 * 24 * 31
MAX_SCHEDULE_PARAMS_BYTES = 4096


# ---------------------------------------------------------------------------- serialization


def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def network_dict(network: Network, *, counts: dict[str, int] | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": network.id,
        "host": str(network.host_id),
        "cidr": network.cidr,
        "name": network.name,
        "created_at": _iso(network.created_at),
        "last_scan_at": _iso(network.last_scan_at),
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
        "first_seen": _iso(port.first_seen),
        "last_seen": _iso(port.last_seen),
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
        "first_seen": _iso(device.first_seen),
        "last_seen": _iso(device.last_seen),
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
        "ts": _iso(event.ts),
        "job": str(event.job_id) if event.job_id else None,
    }


def schedule_dict(schedule: Schedule) -> dict[str, Any]:
    return {
        "id": schedule.id,
        "network": schedule.network_id,
        "tool": schedule.tool,
        "params": schedule.params,
        "every_minutes": schedule.every_minutes,
        "enabled": schedule.enabled,
        "next_run_at": _iso(schedule.next_run_at),
        "last_run_at": _iso(schedule.last_run_at),
        "last_job": str(schedule.last_job_id) if schedule.last_job_id else None,
        "last_message": schedule.last_message,
        "created_by": schedule.created_by.username if schedule.created_by else None,
        "created_at": _iso(schedule.created_at),
    }


# ---------------------------------------------------------------------------- reading


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
                "finished_at": _iso(job.finished_at),
                "applied_at": _iso(scan.applied_at),
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


# ---------------------------------------------------------------------------- applying scans


@dataclass
class Seen:
    """One address as this job saw it."""

    ip: str
    mac: str = ""
    vendor: str = ""
    hostname: str = ""
    hostname_source: str = ""
    randomized: bool | None = None
    is_self: bool = False
    ports: dict[tuple[int, str], str] = field(default_factory=dict)


def apply_scan(job: ToolJob) -> bool:
    """Fold a finished discover / port_scan / services job into its networks' inventory.

    Idempotent: a job already applied changes nothing (False)."""
    if job.tool not in SCAN_TOOLS or job.status != ToolJob.Status.FINISHED:
        return False
    with transaction.atomic():
        if NetworkScan.objects.filter(job=job).exists():
            return False
        host = Host.objects.get(id=job.host_id)
        when = job.finished_at or timezone.now()
        rows = _rows(job)
        targets = _targets(job, rows)
        if not targets:
            logger.info("job %s: no network to record (no target CIDR could be told)", job.id)
            return False
        if job.tool == "discover":
            _apply_discovery(job, host, when, targets, rows)
        else:
            _apply_port_scan(job, host, when, targets, rows)
    return True


def _rows(job: ToolJob) -> list[dict[str, Any]]:
    """The job's rows, flat: agents send RESULT payloads as {"rows": [...]} batches or bare rows."""
    flat: list[dict[str, Any]] = []
    for entry in job.rows or []:
        if isinstance(entry, dict) and isinstance(entry.get("rows"), list):
            flat.extend(r for r in entry["rows"] if isinstance(r, dict))
        elif isinstance(entry, dict):
            flat.append(entry)
        elif isinstance(entry, list):
            flat.extend(r for r in entry if isinstance(r, dict))
    return flat


def _target_list(params: Any) -> list[str]:
    raw = params.get("target") if isinstance(params, dict) else None
    if isinstance(raw, str):
        return [t for t in raw.replace(",", " ").split() if t]
    if isinstance(raw, list):
        return [str(t) for t in raw if str(t).strip()]
    return []


def _as_network(text: str) -> IPNetwork | None:
    try:
        return ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        return None


def _targets(job: ToolJob, rows: list[dict[str, Any]]) -> list[IPNetwork]:
    """What the job scanned, as networks: its CIDR and address targets."""
    given = _target_list(job.params)
    targets = [n for n in (_as_network(t) for t in given) if n is not None]
    if targets:
        return targets
    if given:
        # Host-name targets: the scanned addresses are those the rows name.
        return [n for n in (_as_network(str(r.get("host") or r.get("ip") or "")) for r in rows) if n]
    return _default_discovery_network(job, rows) if job.tool == "discover" else []


def _default_discovery_network(job: ToolJob, rows: list[dict[str, Any]]) -> list[IPNetwork]:
    """A discovery without a target swept the agent's connected subnets; with one subnet, its size
    (the summary's address count, network and broadcast excluded) and the agent's own row tell it."""
    result = job.result if isinstance(job.result, dict) else {}
    addresses = result.get("addresses")
    own = [r.get("ip") for r in rows if r.get("self")]
    if not isinstance(addresses, int) or len(own) != 1:
        return []
    try:
        ip = ipaddress.ip_address(str(own[0]))
    except ValueError:
        return []
    if ip.version != 4:
        return []
    for prefix in range(30, 7, -1):
        if 2 ** (32 - prefix) - 2 == addresses:
            return [ipaddress.ip_network(f"{ip}/{prefix}", strict=False)]
    return []


def _network_for(host: Host, target: IPNetwork, cache: dict[str, Network], when: datetime) -> Network:
    """The host's most specific known network holding the target, else a new one for the target."""
    for network in sorted(cache.values(), key=lambda n: -ipaddress.ip_network(n.cidr).prefixlen):
        known = ipaddress.ip_network(network.cidr)
        if known.version == target.version and target.subnet_of(known):  # type: ignore[arg-type]
            return network
    network, _ = Network.objects.get_or_create(host=host, cidr=str(target))
    cache[network.cidr] = network
    return network


def _host_networks(host: Host) -> dict[str, Network]:
    return {n.cidr: n for n in Network.objects.select_for_update().filter(host=host)}


# What the agent's discover tool reports as a name's origin (agent/everyst_agent/tools/discover.py).
HOSTNAME_SOURCES = ("dns", "mdns")


def _seen(rows: list[dict[str, Any]], tool: str) -> dict[str, Seen]:
    found: dict[str, Seen] = {}
    for row in rows:
        address = row.get("ip") if tool == "discover" else row.get("host")
        try:
            ip = str(ipaddress.ip_address(str(address)))
        except ValueError:
            continue
        seen = found.setdefault(ip, Seen(ip))
        if tool == "discover":
            seen.mac = normalize_mac(row.get("mac")) or seen.mac
            seen.vendor = str(row.get("vendor") or "")[:200] or seen.vendor
            if row.get("hostname"):
                seen.hostname = str(row["hostname"])[:255]
                source = row.get("hostname_source")
                seen.hostname_source = source if source in HOSTNAME_SOURCES else ""
            if isinstance(row.get("randomized_mac"), bool):
                seen.randomized = row["randomized_mac"]
            seen.is_self = bool(row.get("self")) or seen.is_self
        elif _is_open(row, tool):
            port = row.get("port")
            if isinstance(port, int) and 1 <= port <= 65535:
                seen.ports[(port, str(row.get("proto") or "tcp")[:8])] = _service_text(row)
    return found


def _is_open(row: dict[str, Any], tool: str) -> bool:
    if tool == "services":
        return not row.get("error")
    return row.get("state", "open") == "open"


def _service_text(row: dict[str, Any]) -> str:
    parts = [str(row.get("service") or "")]
    if row.get("banner"):
        parts.append(str(row["banner"]))
    http = row.get("http")
    if isinstance(http, dict):
        parts.extend(str(http[k]) for k in ("server", "title") if http.get(k))
    tls = row.get("tls")
    if isinstance(tls, dict) and tls.get("protocol"):
        parts.append(str(tls["protocol"]))
    return " · ".join(p for p in parts if p and p != "None")[:500]


def mac_vendor(mac: str) -> str:
    """Who registered the MAC, for a device the agent named no vendor for; "" for a randomized one."""
    if not mac or randomized_mac(mac):
        return ""
    return (vendor(mac) or "")[:200]


def _in_any(ip: str, networks: list[IPNetwork]) -> bool:
    address = ipaddress.ip_address(ip)
    return any(address.version == n.version and address in n for n in networks)


def _event(
    network: Network,
    kind: str,
    job: ToolJob,
    when: datetime,
    device: Device | None = None,
    port: DevicePort | None = None,
) -> NetworkEvent:
    return NetworkEvent(
        network=network,
        device=device,
        kind=kind,
        port=port.port if port else None,
        proto=port.proto if port else "",
        ts=when,
        job=job,
    )


def _upsert_device(
    network: Network,
    seen: Seen,
    when: datetime,
    events: list[NetworkEvent],
    job: ToolJob,
    *,
    discovered: bool,
) -> Device:
    device = Device.objects.filter(network=network, ip=seen.ip).first()
    if device is None:
        device = Device(network=network, ip=seen.ip, first_seen=when, last_seen=when, present=True)
        device.save()
        events.append(_event(network, Kind.DEVICE_NEW, job, when, device))
    elif not device.present:
        device.present = True
        events.append(_event(network, Kind.DEVICE_NEW, job, when, device))
    device.last_seen = max(device.last_seen, when)
    if discovered:
        device.mac = seen.mac or device.mac
        device.vendor = seen.vendor or device.vendor or mac_vendor(device.mac)
        if seen.hostname:
            device.hostname, device.hostname_source = seen.hostname, seen.hostname_source
        device.randomized_mac = seen.randomized if seen.randomized is not None else randomized_mac(device.mac)
        device.is_self = seen.is_self or device.is_self
    device.save()
    return device


def _apply_discovery(
    job: ToolJob, host: Host, when: datetime, targets: list[IPNetwork], rows: list[dict[str, Any]]
) -> None:
    cache = _host_networks(host)
    seen = _seen(rows, "discover")
    by_network: dict[int, tuple[Network, list[IPNetwork]]] = {}
    for target in targets:
        network = _network_for(host, target, cache, when)
        by_network.setdefault(network.id, (network, []))[1].append(target)
    for network, scanned in by_network.values():
        events: list[NetworkEvent] = []
        up = [s for s in seen.values() if _in_any(s.ip, scanned)]
        for item in up:
            _upsert_device(network, item, when, events, job, discovered=True)
        # Gone: present before, inside what this discovery swept, and silent now.
        up_ips = {s.ip for s in up}
        for device in Device.objects.filter(network=network, present=True).exclude(ip__in=up_ips):
            if _in_any(device.ip, scanned):
                device.present = False
                device.save(update_fields=["present"])
                events.append(_event(network, Kind.DEVICE_GONE, job, when, device))
        _finish(network, job, when, events, devices_seen=len(up), open_ports=0)


def _scanned_ports(job: ToolJob) -> set[int] | None:
    """The ports the job probed (from its params, as the agent parses them), or None if unknown."""
    params = job.params if isinstance(job.params, dict) else {}
    spec, top = params.get("ports"), params.get("top_ports")
    if job.tool == "services" and not spec and not top:
        top = 100  # the services tool's default
    try:
        return set(
            parse_ports(spec if isinstance(spec, str) else None, top if isinstance(top, int) else None)
        )
    except PortListError:
        return None


def _expand(targets: list[IPNetwork]) -> list[str]:
    out: list[str] = []
    for target in targets:
        if target.num_addresses > MAX_EXPAND - len(out):
            break
        if target.version == 4 and target.prefixlen < 31:
            out.extend(str(a) for a in target.hosts())
        else:
            out.extend(str(a) for a in target)
    return out


def _apply_port_scan(
    job: ToolJob, host: Host, when: datetime, targets: list[IPNetwork], rows: list[dict[str, Any]]
) -> None:
    seen = _seen(rows, job.tool)
    result = job.result if isinstance(job.result, dict) else {}
    per_host = result.get("hosts") if isinstance(result.get("hosts"), dict) else None
    if per_host is not None:
        # The summary lists every scanned address with all its open ports, even past the row cap.
        for address, tally in per_host.items():
            if not isinstance(tally, dict) or _as_network(str(address)) is None:
                continue
            item = seen.setdefault(
                str(ipaddress.ip_address(address)), Seen(str(ipaddress.ip_address(address)))
            )
            for port in tally.get("open") or []:
                if isinstance(port, int):
                    item.ports.setdefault((port, "tcp"), "")
        scanned_hosts = {str(ipaddress.ip_address(a)) for a in per_host if _as_network(str(a))}
        unreachable = {
            str(ipaddress.ip_address(a))
            for a, t in per_host.items()
            if _as_network(str(a)) and isinstance(t, dict) and not t.get("open") and not t.get("closed")
        }
    else:
        scanned_hosts = set(_expand(targets)) | set(seen)
        unreachable = set()
    probed = _scanned_ports(job)
    cache = _host_networks(host)
    by_network: dict[int, tuple[Network, list[IPNetwork]]] = {}
    for target in targets:
        network = _network_for(host, target, cache, when)
        by_network.setdefault(network.id, (network, []))[1].append(target)
    for network, scanned in by_network.values():
        events: list[NetworkEvent] = []
        hosts_here = {ip for ip in scanned_hosts if _in_any(ip, scanned)}
        open_total = 0
        for ip in sorted(hosts_here):
            item = seen.get(ip, Seen(ip))
            device = Device.objects.filter(network=network, ip=ip).first()
            if device is None and not item.ports:
                continue  # nothing answered there and nothing is known: no device to speak of
            if device is None or item.ports:
                device = _upsert_device(network, item, when, events, job, discovered=False)
            open_total += len(item.ports)
            known = {(p.port, p.proto): p for p in device.ports.all()}
            for key, service in item.ports.items():
                port = known.get(key)
                if port is None:
                    port = DevicePort.objects.create(
                        device=device,
                        port=key[0],
                        proto=key[1],
                        service=service,
                        first_seen=when,
                        last_seen=when,
                    )
                    events.append(_event(network, Kind.PORT_OPENED, job, when, device, port))
                    continue
                if not port.open:
                    port.open = True
                    events.append(_event(network, Kind.PORT_OPENED, job, when, device, port))
                port.last_seen = max(port.last_seen, when)
                port.service = service or port.service
                port.save()
            if probed is None or ip in unreachable:
                continue  # what was not probed, or a host that answered nothing, closes nothing
            for key, port in known.items():
                if port.open and key not in item.ports and key[1] == "tcp" and key[0] in probed:
                    port.open = False
                    port.save(update_fields=["open"])
                    events.append(_event(network, Kind.PORT_CLOSED, job, when, device, port))
        _finish(network, job, when, events, devices_seen=len(hosts_here - unreachable), open_ports=open_total)


def _finish(
    network: Network,
    job: ToolJob,
    when: datetime,
    events: list[NetworkEvent],
    *,
    devices_seen: int,
    open_ports: int,
) -> None:
    NetworkEvent.objects.bulk_create(events)
    first_scan = not NetworkScan.objects.filter(network=network).exists()
    NetworkScan.objects.create(
        network=network, job=job, applied_at=timezone.now(), devices_seen=devices_seen, open_ports=open_ports
    )
    if network.last_scan_at is None or when > network.last_scan_at:
        network.last_scan_at = when
        network.save(update_fields=["last_scan_at"])
    from everyst_hub.alerts.services import network_event_alerts  # alerts builds on this app

    network_event_alerts(network, events, first_scan=first_scan)


# ---------------------------------------------------------------------------- schedules


def network_schedules(user: Any, network_id: object) -> list[dict[str, Any]]:
    network = get_network(user, network_id)
    return [schedule_dict(s) for s in network.schedules.select_related("created_by")]


def _check_schedule(tool: Any, params: Any, every_minutes: Any) -> None:
    if tool is not None and tool not in Schedule.Tool.values:
        raise InvalidInput(f"tool: use one of {', '.join(Schedule.Tool.values)}.")
    if params is not None:
        if not isinstance(params, dict):
            raise InvalidInput("params: must be a JSON object.")
        if "target" in params:
            raise InvalidInput("params: leave out target; a schedule scans its network's CIDR.")
        if tool == Schedule.Tool.TLS_CERT:
            _check_tls_target(params)
        if len(json.dumps(params)) > MAX_SCHEDULE_PARAMS_BYTES:
            raise InvalidInput(f"params: at most {MAX_SCHEDULE_PARAMS_BYTES} bytes.")
    if every_minutes is not None and not (
        isinstance(every_minutes, int) and MIN_EVERY_MINUTES <= every_minutes <= MAX_EVERY_MINUTES
    ):
        raise InvalidInput(f"every_minutes: between {MIN_EVERY_MINUTES} and {MAX_EVERY_MINUTES}.")


def _check_tls_target(params: dict[str, Any]) -> None:
    """A TLS check names what it checks (the agent validates the rest, and its own scope)."""
    host = params.get("host")
    if not isinstance(host, str) or not 0 < len(host) <= 253:
        raise InvalidInput("params: a tls_cert schedule needs host, the name or address to check.")
    port = params.get("port", 443)
    if not isinstance(port, int) or isinstance(port, bool) or not 0 < port < 65536:
        raise InvalidInput("params: port is between 1 and 65535.")


def create_schedule(
    user: Any,
    network_id: object,
    *,
    tool: str,
    params: dict[str, Any],
    every_minutes: int,
    enabled: bool = True,
    ip: str | None = None,
) -> Schedule:
    network = get_network(user, network_id, operate=True)
    _check_schedule(tool, params, every_minutes)
    schedule = Schedule.objects.create(
        network=network,
        tool=tool,
        params=params,
        every_minutes=every_minutes,
        enabled=enabled,
        next_run_at=timezone.now(),
        created_by=user,
    )
    record(
        "network.schedule.create",
        actor=user,
        target=network.host,
        ip=ip,
        schedule=schedule.id,
        network=network.cidr,
        tool=tool,
        every_minutes=every_minutes,
        enabled=enabled,
    )
    return schedule


def get_schedule(user: Any, schedule_id: object) -> Schedule:
    """The schedule if the user may operate its network's host (viewers: 403, others: 404)."""
    schedule = (
        Schedule.objects.select_related("network", "created_by")
        .filter(id=parse_id(schedule_id, "Schedule"))
        .first()
    )
    if schedule is None:
        raise NotFound("Schedule not found.")
    try:
        get_network(user, schedule.network_id, operate=True)
    except NotFound as exc:
        raise NotFound("Schedule not found.") from exc
    return schedule


def update_schedule(
    user: Any, schedule_id: object, changes: dict[str, Any], ip: str | None = None
) -> Schedule:
    schedule = get_schedule(user, schedule_id)
    _check_schedule(changes.get("tool"), changes.get("params"), changes.get("every_minutes"))
    fields = {k: v for k, v in changes.items() if k in ("tool", "params", "every_minutes", "enabled")}
    for name, value in fields.items():
        setattr(schedule, name, value)
    if schedule.tool == Schedule.Tool.TLS_CERT:  # its params or its tool may have changed alone
        _check_tls_target(schedule.params)
    if fields.get("enabled") is True or "every_minutes" in fields:
        soonest = timezone.now() + timedelta(minutes=schedule.every_minutes)
        schedule.next_run_at = min(schedule.next_run_at, soonest)
    schedule.save()
    record(
        "network.schedule.update",
        actor=user,
        target=schedule.network.host,
        ip=ip,
        schedule=schedule.id,
        network=schedule.network.cidr,
        changes=fields,
    )
    return schedule


def delete_schedule(user: Any, schedule_id: object, ip: str | None = None) -> None:
    schedule = get_schedule(user, schedule_id)
    record(
        "network.schedule.delete",
        actor=user,
        target=schedule.network.host,
        ip=ip,
        schedule=schedule.id,
        network=schedule.network.cidr,
        tool=schedule.tool,
    )
    schedule.delete()


def due_schedules(now: datetime) -> QuerySet[Schedule]:
    return Schedule.objects.filter(enabled=True, next_run_at__lte=now).select_related(
        "network", "network__host", "created_by", "last_job"
    )
