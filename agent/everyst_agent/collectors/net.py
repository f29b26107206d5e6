"""Per interface traffic rates (from /proc/net/dev deltas) and cumulative error counters."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import psutil
from everyst.agent.v1 import agent_pb2

from everyst_agent.collectors.base import CounterDeltas, set_rates

_SKIP = frozenset({"lo"})


_RATES = (
    ("rx_bps", "bytes_recv"),
    ("tx_bps", "bytes_sent"),
    ("rx_pps", "packets_recv"),
    ("tx_pps", "packets_sent"),
)


class NetCollector(CounterDeltas):
    def __init__(self) -> None:
        super().__init__("net")

    def _counters(self) -> Mapping[str, Any]:
        # Counters are 64-bit; a re-created interface shows as a negative delta, clamped to 0,
        # so psutil's wrap-around bookkeeping is not worth its per-tick cost.
        counters = psutil.net_io_counters(pernic=True, nowrap=False) or {}
        return {name: c for name, c in counters.items() if name not in _SKIP}

    def fill(self, sample: agent_pb2.Sample) -> None:
        for name, c, p, elapsed in self.readings():
            net = sample.net.add(
                iface=name, errin=c.errin, errout=c.errout, dropin=c.dropin, dropout=c.dropout
            )
            if p is not None:
                set_rates(net, c, p, elapsed, _RATES)
