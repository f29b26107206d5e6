"""History queries: pick the tier that answers a range with at most ~1,000 points, fast."""

from __future__ import annotations

import math
import time
from typing import Any

from everyst.agent.v1 import agent_pb2

from everyst_hub.inventory.models import Host

from .models import Rollup, Sample
from .rollup import Accumulator, decode, flatten
from .tiers import Tier, all_tiers, bucket

MAX_POINTS = 1000
# A tier is used when it yields at most this many rows per returned point (decoding cost).
ROWS_PER_POINT = 10


def choose_tier(from_ms: int, to_ms: int, points: int, now_ms: int) -> Tier:
    span = max(1, to_ms - from_ms)
    tiers = all_tiers()
    for tier in tiers:
        fine_enough = tier.step_ms * points * ROWS_PER_POINT >= span
        kept = from_ms >= now_ms - tier.retention_ms
        if fine_enough and kept:
            return tier
    return tiers[-1]


def _wanted(key: str, prefixes: set[str] | None) -> bool:
    return prefixes is None or any(key == p or key.startswith(p) for p in prefixes)


def history(
    host: Host, from_ms: int, to_ms: int, *, points: int = MAX_POINTS, series: set[str] | None = None
) -> dict[str, Any]:
    now_ms = int(time.time() * 1000)
    points = max(1, min(points, MAX_POINTS))
    tier = choose_tier(from_ms, to_ms, points, now_ms)
    step = max(tier.step_ms, math.ceil((to_ms - from_ms) / points / tier.step_ms) * tier.step_ms)
    start = bucket(from_ms, step)
    count = max(1, math.ceil((to_ms - start) / step))
    wanted = None if series is None else (lambda key: _wanted(key, series))
    # Per point, summed in place as rows stream in (no list of parts per point).
    acc: dict[int, Accumulator] = {}
    if tier.id == 0:
        rows = Sample.objects.filter(host=host, ts__gte=start, ts__lt=to_ms).values_list("ts", "data")
        for ts, data in rows.iterator(chunk_size=2000):
            index = (ts - start) // step
            if not 0 <= index < count:
                continue
            sample = agent_pb2.Sample()
            sample.ParseFromString(bytes(data))
            slot = acc.get(index)
            if slot is None:
                slot = acc[index] = Accumulator()
            slot.add_sample(flatten(sample), wanted)
    else:
        rows = Rollup.objects.filter(host=host, tier=tier.id, ts__gte=start, ts__lt=to_ms).values_list(
            "ts", "n", "data"
        )
        for ts, n, data in rows.iterator(chunk_size=2000):
            index = (ts - start) // step
            if not 0 <= index < count:
                continue
            slot = acc.get(index)
            if slot is None:
                slot = acc[index] = Accumulator()
            slot.add(n, decode(data, wanted))
    counts = [0] * count
    out: dict[str, dict[str, list[float | None]]] = {}
    for index in sorted(acc):
        point = acc[index]
        sums, weights, maxima = point.sums, point.weights, point.maxima
        counts[index] = point.n
        for key, value in sums.items():
            entry = out.get(key)
            if entry is None:
                entry = out[key] = {"avg": [None] * count, "max": [None] * count}
            entry["avg"][index] = round(value / weights[key], 3)
            entry["max"][index] = round(maxima[key], 3)
    return {
        "tier": tier.name,
        "step_ms": step,
        "from": start,
        "to": to_ms,
        "ts": [start + i * step for i in range(count)],
        "count": counts,
        "series": out,
    }
