"""History tiers: the 1 Hz recent tier and the rollups built from it, each with its retention.

Defaults: every 1 Hz sample for 2 hours (live backfill, exact recent history), a 15 s raw
tier for 7 days, 1 minute for 30 days and 1 hour for a year; rollups keep average and maximum.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS


@dataclass(frozen=True)
class Tier:
    id: int
    name: str
    step_ms: int
    retention_ms: int


def recent_tier() -> Tier:
    return Tier(0, "1s", 1000, settings.METRICS_RECENT_HOURS * HOUR_MS)


def rollup_tiers() -> list[Tier]:
    """Finest first; each is built from the one before it (the first from 1 Hz samples)."""
    return [
        Tier(
            1,
            f"{settings.METRICS_RAW_STEP_SECONDS}s",
            settings.METRICS_RAW_STEP_SECONDS * 1000,
            settings.METRICS_RAW_DAYS * DAY_MS,
        ),
        Tier(2, "1m", 60_000, settings.METRICS_MINUTE_DAYS * DAY_MS),
        Tier(3, "1h", HOUR_MS, settings.METRICS_HOUR_DAYS * DAY_MS),
    ]


def all_tiers() -> list[Tier]:
    return [recent_tier(), *rollup_tiers()]


def bucket(ts_ms: int, step_ms: int) -> int:
    return ts_ms - ts_ms % step_ms
