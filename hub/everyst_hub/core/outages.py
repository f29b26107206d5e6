"""How the hub's background loops (compaction, alert ticks and deliveries, schedules, the lost-job
sweep) report a turn that failed.

A loop retries on its next turn whatever failed. When the database cannot be reached (PostgreSQL
restarting, a network blip) every turn fails the same way until it is back: that is one warning
when the outage starts and one line when it ends, not a traceback every turn. Any other error is a
bug or a surprise, and keeps its traceback every time.
"""

from __future__ import annotations

import logging

from django.db import InterfaceError, OperationalError

OUTAGE_ERRORS = (OperationalError, InterfaceError)


class LoopHealth:
    """One loop's failure reporting; `what` names the work in the log ("metrics compaction")."""

    def __init__(self, what: str, logger: logging.Logger) -> None:
        self.what = what
        self.logger = logger
        self.database_down = False

    def failed(self, exc: BaseException) -> None:
        if isinstance(exc, OUTAGE_ERRORS):
            if not self.database_down:
                self.database_down = True
                self.logger.warning("%s paused: the database is unavailable (%s); retrying", self.what, exc)
            return
        self.logger.error("%s failed", self.what, exc_info=exc)

    def succeeded(self) -> None:
        if self.database_down:
            self.database_down = False
            self.logger.warning("%s resumed: the database is back", self.what)
