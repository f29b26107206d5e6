"""CPU utilisation, context switches and interrupts from one `/proc/stat` read per tick, as deltas
against the previous read; relative to the cgroup's CPU quota when the agent runs in a limited container.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from everyst.agent.v1 import agent_pb2

from everyst_agent.collectors.base import COLLECT_ERRORS, FailureLog, Refreshed
from everyst_agent.collectors.cgroup import Cgroup, CpuUsage

# (user, system, iowait, steal, idle) in any time unit. `nice` counts as user and irq/softirq as system
# so the five shares add up to 100 %; guest time is already included in user/nice by the kernel.
Split = tuple[float, float, float, float, float]


@dataclass(slots=True)
class ProcStat:
    cores: list[Split] = field(default_factory=list)
    ctxt: int | None = None
    intr: int | None = None


def parse_proc_stat(data: bytes) -> ProcStat:
    """Per-core times (clock ticks), and the cumulative context switch and interrupt counts."""
    stat = ProcStat()
    for line in data.splitlines():
        if line.startswith(b"cpu"):
            if line[3:4] == b" ":
                continue  # the all-CPU line: the per-core lines are summed instead
            # user nice system idle iowait irq softirq steal; old kernels stop after idle or irq.
            v = [int(x) for x in line.split()[1:9]]
            v += [0] * (8 - len(v))
            stat.cores.append((v[0] + v[1], v[2] + v[5] + v[6], v[4], v[7], v[3]))
        elif line.startswith(b"ctxt "):
            stat.ctxt = int(line[5:])
        elif line.startswith(b"intr "):
            # The total, then one counter per IRQ line: only the total is wanted.
            stat.intr = int(line[5:].split(b" ", 1)[0])
    return stat


def _delta(prev: Split, cur: Split) -> Split:
    # Counters can step back slightly on some kernels after CPU hotplug; a negative share is noise.
    u, s, w, st, i = (max(c - p, 0.0) for p, c in zip(prev, cur, strict=True))
    return u, s, w, st, i


def _busy_percent(d: Split) -> float:
    total = sum(d)
    if total <= 0:
        return 0.0
    # iowait is idle time spent waiting for I/O: psutil and top count it as not busy, and so do we.
    return min(max(100.0 * (total - d[2] - d[4]) / total, 0.0), 100.0)


def fill_cpu(cpu: agent_pb2.Cpu, prev: Sequence[Split], cur: Sequence[Split]) -> None:
    """Fill `cpu` from two per-core readings; a changed core count (hotplug) leaves it at zero."""
    if len(prev) != len(cur) or not cur:
        return
    deltas = [_delta(p, c) for p, c in zip(prev, cur, strict=True)]
    cpu.per_core.extend(round(_busy_percent(d), 2) for d in deltas)
    total: Split = (
        sum(d[0] for d in deltas),
        sum(d[1] for d in deltas),
        sum(d[2] for d in deltas),
        sum(d[3] for d in deltas),
        sum(d[4] for d in deltas),
    )
    whole = sum(total)
    cpu.percent = round(_busy_percent(total), 2)
    if whole > 0:
        cpu.user, cpu.system, cpu.iowait, cpu.steal, cpu.idle = (round(100.0 * x / whole, 2) for x in total)


def fill_cpu_quota(cpu: agent_pb2.Cpu, cores: float, prev: CpuUsage, cur: CpuUsage, elapsed: float) -> None:
    """Busy time of a cgroup relative to its quota of `cores` over `elapsed` seconds.

    A cgroup's iowait and steal are not accounted anywhere, so they read 0 and idle is the rest.
    """
    cpu.limit_cores = round(cores, 3)
    capacity = cores * elapsed
    if capacity <= 0:
        return

    def share(a: float, b: float) -> float:
        return min(max(100.0 * (b - a) / capacity, 0.0), 100.0)

    cpu.percent = round(share(prev.total, cur.total), 2)
    cpu.user = round(share(prev.user, cur.user), 2)
    cpu.system = round(min(share(prev.system, cur.system), 100.0 - cpu.user), 2)
    cpu.iowait = cpu.steal = 0.0
    cpu.idle = round(max(100.0 - cpu.percent, 0.0), 2)


class CpuCollector:
    def __init__(self, proc_stat: Path = Path("/proc/stat"), cgroup: Cgroup | None = None) -> None:
        self._path = proc_stat
        self.failures = FailureLog("cpu")
        self._cgroup = cgroup or Cgroup()
        self._limit = Refreshed(lambda: self._cgroup.limits().cpu_cores)
        self._cores: float | None = None
        self._prev, self._prev_usage, self._prev_at = self._read()

    def _read(self) -> tuple[ProcStat, CpuUsage | None, float]:
        now = time.monotonic()
        self._cores = self._limit.get()
        usage = self._cgroup.cpu_usage() if self._cores else None
        try:
            stat = parse_proc_stat(self._path.read_bytes())
        except COLLECT_ERRORS as exc:
            self.failures(exc)
            return ProcStat(), usage, now
        self.failures.ok()
        return stat, usage, now

    def fill(self, sample: agent_pb2.Sample) -> None:
        cur, usage, now = self._read()
        prev, prev_usage, elapsed = self._prev, self._prev_usage, now - self._prev_at
        self._prev, self._prev_usage, self._prev_at = cur, usage, now
        cpu = sample.cpu
        fill_cpu(cpu, prev.cores, cur.cores)
        if elapsed > 0:
            if prev.ctxt is not None and cur.ctxt is not None:
                cpu.ctx_switches_ps = round(max(cur.ctxt - prev.ctxt, 0) / elapsed, 1)
            if prev.intr is not None and cur.intr is not None:
                cpu.interrupts_ps = round(max(cur.intr - prev.intr, 0) / elapsed, 1)
        if self._cores and usage is not None and prev_usage is not None and elapsed > 0:
            fill_cpu_quota(cpu, self._cores, prev_usage, usage, elapsed)
