"""The Prometheus exposition of `/metrics`: each visible host's newest sample, and the hub's health.

Names follow node_exporter where the value means the same (load averages, filesystem sizes,
interface error counters, hwmon sensors) and use `everyst_` where it does not: the agent sends
rates and percentages, not the kernel's counters, so CPU, disk I/O and network throughput are
gauges here (`node_cpu_seconds_total` cannot be rebuilt from percentages), and memory follows a
container's cgroup limit. docs/metrics.md lists every name.

Values come from the in-memory newest sample of each host (metrics/latest.py); only hosts it
lacks, or holds an older sample of than the database says exists (another replica's hosts, a
fresh restart), are read from the database, in one query per 500 hosts.
"""

from __future__ import annotations

import functools
import math
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Q
from everyst.agent.v1 import agent_pb2
from prometheus_client import CollectorRegistry, PlatformCollector, ProcessCollector
from prometheus_client.exposition import generate_latest
from prometheus_client.metrics_core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from everyst_hub.core import interpreter
from everyst_hub.ingest.health import HubHealth
from everyst_hub.inventory.access import holds_fleet_role, visible_hosts
from everyst_hub.metrics import latest
from everyst_hub.metrics.models import Sample
from everyst_hub.realtime.consumers import socket_stats

FALLBACK_CHUNK = 500


@dataclass(frozen=True)
class HostRow:
    id: uuid.UUID
    hostname: str
    connected: bool
    last_seen_ms: int | None
    interval_ms: int
    dropped: int
    boot_time: float | None
    os: str
    kernel: str
    arch: str
    agent_version: str

    def online(self, now_ms: int) -> bool:
        # The same rule as inventory.hosts.is_online, on a row read without a model instance.
        if not self.connected or self.last_seen_ms is None:
            return False
        stale_after_ms = max(5000, settings.STALE_AFTER_INTERVALS * self.interval_ms)
        return now_ms - self.last_seen_ms <= stale_after_ms


def _hosts(user: Any) -> list[HostRow]:
    rows = visible_hosts(user).values_list(
        "id",
        "hostname",
        "connected",
        "last_seen",
        "collect_interval_ms",
        "dropped_samples",
        "boot_time",
        "os",
        "kernel",
        "arch",
        "agent_version",
    )
    return [
        HostRow(
            id=r[0],
            hostname=r[1],
            connected=r[2],
            last_seen_ms=int(r[3].timestamp() * 1000) if r[3] is not None else None,
            interval_ms=r[4],
            dropped=r[5],
            boot_time=r[6],
            os=r[7],
            kernel=r[8],
            arch=r[9],
            agent_version=r[10],
        )
        for r in rows
    ]


def newest_samples(hosts: Iterable[HostRow], now_ms: int) -> dict[uuid.UUID, agent_pb2.Sample]:
    """The newest sample of each online host: from memory, else from the database."""
    cached = latest.snapshot()
    found: dict[uuid.UUID, agent_pb2.Sample] = {}
    missing: list[HostRow] = []
    for host in hosts:
        if not host.online(now_ms):
            continue
        sample = cached.get(host.id)
        # last_seen is the newest stored sample's time, rounded to the microsecond on the way
        # through a datetime: a cached sample within a millisecond of it is that sample.
        if sample is not None and host.last_seen_ms is not None and sample.ts_ms >= host.last_seen_ms - 1:
            found[host.id] = sample
        else:
            missing.append(host)
    for start in range(0, len(missing), FALLBACK_CHUNK):
        chunk = missing[start : start + FALLBACK_CHUNK]
        condition = Q()
        for host in chunk:
            assert host.last_seen_ms is not None  # online hosts have one
            condition |= Q(host_id=host.id, ts__gte=host.last_seen_ms - 1)
        for host_id, ts, data in Sample.objects.filter(condition).values_list("host_id", "ts", "data"):
            kept = found.get(host_id)
            if kept is None or ts > kept.ts_ms:
                sample = agent_pb2.Sample()
                sample.ParseFromString(bytes(data))
                found[host_id] = sample
    return found


