"""What every collector shares: the errors it absorbs, how it reports them without flooding logs,
and the cadence of the collectors slower than the 1 Hz tick."""

from __future__ import annotations

import logging

import psutil

# OS-level failures a collector turns into empty fields: unreadable or vanished /proc and /sys files,
# denied access inside containers, and psutil's own wrappers of the same.
COLLECT_ERRORS: tuple[type[BaseException], ...] = (OSError, psutil.Error, ValueError)

REFRESH_SECONDS = 30.0
"""How long the slow-changing lists (mounts, block devices) are cached between re-reads."""


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
