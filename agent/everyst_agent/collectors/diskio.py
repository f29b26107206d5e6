"""Per physical disk throughput, IOPS and busy time, from /proc/diskstats deltas."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Mapping
from typing import Any

import psutil
from everyst.agent.v1 import agent_pb2

from everyst_agent.collectors.base import COLLECT_ERRORS, REFRESH_SECONDS, FailureLog

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


class DiskIoCollector:
    def __init__(self, sys_block: str = "/sys/block") -> None:
        self._sys_block = sys_block
        self.failures = FailureLog("disk_io")
        self._whole_disks: frozenset[str] | None = None
        self._refreshed_at = float("-inf")
        self._prev: Mapping[str, Any] = {}
        self._prev_at = 0.0
        self._read()

    def _read(self) -> tuple[Mapping[str, Any], float]:
        now = time.monotonic()
        if now - self._refreshed_at >= REFRESH_SECONDS:
            self._refreshed_at = now
            self._whole_disks = _list_whole_disks(self._sys_block)
        try:
            # The kernel's counters are 64-bit; a reset shows as a negative delta, clamped to 0 below,
            # so psutil's wrap-around bookkeeping is not worth its per-tick cost.
            counters = psutil.disk_io_counters(perdisk=True, nowrap=False) or {}
        except COLLECT_ERRORS as exc:
            self.failures(exc)
            counters = {}
        else:
            self.failures.ok()
        cur = {name: c for name, c in counters.items() if is_physical_disk(name, self._whole_disks)}
        prev, prev_at = self._prev, self._prev_at
        self._prev, self._prev_at = cur, now
        return prev, now - prev_at

    def fill(self, sample: agent_pb2.Sample) -> None:
        prev, elapsed = self._read()
        for name, c in sorted(self._prev.items()):
            io = sample.disk_io.add(device=name)
            p = prev.get(name)
            if p is None or elapsed <= 0:
                continue
            io.read_bps = max(c.read_bytes - p.read_bytes, 0) / elapsed
            io.write_bps = max(c.write_bytes - p.write_bytes, 0) / elapsed
            io.read_iops = max(c.read_count - p.read_count, 0) / elapsed
            io.write_iops = max(c.write_count - p.write_count, 0) / elapsed
            busy_ms = max(getattr(c, "busy_time", 0) - getattr(p, "busy_time", 0), 0)
            io.busy_pct = min(100.0 * busy_ms / (elapsed * 1000.0), 100.0)
