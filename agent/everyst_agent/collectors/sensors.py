"""Temperatures and fan speeds from the kernel's hwmon drivers, through psutil.

A host without sensors (most VMs and containers) sends none and the UI says "no sensors"; the family
is *unavailable* only when reading them fails. On such hosts the (empty) lookup is repeated every
`REFRESH_SECONDS` instead of every tick, since a sensor driver is rarely loaded after boot.
"""

from __future__ import annotations

import time
from typing import Any

import psutil
from everyst.agent.v1 import agent_pb2

from everyst_agent.collectors.base import COLLECT_ERRORS, REFRESH_SECONDS, FailureLog


def _read(name: str) -> dict[str, list[Any]]:
    reader = getattr(psutil, name, None)
    if reader is None:
        raise OSError(f"psutil cannot read sensors on this platform ({name})")
    return reader() or {}


class SensorsCollector:
    def __init__(self) -> None:
        self.failures = FailureLog("sensors")
        self._empty_until = float("-inf")

    def fill(self, sample: agent_pb2.Sample) -> None:
        now = time.monotonic()
        if now < self._empty_until:
            return
        try:
            temperatures, fans = _read("sensors_temperatures"), _read("sensors_fans")
        except COLLECT_ERRORS as exc:
            self.failures(exc)
            self._empty_until = now + REFRESH_SECONDS
            return
        self.failures.ok()
        if not temperatures and not fans:
            self._empty_until = now + REFRESH_SECONDS
            return
        for chip, entries in sorted(temperatures.items()):
            for t in entries:
                sample.temperatures.add(
                    chip=chip,
                    label=t.label or "",
                    current=round(t.current or 0.0, 1),
                    high=round(t.high or 0.0, 1),
                    critical=round(t.critical or 0.0, 1),
                )
        for chip, entries in sorted(fans.items()):
            for f in entries:
                sample.fans.add(chip=chip, label=f.label or "", rpm=float(f.current or 0))
