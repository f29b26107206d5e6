"""Finished discover / port_scan / services jobs become networks, devices and ports, and the events
that tell what changed since the previous scan of the same network."""

from __future__ import annotations

import ipaddress
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from everyst_common.mac import normalize_mac, randomized_mac, vendor
from everyst_common.ports import PortListError, parse_ports

from everyst_hub.inventory.models import Host
from everyst_hub.tools.models import ToolJob

from .models import Device, DevicePort, Network, NetworkEvent, NetworkScan

logger = logging.getLogger(__name__)

SCAN_TOOLS = ("discover", "port_scan", "services")
Kind = NetworkEvent.Kind
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
# Bounds on what one job may expand to on the hub (the agent caps a job at 1024 hosts anyway).
MAX_EXPAND = 4096


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


def _mac_vendor(mac: str) -> str:
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
        device.vendor = seen.vendor or device.vendor or _mac_vendor(device.mac)
        if seen.hostname:
            device.hostname, device.hostname_source = seen.hostname, seen.hostname_source
        device.randomized_mac = seen.randomized if seen.randomized is not None else randomized_mac(device.mac)
        device.is_self = seen.is_self or device.is_self
    device.save()
    return device


def _by_network(
    host: Host, targets: list[IPNetwork], when: datetime
) -> list[tuple[Network, list[IPNetwork]]]:
    """The job's targets grouped by the host's network each falls in (created if new)."""
    cache = _host_networks(host)
    by_network: dict[int, tuple[Network, list[IPNetwork]]] = {}
    for target in targets:
        network = _network_for(host, target, cache, when)
        by_network.setdefault(network.id, (network, []))[1].append(target)
    return list(by_network.values())


def _apply_discovery(
    job: ToolJob, host: Host, when: datetime, targets: list[IPNetwork], rows: list[dict[str, Any]]
) -> None:
    seen = _seen(rows, "discover")
    for network, scanned in _by_network(host, targets, when):
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
    for network, scanned in _by_network(host, targets, when):
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