@functools.lru_cache(maxsize=65536)
def _label_value(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _number(value: float) -> str:
    if value != value:
        return "NaN"
    if value in (math.inf, -math.inf):
        return "+Inf" if value > 0 else "-Inf"
    return str(value) if isinstance(value, int) else repr(float(value))


class _Family:
    """One metric family in the text format. Rendered here rather than through prometheus_client's
    generic writer: a scrape of 2,000 hosts is ~90,000 lines, which that writer took over a second
    to validate and escape label by label (measured in tests/hub/test_prometheus_export.py)."""

    __slots__ = ("head", "lines", "name", "label_names")

    def __init__(self, name: str, doc: str, kind: str, label_names: list[str]) -> None:
        """`label_names` are the family's labels after host and host_id, which every series has."""
        self.name = name
        self.label_names = label_names
        help_text = doc.replace("\\", "\\\\").replace("\n", "\\n")
        self.head = f"# HELP {name} {help_text}\n# TYPE {name} {kind}\n"
        self.lines: list[str] = []

    def add(self, base: str, value: float) -> None:
        """One series with only the host's labels, `base` being those already rendered."""
        self.lines.append(f"{self.name}{{{base}}} {_number(value)}\n")

    def add_with(self, base: str, values: tuple[str, ...], value: float) -> None:
        """One series with the host's labels and this family's own, in `label_names` order."""
        pairs = ",".join(
            f'{key}="{_label_value(v)}"' for key, v in zip(self.label_names, values, strict=True)
        )
        self.lines.append(f"{self.name}{{{base},{pairs}}} {_number(value)}\n")

    def render(self) -> str:
        return self.head + "".join(self.lines)


class _Families:
    """Metric families being filled for one scrape, created on first use, in a stable order."""

    def __init__(self) -> None:
        self.families: dict[str, _Family] = {}

    def gauge(self, name: str, doc: str, labels: list[str]) -> _Family:
        family = self.families.get(name)
        if family is None:
            family = self.families[name] = _Family(name, doc, "gauge", labels)
        return family

    def counter(self, name: str, doc: str, labels: list[str]) -> _Family:
        """`name` ends in _total, as the exposition of a counter does."""
        family = self.families.get(name)
        if family is None:
            family = self.families[name] = _Family(name, doc, "counter", labels)
        return family

    def render(self) -> str:
        return "".join(family.render() for family in self.families.values())


def _host_families(
    hosts: list[HostRow], samples: dict[uuid.UUID, agent_pb2.Sample], now_ms: int
) -> _Families:
    f = _Families()
    info_labels = ["os", "kernel", "arch", "agent_version"]
    for host in hosts:
        base = f'host="{_label_value(host.hostname)}",host_id="{host.id}"'
        f.gauge("everyst_host_info", "Facts of a host the caller may see; always 1.", info_labels).add_with(
            base,
            (
                host.os,
                host.kernel,
                host.arch,
                host.agent_version,
            ),
            1,
        )
        f.gauge(
            "everyst_host_up",
            "1 while the host's agent streams and its newest sample is fresh (the dashboard's online).",
            [],
        ).add(base, 1 if host.online(now_ms) else 0)
        if host.last_seen_ms is not None:
            f.gauge(
                "everyst_host_last_sample_timestamp_seconds",
                "Collection time of the host's newest stored sample.",
                [],
            ).add(base, host.last_seen_ms / 1000)
        f.counter(
            "everyst_agent_dropped_samples_total",
            "Samples the agent dropped because its spool was full, since it was installed.",
            [],
        ).add(base, host.dropped)
        if host.boot_time:
            f.gauge("node_boot_time_seconds", "Node boot time, in unixtime.", []).add(base, host.boot_time)
        sample = samples.get(host.id)
        if sample is not None:
            _sample_metrics(f, base, sample)
    return f


def _sample_metrics(f: _Families, base: str, s: agent_pb2.Sample) -> None:
    unavailable = set(s.unavailable)
    if "cpu" not in unavailable:
        cpu = s.cpu
        f.gauge("everyst_cpu_usage_ratio", "Share of CPU time busy over the last second, 0..1.", []).add(
            base, cpu.percent / 100
        )
        modes = f.gauge(
            "everyst_cpu_mode_ratio",
            "Share of CPU time in each mode over the last second, 0..1.",
            ["mode"],
        )
        for mode, value in (
            ("user", cpu.user),
            ("system", cpu.system),
            ("iowait", cpu.iowait),
            ("steal", cpu.steal),
            ("idle", cpu.idle),
        ):
            modes.add_with(base, (mode,), value / 100)
        cores = f.gauge(
            "everyst_cpu_core_usage_ratio",
            "Share of one logical CPU's time busy, 0..1.",
            ["cpu"],
        )
        for index, value in enumerate(cpu.per_core):
            cores.add_with(base, (str(index),), value / 100)
        f.gauge("everyst_context_switches_per_second", "Context switches per second, whole host.", []).add(
            base, cpu.ctx_switches_ps
        )
        f.gauge("everyst_interrupts_per_second", "Interrupts per second, whole host.", []).add(
            base, cpu.interrupts_ps
        )
        if cpu.limit_cores:
            f.gauge(
                "everyst_cpu_limit_cores",
                "CPU quota of the agent's cgroup, in cores (absent: none).",
                [],
            ).add(base, cpu.limit_cores)
    if "load" not in unavailable:
        for minutes, value in ((1, s.load.load1), (5, s.load.load5), (15, s.load.load15)):
            f.gauge(f"node_load{minutes}", f"{minutes}m load average.", []).add(base, value)
    if "memory" not in unavailable:
        mem = s.memory
        for name, doc, value in (
            ("total", "Memory size, or the cgroup's limit inside a container with one.", mem.total),
            ("used", "Memory in use: total minus available.", mem.used),
            ("available", "Memory available to new work without swapping (MemAvailable).", mem.available),
            ("cached", "Page cache plus reclaimable slab.", mem.cached),
            ("buffers", "Block device buffers.", mem.buffers),
        ):
            f.gauge(f"everyst_memory_{name}_bytes", doc, []).add(base, value)
        # node_memory_SwapTotal_bytes would mean the same, but its camelCase fails promtool's lint.
        f.gauge("everyst_swap_total_bytes", "Swap space size.", []).add(base, s.swap.total)
        f.gauge("everyst_swap_used_bytes", "Swap space in use.", []).add(base, s.swap.used)
    if "disks" not in unavailable:
        fs_labels = ["device", "mountpoint", "fstype"]
        for d in s.disks:
            labels = (
                d.device,
                d.mount,
                d.fstype,
            )
            f.gauge("node_filesystem_size_bytes", "Filesystem size in bytes.", fs_labels).add_with(
                base, labels, d.total
            )
            f.gauge("node_filesystem_free_bytes", "Filesystem free space in bytes.", fs_labels).add_with(
                base, labels, max(d.total - d.used, 0)
            )
            f.gauge(
                "node_filesystem_avail_bytes",
                "Filesystem space available to non-root users in bytes.",
                fs_labels,
            ).add_with(base, labels, d.free)
            if d.inodes_total:
                f.gauge("node_filesystem_files", "Filesystem total file nodes.", fs_labels).add_with(
                    base, labels, d.inodes_total
                )
                f.gauge(
                    "node_filesystem_files_free", "Filesystem total free file nodes.", fs_labels
                ).add_with(base, labels, max(d.inodes_total - d.inodes_used, 0))
    if "disk_io" not in unavailable:
        io_labels = ["device"]
        for io in s.disk_io:
            io_device = (io.device,)
            for name, doc, value in (
                ("read_bytes_per_second", "Bytes read per second over the last second.", io.read_bps),
                ("written_bytes_per_second", "Bytes written per second over the last second.", io.write_bps),
                ("reads_per_second", "Read operations per second over the last second.", io.read_iops),
                ("writes_per_second", "Write operations per second over the last second.", io.write_iops),
                ("busy_ratio", "Share of the last second the device was busy, 0..1.", io.busy_pct / 100),
            ):
                f.gauge(f"everyst_disk_{name}", doc, io_labels).add_with(base, io_device, value)
    if "net" not in unavailable:
        net_labels = ["device"]
        for n in s.net:
            iface = (n.iface,)
            for name, doc, value in (
                ("receive_bytes_per_second", "Bytes received per second over the last second.", n.rx_bps),
                ("transmit_bytes_per_second", "Bytes sent per second over the last second.", n.tx_bps),
                ("receive_packets_per_second", "Packets received per second over the last second.", n.rx_pps),
                ("transmit_packets_per_second", "Packets sent per second over the last second.", n.tx_pps),
            ):
                f.gauge(f"everyst_network_{name}", doc, net_labels).add_with(base, iface, value)
            for name, doc, value in (
                ("receive_errs", "Network device statistic receive_errs.", n.errin),
                ("transmit_errs", "Network device statistic transmit_errs.", n.errout),
                ("receive_drop", "Network device statistic receive_drop.", n.dropin),
                ("transmit_drop", "Network device statistic transmit_drop.", n.dropout),
            ):
                f.counter(f"node_network_{name}_total", doc, net_labels).add_with(base, iface, value)
    if "sensors" not in unavailable:
        sensor_labels = ["chip", "sensor"]
        for t in s.temperatures:
            f.gauge(
                "node_hwmon_temp_celsius", "Hardware monitor for temperature (input).", sensor_labels
            ).add_with(
                base,
                (
                    t.chip,
                    t.label,
                ),
                t.current,
            )
        for fan in s.fans:
            f.gauge("node_hwmon_fan_rpm", "Hardware monitor for fan speed (input).", sensor_labels).add_with(
                base,
                (
                    fan.chip,
                    fan.label,
                ),
                fan.rpm,
            )


def _outbox_depth() -> int | None:
    """Notifications waiting to leave; None where the alerts app cannot be loaded."""
    try:
        from everyst_hub.alerts.models import OutboxItem
    except ImportError:
        return None
    return OutboxItem.objects.filter(delivered_at__isnull=True).count()


def _health_families(health: HubHealth | None) -> list[Metric]:
    families: list[Metric] = []
    if health is not None:
        for name, doc, value in (
            ("everyst_hub_agent_streams", "Agent streams this hub process holds.", health.agent_streams),
            (
                "everyst_hub_ingest_pending_batches",
                "Batches waiting for the ingest writer's next flush.",
                health.pending_batches,
            ),
            (
                "everyst_hub_ingest_lag_seconds",
                "Age of the oldest batch waiting for the ingest writer (0 when none waits).",
                health.oldest_pending_seconds,
            ),
            (
                "everyst_hub_ingest_last_flush_seconds",
                "Duration of the ingest writer's last flush.",
                health.last_flush_seconds,
            ),
            (
                "everyst_hub_disconnects_pending",
                "Closed streams waiting to be marked offline.",
                health.disconnects_pending,
            ),
            (
                "everyst_hub_websocket_clients",
                "Open dashboard WebSockets on this hub process.",
                health.websocket_clients,
            ),
        ):
            families.append(GaugeMetricFamily(name, doc, value=value))
        families.append(
            CounterMetricFamily(
                "everyst_hub_ingested_samples",
                "Samples this hub process stored since it started.",
                value=health.ingested_samples,
            )
        )
        families.append(
            CounterMetricFamily(
                "everyst_hub_ingested_batches",
                "Batches this hub process stored since it started.",
                value=health.ingested_batches,
            )
        )
    collector = CounterMetricFamily(
        "everyst_hub_gc_cpu_seconds",
        "CPU time this hub process spent in Python's cyclic garbage collector, by generation.",
        labels=["generation"],
    )
    for generation, seconds in enumerate(interpreter.cpu_seconds()):
        collector.add_metric([str(generation)], seconds)
    families.append(collector)
    sockets = socket_stats()
    families += [
        GaugeMetricFamily(
            "everyst_hub_websocket_queue_bytes_max",
            "The most bytes one dashboard WebSocket of this process has waiting to be sent now.",
            value=sockets.queue_bytes_max,
        ),
        GaugeMetricFamily(
            "everyst_hub_websocket_queue_bytes_peak",
            "The most bytes one dashboard WebSocket of this process had waiting, since it started.",
            value=sockets.queue_bytes_peak,
        ),
        CounterMetricFamily(
            "everyst_hub_websocket_samples_dropped",
            "Live samples a newer sample of the host replaced before a slow WebSocket took them.",
            value=sockets.samples_dropped,
        ),
        CounterMetricFamily(
            "everyst_hub_websocket_overflow_closes",
            "Dashboard WebSockets closed (4013) for falling too far behind on ordered frames.",
            value=sockets.overflow_closes,
        ),
    ]
    outbox = _outbox_depth()
    if outbox is not None:
        families.append(
            GaugeMetricFamily(
                "everyst_hub_notification_outbox_pending",
                "Notifications not yet delivered (all channels, retries included).",
                value=outbox,
            )
        )
    return families


class _ScrapeCollector(Collector):
    def __init__(self, families: list[Metric]) -> None:
        self._families = families

    def collect(self) -> Iterator[Metric]:
        return iter(self._families)


def shows_hub_health(user: Any) -> bool:
    """Owners and admins, also through one of their API tokens (a scraper's usual credential):
    the hub's figures are not host data, but stream counts and queues tell the fleet's size."""
    return holds_fleet_role(user)


def exposition(user: Any, health: HubHealth | None) -> bytes:
    """The text exposition for one scrape by `user`: the hosts it may see; the hub's own health
    and process figures only for owners and admins (shows_hub_health)."""
    now_ms = int(time.time() * 1000)
    hosts = _hosts(user)
    samples = newest_samples(hosts, now_ms)
    body = _host_families(hosts, samples, now_ms).render().encode()
    if not shows_hub_health(user):
        return body
    registry = CollectorRegistry(auto_describe=False)
    ProcessCollector(registry=registry)
    PlatformCollector(registry=registry)
    registry.register(_ScrapeCollector(_health_families(health)))
    return body + generate_latest(registry)
