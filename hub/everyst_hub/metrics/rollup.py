"""Series: the flat view of a sample that history is stored and served in.

A sample becomes {"cpu": 12.5, "core.0": 10.0, "mem.used": 2e9, "net.eth0.rx": 1200, ...};
a rollup keeps [average, maximum] per series over a bucket.
"""

from __future__ import annotations

import json
import math
import zlib
from collections.abc import Iterable

from everyst.agent.v1 import agent_pb2

Series = dict[str, float]
AggSeries = dict[str, list[float]]


def flatten(s: agent_pb2.Sample) -> Series:
    cpu, mem, swap, load = s.cpu, s.memory, s.swap, s.load
    out: Series = {
        "cpu": cpu.percent,
        "cpu.user": cpu.user,
        "cpu.system": cpu.system,
        "cpu.iowait": cpu.iowait,
        "cpu.steal": cpu.steal,
        "load1": load.load1,
        "load5": load.load5,
        "load15": load.load15,
        "mem.used": float(mem.used),
        "mem.available": float(mem.available),
        "mem.cached": float(mem.cached),
        "mem.buffers": float(mem.buffers),
        "mem.percent": mem.percent,
        "swap.used": float(swap.used),
        "swap.percent": swap.percent,
    }
    for i, value in enumerate(cpu.per_core):
        out[f"core.{i}"] = value
    for d in s.disks:
        out[f"disk.{d.mount}.used"] = float(d.used)
        out[f"disk.{d.mount}.percent"] = d.percent
    for io in s.disk_io:
        out[f"io.{io.device}.read"] = io.read_bps
        out[f"io.{io.device}.write"] = io.write_bps
        out[f"io.{io.device}.busy"] = io.busy_pct
    for n in s.net:
        out[f"net.{n.iface}.rx"] = n.rx_bps
        out[f"net.{n.iface}.tx"] = n.tx_bps
    return out


def aggregate(parts: Iterable[tuple[int, AggSeries]]) -> tuple[int, AggSeries]:
    """Merge (n, {series: [avg, max]}) parts into one, weighting averages by n."""
    total = 0
    sums: dict[str, float] = {}
    weights: dict[str, int] = {}
    maxima: dict[str, float] = {}
    for n, series in parts:
        total += n
        for key, (avg, peak) in series.items():
            sums[key] = sums.get(key, 0.0) + avg * n
            weights[key] = weights.get(key, 0) + n
            maxima[key] = peak if key not in maxima else max(maxima[key], peak)
    return total, {k: [sums[k] / weights[k], maxima[k]] for k in sums}


def as_parts(samples: Iterable[Series]) -> Iterable[tuple[int, AggSeries]]:
    for series in samples:
        yield 1, {k: [v, v] for k, v in series.items()}


def _compact(value: float) -> float | int:
    # Four significant digits are plenty for charts and halve the stored size.
    if value == 0 or math.isnan(value):
        return 0
    rounded = float(f"{value:.4g}")
    return int(rounded) if rounded.is_integer() and abs(rounded) < 2**53 else rounded


def encode(series: AggSeries) -> bytes:
    compact = {k: [_compact(a), _compact(m)] for k, (a, m) in series.items()}
    return zlib.compress(json.dumps(compact, separators=(",", ":")).encode(), 6)


def decode(data: bytes) -> AggSeries:
    return dict(json.loads(zlib.decompress(bytes(data))))
