"""What every collector shares: the errors it absorbs and how it reports them without flooding logs."""

from __future__ import annotations

import logging

import psutil

# OS-level failures a collector turns into empty fields: unreadable or vanished /proc and /sys files,
# denied access inside containers, and psutil's own wrappers of the same.
COLLECT_ERRORS: tuple[type[BaseException], ...] = (OSError, psutil.Error, ValueError)

REFRESH_SECONDS = 30.0
"""How long the slow-changing lists (mounts, block devices) are cached between re-reads."""


class FailureLog:
    """Logs a collector's first failure as a warning and the following ones at debug level.

    A permanently missing file would otherwise print the same warning every second forever.
    """

    def __init__(self, name: str) -> None:
        self._log = logging.getLogger(f"everyst_agent.collectors.{name}")
        self._name = name
        self._warned = False

    def __call__(self, exc: BaseException) -> None:
        if self._warned:
            self._log.debug("%s collector failed again: %s", self._name, exc)
            return
        self._warned = True
        self._log.warning("%s collector failed, its fields stay empty: %s", self._name, exc)
