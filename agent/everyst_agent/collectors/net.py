"""Per interface traffic rates (from /proc/net/dev deltas) and cumulative error counters."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import psutil
from everyst.agent.v1 import agent_pb2

from everyst_agent.collectors.base import COLLECT_ERRORS, FailureLog

_SKIP = frozenset({"lo"})


class NetCollector:
    def __init__(self) -> None:
        self.failures = FailureLog("net")
        self._prev: Mapping[str, Any] = {}
        self._prev_at = 0.0
        self._read()

    def _read(self) -> tuple[Mapping[str, Any], float]:
        now = time.monotonic()
        try:
            # Counters are 64-bit; a re-created interface shows as a negative delta, clamped to 0 below,
            # so psutil's wrap-around bookkeeping is not worth its per-tick cost.
            counters = psutil.net_io_counters(pernic=True, nowrap=False) or {}
        except COLLECT_ERRORS as exc:
            self.failures(exc)
            counters = {}
        else:
            self.failures.ok()
        cur = {name: c for name, c in counters.items() if name not in _SKIP}
        prev, prev_at = self._prev, self._prev_at
        self._prev, self._prev_at = cur, now
        return prev, now - prev_at

    def fill(self, sample: agent_pb2.Sample) -> None:
        prev, elapsed = self._read()
        for name, c in sorted(self._prev.items()):
            net = sample.net.add(
                iface=name, errin=c.errin, errout=c.errout, dropin=c.dropin, dropout=c.dropout
            )
            p = prev.get(name)
            if p is None or elapsed <= 0:
                # An interface that just appeared (or the first reading) has no rate yet.
                continue
            net.rx_bps = max(c.bytes_recv - p.bytes_recv, 0) / elapsed
            net.tx_bps = max(c.bytes_sent - p.bytes_sent, 0) / elapsed
            net.rx_pps = max(c.packets_recv - p.packets_recv, 0) / elapsed
            net.tx_pps = max(c.packets_sent - p.packets_sent, 0) / elapsed
