"""Limits and usage of the cgroup at the root of the agent's cgroup mount (a container's own cgroup).

Only the mount root is read, never the agent's own sub-cgroup from /proc/self/cgroup: on a host, the
root cgroup has no limits (cgroup v2 has no cpu.max/memory.max there; v1 says -1 and a huge number),
and a limit on the agent's systemd unit must not shrink the host's memory to the agent's budget. In a
container with its own cgroup namespace (Docker, Podman, Kubernetes) the mount root is the
container's cgroup, whose limits are what its processes live within.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from everyst_agent.collectors.base import COLLECT_ERRORS

CGROUP_ROOT = Path("/sys/fs/cgroup")
# cgroup v1 reports "no limit" as the largest page-aligned counter value; anything this large is none.
_V1_UNLIMITED = 1 << 62
_USER_HZ = 100  # cpuacct.stat is in USER_HZ, which is 100 on every Linux ABI


@dataclass(frozen=True, slots=True)
class Limits:
    cpu_cores: float | None
    memory: int | None


@dataclass(frozen=True, slots=True)
class CpuUsage:
    """Cumulative CPU time of the cgroup, seconds."""

    total: float
    user: float
    system: float


@dataclass(frozen=True, slots=True)
class MemoryUsage:
    """Bytes: the cgroup's charged memory, its inactive file cache, and all its file cache."""

    current: int
    inactive_file: int
    file: int


def _read(path: Path) -> str | None:
    try:
        return path.read_text()
    except COLLECT_ERRORS:
        return None


def _stat_fields(text: str | None) -> dict[str, int]:
    values: dict[str, int] = {}
    for line in (text or "").splitlines():
        key, _, value = line.partition(" ")
        if value.strip().isdigit():
            values[key] = int(value)
    return values


def parse_cpu_max(text: str) -> float | None:
    """cgroup v2 cpu.max: "<quota> <period>" in microseconds, or "max <period>" for no limit."""
    fields = text.split()
    if not fields or fields[0] == "max":
        return None
    period = int(fields[1]) if len(fields) > 1 else 100_000
    quota = int(fields[0])
    return quota / period if quota > 0 and period > 0 else None


def parse_v1_quota(quota: str, period: str) -> float | None:
    q, p = int(quota), int(period)
    return q / p if q > 0 and p > 0 else None


def parse_memory_limit(text: str, host_total: int = 0) -> int | None:
    """memory.max ("max" or bytes) or v1 memory.limit_in_bytes; None when it does not limit anything."""
    text = text.strip()
    if text == "max":
        return None
    value = int(text)
    if value <= 0 or value >= _V1_UNLIMITED or (host_total and value >= host_total):
        return None
    return value


class Cgroup:
    """Reads the limits and usage of one cgroup tree (v2 unified, or v1 controllers under `root`)."""

    def __init__(self, root: Path = CGROUP_ROOT) -> None:
        self.root = root
        self.v2 = (root / "cgroup.controllers").exists()
        self._cpu_dir = self._v1_dir("cpu", "cpu,cpuacct", "cpuacct,cpu")
        self._cpuacct_dir = self._v1_dir("cpuacct", "cpu,cpuacct", "cpuacct,cpu")
        self._memory_dir = self._v1_dir("memory")

    def _v1_dir(self, *names: str) -> Path:
        if self.v2:
            return self.root
        for name in names:
            if (self.root / name).is_dir():
                return self.root / name
        return self.root / names[0]

    def limits(self, host_memory: int = 0) -> Limits:
        cores: float | None = None
        memory: int | None = None
        try:
            if self.v2:
                text = _read(self.root / "cpu.max")
                cores = parse_cpu_max(text) if text else None
            else:
                quota = _read(self._cpu_dir / "cpu.cfs_quota_us")
                period = _read(self._cpu_dir / "cpu.cfs_period_us")
                cores = parse_v1_quota(quota, period) if quota and period else None
        except ValueError:
            cores = None
        name = "memory.max" if self.v2 else "memory.limit_in_bytes"
        text = _read(self._memory_dir / name)
        try:
            memory = parse_memory_limit(text, host_memory) if text else None
        except ValueError:
            memory = None
        return Limits(cores, memory)

    def cpu_usage(self) -> CpuUsage | None:
        if self.v2:
            stat = _stat_fields(_read(self.root / "cpu.stat"))
            if "usage_usec" not in stat:
                return None
            return CpuUsage(
                stat["usage_usec"] / 1e6, stat.get("user_usec", 0) / 1e6, stat.get("system_usec", 0) / 1e6
            )
        usage = _read(self._cpuacct_dir / "cpuacct.usage")
        if usage is None or not usage.strip().isdigit():
            return None
        stat = _stat_fields(_read(self._cpuacct_dir / "cpuacct.stat"))
        return CpuUsage(int(usage) / 1e9, stat.get("user", 0) / _USER_HZ, stat.get("system", 0) / _USER_HZ)

    def memory_usage(self) -> MemoryUsage | None:
        if self.v2:
            current = _read(self.root / "memory.current")
            stat = _stat_fields(_read(self.root / "memory.stat"))
            if current is None or not current.strip().isdigit():
                return None
            return MemoryUsage(int(current), stat.get("inactive_file", 0), stat.get("file", 0))
        current = _read(self._memory_dir / "memory.usage_in_bytes")
        if current is None or not current.strip().isdigit():
            return None
        stat = _stat_fields(_read(self._memory_dir / "memory.stat"))
        # total_* include child cgroups, which a container's processes may well live in.
        inactive = stat.get("total_inactive_file", stat.get("inactive_file", 0))
        cache = stat.get("total_cache", stat.get("cache", 0))
        return MemoryUsage(int(current), inactive, cache)
