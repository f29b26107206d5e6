"""Logged-in user sessions, from utmp through psutil, every `slow_interval`."""

from __future__ import annotations

import psutil
from everyst.agent.v1 import agent_pb2

from everyst_agent.collectors.base import COLLECT_ERRORS, Cadence, FailureLog


class UsersCollector:
    def __init__(self, interval: float = 30.0) -> None:
        self.failures = FailureLog("users")
        self._cadence = Cadence(interval)

    def fill(self, sample: agent_pb2.Sample) -> None:
        if not self._cadence.due(sample.ts_ms):
            return
        try:
            sessions = psutil.users()
        except COLLECT_ERRORS as exc:
            self.failures(exc)
            return
        self.failures.ok()
        out = sample.users
        out.SetInParent()
        for u in sessions:
            out.sessions.add(
                name=u.name or "", terminal=u.terminal or "", host=u.host or "", started=u.started or 0.0
            )
