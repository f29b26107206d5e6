"""Load averages."""

from __future__ import annotations

import os

from everyst.agent.v1 import agent_pb2

from everyst_agent.collectors.base import COLLECT_ERRORS, FailureLog


class LoadCollector:
    def __init__(self) -> None:
        self.failures = FailureLog("load")

    def fill(self, sample: agent_pb2.Sample) -> None:
        try:
            load1, load5, load15 = os.getloadavg()
        except COLLECT_ERRORS as exc:
            self.failures(exc)
            return
        self.failures.ok()
        sample.load.load1, sample.load.load5, sample.load.load15 = load1, load5, load15
