"""How fast live samples go out, so that fanning them out never slows ingest.

One event loop runs everything a hub process does: the agents' streams and their acks, and the
writing of live frames to every browser. Fanning a sample out to hundreds of sockets costs far
more than storing it, so enough sockets saturate the loop and every ack waits behind frames.
Samples are state, not events: a socket that sends less often loses only freshness, its outbox
keeping each host's newest sample and naming the gap for the client to fetch (outbox.py).

So sample frames go out within a budget of bytes per tick that leaves ingest its room. A tick
in which the loop was busy (not waiting for I/O) more than BUSY_LIMIT of the time (smoothed over
a few ticks), or in which storage fell behind its flush interval, cuts the rate; any other tick
in which the budget was used grows it back (additive increase, multiplicative decrease, as TCP
does). On a loop at full load acks waited up to 2 s behind the fan-out although the loop still
ran its timers on time: how much of the time it has work, not its punctuality, is the signal. It
is measured around the selector's wait rather than as CPU time, which a core shared with other
processes would understate. Ordered frames (events, answers to the client, closes) are never
held. One pacer per event loop; the ingest writer on the same loop reports its lag here.
"""

from __future__ import annotations

import asyncio
import time
import weakref
from typing import Any

TICK_SECONDS = 0.05
# The share of the time the loop may be busy before samples slow down: the rest is headroom for
# ingest's bursts and for the threads beside the loop (storage, gRPC's own). The share is an
# average with this weight on the newest tick.
BUSY_LIMIT = 0.7
BUSY_WEIGHT = 0.2
# Storage this far behind the writer's flush interval.
INGEST_LATE_SECONDS = 0.05
# Bytes per second: the floor keeps every socket moving however busy the process; the start is
# far above what a loop can write, so a hub that keeps time never holds a frame.
MIN_RATE = 256 * 1024
START_RATE = 64 * 1024 * 1024
MAX_RATE = 1024 * 1024 * 1024
CUT = 0.7
GROWTH = 0.05


def next_rate(rate: float, late: bool, used: float) -> float:
    """The rate after a tick, late or not, that used `used` of its budget (0-1+)."""
    if late:
        return max(MIN_RATE, rate * CUT)
    if used >= 0.8:  # only a rate that is in use grows: an idle hub's rate says nothing
        return min(MAX_RATE, rate + max(MIN_RATE, rate * GROWTH))
    return rate


class Pacer:
    def __init__(self) -> None:
        self.rate = float(START_RATE)
        self.tokens = self.rate * TICK_SECONDS
        self.spent = 0
        self.users = 0
        self.cuts = 0
        self.busy = 0.0
        self._ingest_lag = 0.0
        self._refilled = asyncio.Event()
        self._refilled.set()
        self._ticker: asyncio.Task[None] | None = None

    def join(self) -> None:
        """A socket that sends samples opened: keep time while any is open."""
        self.users += 1
        if self._ticker is None or self._ticker.done():
            self._ingest_lag = 0.0  # reported while nobody listened
            self._ticker = asyncio.get_running_loop().create_task(self._tick(), name="live-pacer")

    def leave(self) -> None:
        self.users -= 1
        if self.users <= 0 and self._ticker is not None:
            self._ticker.cancel()
            self._ticker = None
            self.users = 0

    async def turn(self) -> None:
        """Returns once a sample frame may go out."""
        while self.tokens <= 0:
            self._refilled.clear()
            await self._refilled.wait()

    def spend(self, size: int) -> None:
        """A sample frame of `size` characters went out (the budget may go into debt)."""
        self.tokens -= size
        self.spent += size

    def ingest_lag(self, seconds: float) -> None:
        """Batches were stored `seconds` after the writer meant to store them."""
        self._ingest_lag = max(self._ingest_lag, seconds)

    def tick(self, busy: float) -> None:
        """A tick in which the loop was busy `busy` of the time (0-1)."""
        self.busy += BUSY_WEIGHT * (busy - self.busy)
        late = self.busy > BUSY_LIMIT or self._ingest_lag > INGEST_LATE_SECONDS
        budget = self.rate * TICK_SECONDS
        self.rate = next_rate(self.rate, late, self.spent / budget)
        self.cuts += late
        self._ingest_lag = 0.0
        self.spent = 0
        self.tokens = min(self.tokens + self.rate * TICK_SECONDS, self.rate * TICK_SECONDS)
        if self.tokens > 0:
            self._refilled.set()

    async def _tick(self) -> None:
        waits = SelectorWaits(asyncio.get_running_loop())
        try:
            waited, wall = waits.seconds, time.monotonic()
            while True:
                await asyncio.sleep(TICK_SECONDS)
                now = time.monotonic()
                busy = 1.0 - (waits.seconds - waited) / max(now - wall, 1e-6) if waits.installed else 0.0
                self.tick(busy)
                waited, wall = waits.seconds, now
        finally:
            waits.remove()


class SelectorWaits:
    """Seconds a selector event loop has spent waiting for I/O, counted around its selector's
    `select` (asyncio has no public measure). `installed` is False on a loop without one."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.seconds = 0.0
        selector = getattr(loop, "_selector", None)
        self._selector = selector if callable(getattr(selector, "select", None)) else None
        self.installed = self._selector is not None
        if self._selector is None:
            return
        inner = self._selector.select

        def select(timeout: float | None = None) -> Any:
            started = time.monotonic()
            try:
                return inner(timeout)
            finally:
                self.seconds += time.monotonic() - started

        self._selector.select = select

    def remove(self) -> None:
        if self._selector is not None:
            del self._selector.select  # the class's own method again
            self._selector = None


_pacers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Pacer] = weakref.WeakKeyDictionary()


def pacer() -> Pacer:
    """The running loop's pacer."""
    loop = asyncio.get_running_loop()
    found = _pacers.get(loop)
    if found is None:
        found = _pacers[loop] = Pacer()
    return found
