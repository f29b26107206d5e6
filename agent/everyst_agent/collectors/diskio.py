"""Per physical disk throughput, IOPS and busy time, from /proc/diskstats deltas."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any

import psutil
from everyst.agent.v1 import agent_pb2

from everyst_agent.collectors.base import CounterDeltas, Refreshed, set_rates

# Whole devices that are not physical disks, or that stack on physical disks and would count the
# same I/O twice (device-mapper, md RAID).
_VIRTUAL_PREFIXES = ("loop", "ram", "zram", "dm-", "md", "nbd", "sr", "fd")
_PARTITION = re.compile(r"^(?:(?:sd|vd|xvd|hd)[a-z]+\d+|(?:nvme\d+n\d+|mmcblk\d+)p\d+)$")


def is_physical_disk(name: str, whole_disks: frozenset[str] | None) -> bool:
    """True for a whole physical disk; `whole_disks` is /sys/block's listing, None if unreadable."""
    if name.startswith(_VIRTUAL_PREFIXES):
        return False
    if whole_disks is not None:
        return name in whole_disks
    return not _PARTITION.match(name)


def _list_whole_disks(sys_block: str) -> frozenset[str] | None:
    try:
        return frozenset(os.listdir(sys_block))
    except OSError:
        return None


_RATES = (
    ("read_bps", "read_bytes"),
    ("write_bps", "write_bytes"),
    ("read_iops", "read_count"),
    ("write_iops", "write_count"),
)


class DiskIoCollector(CounterDeltas):
    def __init__(self, sys_block: str = "/sys/block") -> None:
        self._whole_disks = Refreshed(lambda: _list_whole_disks(sys_block))
        super().__init__("disk_io")

    def _counters(self) -> Mapping[str, Any]:
        whole_disks = self._whole_disks.get()
        # The kernel's counters are 64-bit; a reset shows as a negative delta, clamped to 0,
        # so psutil's wrap-around bookkeeping is not worth its per-tick cost.
        counters = psutil.disk_io_counters(perdisk=True, nowrap=False) or {}
        return {name: c for name, c in counters.items() if is_physical_disk(name, whole_disks)}

    def fill(self, sample: agent_pb2.Sample) -> None:
        for name, c, p, elapsed in self.readings():
            io = sample.disk_io.add(device=name)
            if p is None:
                continue
            set_rates(io, c, p, elapsed, _RATES)
            busy_ms = max(getattr(c, "busy_time", 0) - getattr(p, "busy_time", 0), 0)
            io.busy_pct = min(100.0 * busy_ms / (elapsed * 1000.0), 100.0)
