"""What a metric rule can watch: each metric name reads its series (key, value) out of a protobuf
Sample. Only the metrics some enabled rule names are read, so an unused metric costs nothing."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from everyst.agent.v1 import agent_pb2

Series = Iterable[tuple[str, float]]


@dataclass(frozen=True)
class Metric:
    description: str
    unit: str
    # The family in Sample.unavailable that, when listed, means this metric has no value.
    family: str
    read: Callable[[agent_pb2.Sample], Series]
    # What the series key is ("mount", "interface", …); empty for a single-valued metric.
    key: str = ""
    # A metric whose every sample has exactly one value, unkeyed: that value (`read` gives it as
    # its one series), which the engine reads without building the series.
    value: Callable[[agent_pb2.Sample], float] | None = None


def _single(description: str, unit: str, family: str, value: Callable[[agent_pb2.Sample], float]) -> Metric:
    return Metric(description, unit, family, lambda s: (("", value(s)),), value=value)


def _load_per_core(s: agent_pb2.Sample) -> float:
    return s.load.load1 / (len(s.cpu.per_core) or 1)


def _failed_units(s: agent_pb2.Sample) -> Series:
    # Sent only on the slow ticks: absent means "no news", not "no failed unit".
    if not s.HasField("failed_units"):
        return ()
    return (("", float(len(s.failed_units.units))),)


METRICS: dict[str, Metric] = {
    "cpu.percent": _single("CPU busy, all cores", "%", "cpu", lambda s: s.cpu.percent),
    "cpu.core": Metric(
        "CPU busy, one core",
        "%",
        "cpu",
        lambda s: ((str(i), v) for i, v in enumerate(s.cpu.per_core)),
        "core",
    ),
    "cpu.iowait": _single("CPU waiting on I/O", "%", "cpu", lambda s: s.cpu.iowait),
    "cpu.steal": _single("CPU stolen by the hypervisor", "%", "cpu", lambda s: s.cpu.steal),
    "memory.percent": _single("Memory used", "%", "memory", lambda s: s.memory.percent),
    "swap.percent": Metric(
        "Swap used", "%", "memory", lambda s: (("", s.swap.percent),) if s.swap.total else ()
    ),
    "load.per_core": _single("1-minute load per core", "", "load", _load_per_core),
    "disk.percent": Metric(
        "Disk space used", "%", "disks", lambda s: ((d.mount, d.percent) for d in s.disks), "mount"
    ),
    "disk.inodes_percent": Metric(
        "Inodes used",
        "%",
        "disks",
        lambda s: ((d.mount, d.inodes_percent) for d in s.disks if d.inodes_total),
        "mount",
    ),
    "disk_io.busy_pct": Metric(
        "Disk busy", "%", "disk_io", lambda s: ((d.device, d.busy_pct) for d in s.disk_io), "device"
    ),
    "net.rx_bps": Metric(
        "Network received", "B/s", "net", lambda s: ((n.iface, n.rx_bps) for n in s.net), "interface"
    ),
    "net.tx_bps": Metric(
        "Network sent", "B/s", "net", lambda s: ((n.iface, n.tx_bps) for n in s.net), "interface"
    ),
    "temperature": Metric(
        "Temperature",
        "°C",
        "sensors",
        lambda s: ((f"{t.chip}/{t.label}", t.current) for t in s.temperatures),
        "sensor",
    ),
    "systemd.failed_units": Metric("Failed systemd units", "", "systemd", _failed_units),
}
