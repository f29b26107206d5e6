"""What every collector shares: the errors it absorbs, how it reports them without flooding logs,
and the cadence of the collectors slower than the 1 Hz tick."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from typing import Any, Generic, TypeVar

import psutil

# OS-level failures a collector turns into empty fields: unreadable or vanished /proc and /sys files,
# denied access inside containers, and psutil's own wrappers of the same.
COLLECT_ERRORS: tuple[type[BaseException], ...] = (OSError, psutil.Error, ValueError)

REFRESH_SECONDS = 30.0
"""How long the slow-changing lists (mounts, block devices) are cached between re-reads."""

T = TypeVar("T")


class FailureLog:
    """Tracks whether a metric family is available, and logs why not without flooding the log.

    The first failure is a warning, the following ones are debug: a permanently missing file would
    otherwise print the same warning every second forever. `name` is the family named in
    `Sample.unavailable` while `failing` is true.
    """

    def __init__(self, name: str) -> None:
        self._log = logging.getLogger(f"everyst_agent.collectors.{name}")
        self.name = name
        self.failing = False
        self._warned = False

    def __call__(self, exc: BaseException) -> None:
        self.failing = True
        if self._warned:
            self._log.debug("%s collector failed again: %s", self.name, exc)
            return
        self._warned = True
        self._log.warning("%s collector failed, its fields stay empty: %s", self.name, exc)

    def absent(self, reason: str) -> None:
        """The host does not have this family at all (no systemd, say): unavailable, but no warning."""
        if not self.failing:
            self._log.info("%s: %s", self.name, reason)
        self.failing = True

    def ok(self) -> None:
        self.failing = False


class Cadence:
    """Says which ticks a slower collector runs on: the first tick, then the first tick of each new
    `seconds`-long wall-clock period, so hosts collect in step. `seconds <= 0` disables it."""

    def __init__(self, seconds: float) -> None:
        self._ms = round(seconds * 1000)
        self._period: int | None = None

    def due(self, ts_ms: int) -> bool:
        if self._ms <= 0:
            return False
        period = ts_ms // self._ms
        if period == self._period:
            return False
        self._period = period
        return True


class Refreshed(Generic[T]):
    """A slow-changing value (the block devices, cgroup limits that `docker update` changes on a
    running container), read again at most once per REFRESH_SECONDS."""

    def __init__(self, read: Callable[..., T]) -> None:
        self._read = read
        self._at = float("-inf")
        self._value: T

    def get(self, *args: Any) -> T:
        now = time.monotonic()
        if now - self._at >= REFRESH_SECONDS:
            self._at = now
            self._value = self._read(*args)
        return self._value


class CounterDeltas:
    """Per-device cumulative counters read every tick; a device's rates are its deltas against the
    previous reading. A subclass reads them (`_counters`), absorbing what COLLECT_ERRORS covers."""

    def __init__(self, name: str) -> None:
        self.failures = FailureLog(name)
        self._prev: Mapping[str, Any] = {}
        self._prev_at = 0.0
        self.readings()  # rates start from the next tick

    def _counters(self) -> Mapping[str, Any]:
        raise NotImplementedError

    def readings(self) -> list[tuple[str, Any, Any | None, float]]:
        """Each device's (name, counters now, counters a reading ago, seconds between), by name;
        None for the earlier counters of a device that just appeared (or on the first reading)."""
        now = time.monotonic()
        try:
            cur = self._counters()
        except COLLECT_ERRORS as exc:
            self.failures(exc)
            cur = {}
        else:
            self.failures.ok()
        prev, elapsed = self._prev, now - self._prev_at
        self._prev, self._prev_at = cur, now
        return [
            (name, c, prev.get(name) if elapsed > 0 else None, elapsed) for name, c in sorted(cur.items())
        ]


def set_rates(message: Any, cur: Any, prev: Any, elapsed: float, rates: tuple[tuple[str, str], ...]) -> None:
    """message.<field> = the per-second increase of cur.<counter> since prev, for each (field,
    counter); a counter that went back (reset, re-created device) counts as 0."""
    for field, counter in rates:
        setattr(message, field, max(getattr(cur, counter) - getattr(prev, counter), 0) / elapsed)
