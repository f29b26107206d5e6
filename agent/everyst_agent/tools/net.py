"""Small network helpers the tools share: routing lookups, checksums, socket budgets, reverse DNS."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import ipaddress
import resource
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from everyst_agent.tools.base import JobContext

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def source_address(dst: Address) -> Address:
    """The address the kernel would send from to reach `dst` (a UDP connect sends nothing)."""
    family = socket.AF_INET if dst.version == 4 else socket.AF_INET6
    with socket.socket(family, socket.SOCK_DGRAM) as s:
        s.connect((str(dst), 9))
        return ipaddress.ip_address(s.getsockname()[0].split("%")[0])


def checksum(data: bytes) -> int:
    """The Internet checksum of `data`, to be packed in native byte order (struct "H")."""
    if len(data) % 2:
        data += b"\0"
    total = sum(memoryview(data).cast("H"))
    total = (total >> 16) + (total & 0xFFFF)
    total += total >> 16
    return ~total & 0xFFFF


# File descriptors kept back from the tools for the agent's own: its gRPC channel, the spool's SQLite
# files, psutil's /proc reads, logs, the event loop's epoll and self-pipe, resolver threads' sockets,
# and the few sockets of the tools not counted here (DNS, mDNS, capture, traceroute, TLS certificates).
HEADROOM = 128
# How much a scan's window grows by at a time when sockets are free again.
GROW_CHUNK = 64


class SocketBudget:
    """The sockets all tool jobs of this agent may hold at once, together: one count per process.

    Sized from the RLIMIT_NOFILE soft limit, read at each request (a later setrlimit counts), minus
    `HEADROOM` or a quarter of it, whichever is larger; with several jobs running at once their sum
    stays under the limit, so none of them meets EMFILE. Two ways to take sockets:

    `hold(n)`: exactly n, waiting in line (first come, first served) until they are free; for tools
    that hold a few at a time (ping: one per host; service detection: one probe's connections).

    `lease(want)`: a scan's window, taken once, not per socket: as much of `want` as is free, at most
    half the budget, waiting only for a quarter of it (or `want`, if smaller). The scan calls
    `Lease.fit(in_use)` between batches (no await): while others wait it gives back the slots it is
    not using, down to a quarter of the budget, and when nobody waits it grows again, in chunks.
    """

    def __init__(self, total: int | None = None) -> None:
        self._total = total
        self.used = 0
        self._queue: collections.deque[_Waiter] = collections.deque()

    @property
    def total(self) -> int:
        if self._total is not None:
            return self._total
        soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
        if soft == resource.RLIM_INFINITY or soft > 1 << 20:
            soft = 1 << 20
        return max(8, soft - max(HEADROOM, soft // 4))

    @property
    def free(self) -> int:
        return max(0, self.total - self.used)

    def lacking(self) -> int:
        """How many more free sockets the first in line needs (0: nobody waits)."""
        while self._queue and self._queue[0].future.done():
            self._queue.popleft()  # cancelled
        return max(0, self._queue[0].need - self.free) if self._queue else 0

    async def _take(self, need: int, want: int) -> int:
        total = self.total
        need = max(1, min(need, total))
        want = max(need, min(want, total))
        if not self._queue and self.free >= need:
            got = min(want, self.free)
            self.used += got
            return got
        waiter = _Waiter(need, want, asyncio.get_running_loop().create_future())
        self._queue.append(waiter)
        try:
            return await waiter.future
        except asyncio.CancelledError:
            if waiter.future.done() and not waiter.future.cancelled():
                self.release(waiter.future.result())  # granted, but the taker is gone
            else:
                with contextlib.suppress(ValueError):
                    self._queue.remove(waiter)
                self._wake()
            raise

    async def acquire(self, n: int) -> int:
        """Take exactly `n` sockets (at most the whole budget), waiting in line; returns the count."""
        return await self._take(n, n)

    def release(self, n: int) -> None:
        self.used = max(0, self.used - n)
        self._wake()

    @contextlib.asynccontextmanager
    async def hold(self, n: int) -> AsyncIterator[int]:
        got = await self.acquire(n)
        try:
            yield got
        finally:
            self.release(got)

    async def lease(self, want: int) -> Lease:
        total = self.total
        cap, floor = max(1, total // 2), max(1, total // 4)
        want = max(1, want)
        size = await self._take(min(want, floor), min(want, cap))
        return Lease(self, min(want, cap), floor, size)

    def _wake(self) -> None:
        queue = self._queue
        while queue:
            waiter = queue[0]
            if waiter.future.done():
                queue.popleft()
                continue
            free = self.free
            if free < waiter.need:
                return
            got = min(waiter.want, free)
            self.used += got
            queue.popleft()
            waiter.future.set_result(got)


@dataclass
class _Waiter:
    need: int
    want: int
    future: asyncio.Future[int]


class Lease:
    """A scan's share of `SocketBudget`: `size` sockets, adjusted by `fit`; `close` gives them back."""

    def __init__(self, budget: SocketBudget, want: int, floor: int, size: int) -> None:
        self.budget, self.want, self.floor, self.size = budget, want, floor, size

    def fit(self, in_use: int) -> int:
        """The window to use now, `in_use` of it being open sockets; cheap, for every loop turn."""
        budget = self.budget
        if budget._queue:
            lacking = budget.lacking()
            spare = min(self.size - in_use, self.size - self.floor, lacking)
            if spare > 0:
                self.size -= spare
                budget.release(spare)
        elif self.size < self.want:
            more = min(self.want - self.size, budget.free, GROW_CHUNK)
            if more > 0:
                self.size += more
                budget.used += more
        return self.size

    def close(self) -> None:
        size, self.size = self.size, 0
        self.budget.release(size)


# The one budget of this process: every tool that opens sockets by the hundred takes them from here.
SOCKETS = SocketBudget()


class Pacer:
    """At most `rate` starts per second across every worker of a job (None: unpaced)."""

    def __init__(self, rate: float | None) -> None:
        self.interval = 1.0 / rate if rate else 0.0
        self.next = time.monotonic()

    async def wait(self) -> None:
        if not self.interval:
            return
        now = time.monotonic()
        slot = max(self.next, now)
        self.next = slot + self.interval
        if slot > now:
            await asyncio.sleep(slot - now)


class Reporter:
    """Sends the rows found so far and the progress every `period` s, and once more at the end."""

    def __init__(self, ctx: JobContext, percent: Callable[[], float], period: float = 0.25) -> None:
        self.ctx = ctx
        self.percent = percent
        self.period = period
        self.pending: list[dict[str, Any]] = []
        self._task: asyncio.Task[None] | None = None

    def add(self, row: dict[str, Any]) -> None:
        self.pending.append(row)

    async def flush(self) -> None:
        rows, self.pending = self.pending, []
        await self.ctx.rows(rows)
        await self.ctx.progress(self.percent())

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self.period)
            await self.flush()

    async def __aenter__(self) -> Reporter:
        self._task = asyncio.create_task(self._loop())
        return self

    async def __aexit__(self, exc_type: Any, *_: Any) -> None:
        assert self._task is not None
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)
        if exc_type is None:
            await self.flush()


async def reverse_dns(address: str, timeout: float = 1.0) -> str | None:
    """The PTR name of `address`, or None; the lookup runs in a thread and is abandoned after `timeout`."""
    try:
        async with asyncio.timeout(timeout):
            name, _, _ = await asyncio.to_thread(socket.gethostbyaddr, address)
            return name
    except (OSError, TimeoutError):
        return None


async def gather_limited(coros: list[Callable[[], Awaitable[Any]]], limit: int) -> list[Any]:
    """Run the coroutine factories with at most `limit` at once, in a TaskGroup (cancelled together)."""
    results: list[Any] = [None] * len(coros)
    it = iter(enumerate(coros))

    async def worker() -> None:
        for i, make in it:
            results[i] = await make()

    async with asyncio.TaskGroup() as tg:
        for _ in range(max(1, min(limit, len(coros)))):
            tg.create_task(worker())
    return results
