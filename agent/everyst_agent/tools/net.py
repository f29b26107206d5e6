"""Small network helpers the tools share: routing lookups, checksums, socket budgets, reverse DNS."""

from __future__ import annotations

import asyncio
import ipaddress
import resource
import socket
import time
from collections.abc import Awaitable, Callable
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


def socket_budget(wanted: int) -> int:
    """How many sockets a job may hold at once: well under the RLIMIT_NOFILE soft limit."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        soft = 65536
    return max(1, min(wanted, soft // 4))


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


def vendor(mac: str) -> str | None:
    """The IEEE registrant of the MAC's OUI (netaddr's offline database), or None."""
    import netaddr

    try:
        return str(netaddr.EUI(mac).oui.registration().org)
    except (netaddr.NotRegisteredError, netaddr.AddrFormatError, IndexError, ValueError):
        return None


def randomized_mac(mac: str) -> bool:
    """Locally administered (bit 1 of the first octet): randomized by the device or made up (veth)."""
    return bool(int(mac.split(":")[0], 16) & 0x02)


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
