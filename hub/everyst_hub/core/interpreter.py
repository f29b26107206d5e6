"""The serving hub's interpreter: its cyclic garbage collector, tuned for a long-lived process
with a large, stable heap and its CPU time counted, and how soon a thread gets the GIL back.

With CPython's defaults (a young collection every 700 net allocations) a hub holding a thousand
agent streams spent about 9 % of its CPU in the collector, most of it in full collections that
walked every object Django, the streams and the caches keep alive (measured with the clock below:
~90 ms of CPU per second at 1,000 agents). Nearly everything the hub allocates per message is
freed by reference counting; the collector is only for cycles, which are rare. So once the hub
serves, what startup built is frozen (never scanned again) and collections run far less often;
the cycles that do occur are still collected.

The event loop releases the GIL at every system call: each select, each write to a socket. While
another thread runs Python (the storage thread storing and encoding a flush, the alert engine),
the loop then waits up to the switch interval to get it back: 5 ms by default, per call. With
hundreds of dashboard sockets the loop makes thousands of calls a second, and agents' acks waited
behind that: ack p99 1.1 s with 200 fleet sockets at 1,000 agents, 0.34 s at 0.5 ms
(`python -m tests.bench.run --only slow_readers`, docs/benchmarks.md).
"""

from __future__ import annotations

import gc
import sys
import threading
import time
from typing import Any

# gen0 every this many net allocations (CPython: 700); gen1 every 20 gen0 runs (10); a full
# collection every 100 gen1 runs (10), and then only when the heap grew by a quarter.
THRESHOLDS = (20_000, 20, 100)
SWITCH_INTERVAL_SECONDS = 0.0005


class _Clock:
    """CPU seconds the collector spent, per generation, in whichever thread ran it."""

    def __init__(self) -> None:
        self.seconds = [0.0, 0.0, 0.0]
        self.collections = [0, 0, 0]
        self._started = threading.local()

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._started.at = time.thread_time()
            return
        started = getattr(self._started, "at", None)
        if started is None:
            return
        generation = int(info["generation"])
        self.seconds[generation] += time.thread_time() - started
        self.collections[generation] += 1
        self._started.at = None


clock = _Clock()


def tune_for_serving() -> None:
    """Freeze what startup built and collect less often; count the collector's CPU time; hand the
    GIL over sooner."""
    if clock not in gc.callbacks:
        gc.callbacks.append(clock)
    gc.collect()
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
    sys.setswitchinterval(SWITCH_INTERVAL_SECONDS)


def cpu_seconds() -> list[float]:
    """CPU seconds spent in collections of generation 0, 1 and 2 since tune_for_serving()."""
    return list(clock.seconds)
