"""Memory and swap usage, as `free` (and psutil) report them, from one /proc/meminfo read per tick.

psutil's virtual_memory() and swap_memory() would read /proc/meminfo, sysinfo() and the long
/proc/vmstat every tick; one read of /proc/meminfo gives both at a fraction of the cost.

In a container with a memory limit (see `cgroup`), memory is the cgroup's: total is the limit and
used is its charged memory minus the inactive file cache the kernel reclaims first (what `docker
stats` shows), so "100 %" means the OOM killer is near, not that the host is full.
"""

from __future__ import annotations

from pathlib import Path

from everyst.agent.v1 import agent_pb2

from everyst_agent.collectors.base import COLLECT_ERRORS, FailureLog, Refreshed
from everyst_agent.collectors.cgroup import Cgroup, MemoryUsage

_WANTED = frozenset(
    {
        b"MemTotal",
        b"MemFree",
        b"MemAvailable",
        b"Buffers",
        b"Cached",
        b"SReclaimable",
        b"SwapTotal",
        b"SwapFree",
    }
)


def parse_meminfo(data: bytes) -> dict[bytes, int]:
    """The fields of /proc/meminfo this collector uses, in bytes."""
    values: dict[bytes, int] = {}
    for line in data.splitlines():
        key, _, rest = line.partition(b":")
        if key in _WANTED:
            fields = rest.split()
            values[key] = int(fields[0]) * (1024 if fields[1:] == [b"kB"] else 1)
    return values


def fill_memory(sample: agent_pb2.Sample, info: dict[bytes, int]) -> None:
    total = info.get(b"MemTotal", 0)
    if total:
        free, buffers = info.get(b"MemFree", 0), info.get(b"Buffers", 0)
        cached = info.get(b"Cached", 0) + info.get(b"SReclaimable", 0)
        # Kernels before 3.14 lack MemAvailable; free + buffers + cache is what they would call available.
        available = info.get(b"MemAvailable") or free + buffers + cached
        available = free if available > total else max(available, 0)
        mem = sample.memory
        mem.total, mem.available, mem.used = total, available, total - available
        mem.cached, mem.buffers = cached, buffers
        mem.percent = round(100.0 * (total - available) / total, 1)
    swap_total = info.get(b"SwapTotal", 0)
    swap_used = max(swap_total - info.get(b"SwapFree", 0), 0)
    sample.swap.total, sample.swap.used = swap_total, swap_used
    sample.swap.percent = round(100.0 * swap_used / swap_total, 1) if swap_total else 0.0


def fill_memory_limit(mem: agent_pb2.Memory, limit: int, usage: MemoryUsage) -> None:
    used = min(max(usage.current - usage.inactive_file, 0), limit)
    mem.limit = mem.total = limit
    mem.used, mem.available = used, limit - used
    mem.cached, mem.buffers = usage.file, 0
    mem.percent = round(100.0 * used / limit, 1)


class MemoryCollector:
    def __init__(self, meminfo: Path = Path("/proc/meminfo"), cgroup: Cgroup | None = None) -> None:
        self._meminfo = meminfo
        self.failures = FailureLog("memory")
        self._cgroup = cgroup or Cgroup()
        self._limit = Refreshed(lambda host_memory: self._cgroup.limits(host_memory=host_memory).memory)

    def fill(self, sample: agent_pb2.Sample) -> None:
        try:
            info = parse_meminfo(self._meminfo.read_bytes())
        except COLLECT_ERRORS as exc:
            self.failures(exc)
            return
        self.failures.ok()
        fill_memory(sample, info)
        limit = self._limit.get(info.get(b"MemTotal", 0))
        if limit:
            usage = self._cgroup.memory_usage()
            if usage is not None:
                fill_memory_limit(sample.memory, limit, usage)
