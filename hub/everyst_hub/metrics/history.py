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


def data_start(host: Host) -> int | None:
    """When the host's kept data begins (unix ms; None: nothing kept).

    Each tier's first row is one seek on its primary key. The finest tier that still holds the
    beginning gives it to the millisecond; a coarser tier wins only when its first bucket ends
    before that (the finer tiers expired it), and then its bucket start is the best we know."""
    best: int | None = None
    for tier in all_tiers():
        if tier.id == 0:
            first = Sample.objects.filter(host=host).order_by("ts").values_list("ts", flat=True).first()
        else:
            first = (
                Rollup.objects.filter(host=host, tier=tier.id)
                .order_by("ts")
                .values_list("ts", flat=True)
                .first()
            )
        if first is not None and (best is None or first + tier.step_ms <= best):
            best = int(first)
    return best


def _rolled_through(host: Host, tier: Tier) -> int:
    """End of the tier's newest bucket: after it, the data is only in finer tiers (not rolled
    up yet: a coarse bucket is written once it closes)."""
    last = Rollup.objects.filter(host=host, tier=tier.id).order_by("-ts").values_list("ts", flat=True).first()
    return 0 if last is None else int(last) + tier.step_ms


def history(
    host: Host, from_ms: int, to_ms: int, *, points: int = MAX_POINTS, series: set[str] | None = None
) -> dict[str, Any]:
    """Average and maximum of each series per point of an even grid over the range.

    The grid starts where the host's data does when that is later than `from_ms` (a young
    host's 30 days are its 20 minutes, at the finest tier that answers them), and each part of
    it is read from the finest data kept: the chosen tier up to its newest bucket, then each
    finer tier after the one above it, the 1 Hz samples last. The parts never overlap, since a
    coarser bucket ends where a finer one starts, so no sample is counted twice."""
    now_ms = int(time.time() * 1000)
    points = max(1, min(points, MAX_POINTS))
    begins = data_start(host)
    if begins is not None and begins > from_ms and begins < to_ms:
        from_ms = begins
    tier = choose_tier(from_ms, to_ms, points, now_ms)
    step = max(tier.step_ms, math.ceil((to_ms - from_ms) / points / tier.step_ms) * tier.step_ms)
    start = bucket(from_ms, step)
    count = max(1, math.ceil((to_ms - start) / step))
    wanted = None if series is None else (lambda key: _wanted(key, series))
    # Per point, summed in place as rows stream in (no list of parts per point).
    acc: dict[int, Accumulator] = {}

    def slot(ts: int) -> Accumulator | None:
        index = (ts - start) // step
        if not 0 <= index < count:
            return None
        point = acc.get(index)
        if point is None:
            point = acc[index] = Accumulator()
        return point

    low = start
    for part in reversed(all_tiers()[: tier.id + 1]):
        high = to_ms if part.id == 0 else min(to_ms, _rolled_through(host, part))
        if high <= low:
            continue
        if part.id == 0:
            rows = Sample.objects.filter(host=host, ts__gte=low, ts__lt=high).values_list("ts", "data")
            for ts, data in rows.iterator(chunk_size=2000):
                if (point := slot(ts)) is not None:
                    sample = agent_pb2.Sample()
                    sample.ParseFromString(bytes(data))
                    point.add_sample(flatten(sample), wanted)
        else:
            rolled = Rollup.objects.filter(host=host, tier=part.id, ts__gte=low, ts__lt=high).values_list(
                "ts", "n", "data"
            )
            for ts, n, data in rolled.iterator(chunk_size=2000):
                if (point := slot(ts)) is not None:
                    point.add(n, decode(data, wanted))
        low = high
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
        "data_start": begins,
        "ts": [start + i * step for i in range(count)],
        "count": counts,
        "series": out,
    }
