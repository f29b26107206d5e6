"""Builds one `Sample` per tick from every collector."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Protocol

import psutil
from everyst.agent.v1 import agent_pb2

from everyst_agent.collectors.base import COLLECT_ERRORS, FailureLog
from everyst_agent.collectors.cgroup import CGROUP_ROOT, Cgroup
from everyst_agent.collectors.cpu import CpuCollector
from everyst_agent.collectors.diskio import DiskIoCollector
from everyst_agent.collectors.disks import DiskUsageCollector
from everyst_agent.collectors.listening import ListeningCollector
from everyst_agent.collectors.load import LoadCollector
from everyst_agent.collectors.memory import MemoryCollector
from everyst_agent.collectors.net import NetCollector
from everyst_agent.collectors.processes import ProcessCollector
from everyst_agent.collectors.sensors import SensorsCollector
from everyst_agent.collectors.systemd import SystemdCollector
from everyst_agent.collectors.users import UsersCollector

log = logging.getLogger(__name__)

PROCESS_INTERVAL = 5.0
SLOW_INTERVAL = 30.0


class Collector(Protocol):
    failures: FailureLog

    def fill(self, sample: agent_pb2.Sample) -> None: ...


class Sampler:
    """Collects one `agent_pb2.Sample` per call to `sample()`.

    Rates and CPU percentages are deltas against the previous reading. The counters are first read
    when the Sampler is created, so every sample, the first one included, is emitted and carries
    rates over the time since the previous reading; only a disk or interface that appeared since
    then reports rates of 0 once. Create the Sampler about one interval before the first tick.

    Processes come every `process_interval` seconds; listening sockets, users and failed units every
    `slow_interval` (both 0 = never); the first sample carries them all. Every sample lists in
    `unavailable` the families whose last attempt failed, however long ago that attempt was.
    """

    def __init__(
        self,
        process_interval: float = PROCESS_INTERVAL,
        slow_interval: float = SLOW_INTERVAL,
        cgroup_root: Path = CGROUP_ROOT,
    ) -> None:
        cgroup = Cgroup(cgroup_root)
        self._collectors: tuple[Collector, ...] = (
            CpuCollector(cgroup=cgroup),
            LoadCollector(),
            MemoryCollector(cgroup=cgroup),
            DiskUsageCollector(),
            DiskIoCollector(),
            NetCollector(),
            SensorsCollector(),
            # After MemoryCollector: memory percentages are of the memory total it found.
            ProcessCollector(process_interval),
            ListeningCollector(slow_interval),
            UsersCollector(slow_interval),
            SystemdCollector(slow_interval),
        )
        self._broken: set[str] = set()
        try:
            self._boot_time = psutil.boot_time()
        except COLLECT_ERRORS:
            self._boot_time = 0.0

    def sample(self, ts_ms: int | None = None) -> agent_pb2.Sample:
        sample = agent_pb2.Sample(ts_ms=int(time.time() * 1000) if ts_ms is None else ts_ms)
        for collector in self._collectors:
            try:
                collector.fill(sample)
            except Exception as exc:
                # A bug in one collector must not stop the others nor the agent; say it once.
                collector.failures.failing = True
                name = type(collector).__name__
                if name not in self._broken:
                    self._broken.add(name)
                    log.exception("%s failed; its fields stay empty: %s", name, exc)
        sample.unavailable.extend(c.failures.name for c in self._collectors if c.failures.failing)
        if self._boot_time:
            sample.uptime = max(time.time() - self._boot_time, 0.0)
        return sample
