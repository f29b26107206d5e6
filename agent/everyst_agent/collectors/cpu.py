"""CPU utilisation from one `/proc/stat` read per tick, as deltas against the previous read."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import psutil
from everyst.agent.v1 import agent_pb2

from everyst_agent.collectors.base import COLLECT_ERRORS, FailureLog

# (user, system, iowait, steal, idle) seconds. `nice` counts as user and irq/softirq as system so the
# five shares add up to 100 %; guest time is already included in user/nice by the kernel.
Split = tuple[float, float, float, float, float]


def split_times(times: Any) -> Split:
    return (
        times.user + times.nice,
        times.system + getattr(times, "irq", 0.0) + getattr(times, "softirq", 0.0),
        getattr(times, "iowait", 0.0),
        getattr(times, "steal", 0.0),
        times.idle,
    )


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


class CpuCollector:
    def __init__(self) -> None:
        self._failed = FailureLog("cpu")
        self._prev: list[Split] = self._read()

    def _read(self) -> list[Split]:
        try:
            return [split_times(t) for t in psutil.cpu_times(percpu=True)]
        except COLLECT_ERRORS as exc:
            self._failed(exc)
            return []

    def fill(self, sample: agent_pb2.Sample) -> None:
        cur = self._read()
        prev, self._prev = self._prev, cur
        fill_cpu(sample.cpu, prev, cur)
