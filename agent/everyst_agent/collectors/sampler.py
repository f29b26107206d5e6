"""Builds one `Sample` per tick from every collector."""

from __future__ import annotations

import logging
import time

import psutil
from everyst.agent.v1 import agent_pb2

from everyst_agent.collectors.base import COLLECT_ERRORS
from everyst_agent.collectors.cpu import CpuCollector
from everyst_agent.collectors.diskio import DiskIoCollector
from everyst_agent.collectors.disks import DiskUsageCollector
from everyst_agent.collectors.load import LoadCollector
from everyst_agent.collectors.memory import MemoryCollector
from everyst_agent.collectors.net import NetCollector

log = logging.getLogger(__name__)


class Sampler:
    """Collects one `agent_pb2.Sample` per call to `sample()`.

    Rates and CPU percentages are deltas against the previous reading. The counters are first read
    when the Sampler is created, so every sample, the first one included, is emitted and carries
    rates over the time since the previous reading; only a disk or interface that appeared since
    then reports rates of 0 once. Create the Sampler about one interval before the first tick.
    """

    def __init__(self) -> None:
        self._cpu = CpuCollector()
        self._load = LoadCollector()
        self._memory = MemoryCollector()
        self._disks = DiskUsageCollector()
        self._diskio = DiskIoCollector()
        self._net = NetCollector()
        self._collectors = (self._cpu, self._load, self._memory, self._disks, self._diskio, self._net)
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
            except Exception:
                # A bug in one collector must not stop the others nor the agent; say it once.
                name = type(collector).__name__
                if name not in self._broken:
                    self._broken.add(name)
                    log.exception("%s failed; its fields stay empty", name)
        if self._boot_time:
            sample.uptime = max(time.time() - self._boot_time, 0.0)
        return sample
