"""Ping: ICMP echo on a raw socket when privileged, else an unprivileged ICMP socket where
net.ipv4.ping_group_range allows it, else TCP connect timing to 80/443/22 (and the result says so).
"""

from __future__ import annotations

import asyncio
import math
import os
import random
import socket
import struct
import time
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from scapy.layers.inet import ICMP
from scapy.layers.inet6 import ICMPv6EchoRequest

from everyst_agent.tools.base import JobContext, Tool, ToolError, has_net_raw, plural
from everyst_agent.tools.net import SOCKETS, Address
from everyst_agent.tools.params import Param

TCP_PORTS = (80, 443, 22)


@dataclass
class Params:
    """ICMP echo (raw or unprivileged socket), or TCP connect timing where ICMP is not allowed."""

    target: Annotated[list[str], Param("Hosts")]
    count: Annotated[int, Param("Count", 1, 1000)] = 4
    interval: Annotated[float, Param("Interval (s)", 0.01, 60)] = 1.0
    timeout: Annotated[float, Param("Timeout (s)", 0.05, 30)] = 1.0
    size: Annotated[int, Param("Payload (bytes)", 0, 1400)] = 56
    method: Annotated[Literal["auto", "icmp", "icmp-dgram", "tcp"], Param("Method")] = "auto"

    def targets(self) -> list[str]:
        return self.target


def dgram_icmp_allowed() -> bool:
    try:
        socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_ICMP).close()
    except OSError:
        return False
    return True


def choose_method(requested: str) -> str:
    if requested == "icmp" and not has_net_raw():
        raise ToolError('ICMP on a raw socket needs CAP_NET_RAW; use method "auto" or grant the capability')
    if requested == "icmp-dgram" and not dgram_icmp_allowed():
        raise ToolError("unprivileged ICMP is not allowed here (sysctl net.ipv4.ping_group_range)")
    if requested != "auto":
        return requested
    if has_net_raw():
        return "icmp"
    return "icmp-dgram" if dgram_icmp_allowed() else "tcp"


async def run(params: Params, ctx: JobContext) -> dict[str, Any]:
    method = choose_method(params.method)
    hosts: list[Address] = ctx.addresses
    done = [0]
    total = len(hosts) * params.count

    async def reply(row: dict[str, Any]) -> None:
        done[0] += 1
        await ctx.rows([row])
        await ctx.progress(100.0 * done[0] / total)

    async with asyncio.TaskGroup() as tg:
        tasks = [tg.create_task(ping_host(h, params, method, reply)) for h in hosts]
    results = [t.result() for t in tasks]
    notes = []
    if method == "tcp" and params.method == "auto":
        notes.append("no CAP_NET_RAW and no unprivileged ICMP: RTT is TCP connect time to port 80/443/22")
    return {
        "message": f"{method}: {loss_message(results)}",
        "method": method,
        "hosts": results,
        "notes": notes,
    }


def loss_message(results: list[dict[str, Any]]) -> str:
    """Each host's loss for a few hosts; for a sweep, how many answered and the overall loss."""
    if len(results) <= 4:
        return ", ".join(f"{r['host']} {r['loss_percent']:g}% loss" for r in results)
    answered = sum(1 for r in results if r["received"])
    sent = sum(r["sent"] for r in results)
    lost = 100.0 * (sent - sum(r["received"] for r in results)) / sent if sent else 0.0
    return f"{answered} of {plural(len(results), 'host')} answered, {lost:.3g}% loss overall"


async def ping_host(host: Address, params: Params, method: str, report: Any) -> dict[str, Any]:
    # One socket per host (an ICMP socket, or one TCP connect at a time), taken from the agent-wide
    # budget: with more hosts than it allows, the later hosts wait for the earlier ones to finish.
    async with SOCKETS.hold(1):
        return await _ping_host(host, params, method, report)


async def _ping_host(host: Address, params: Params, method: str, report: Any) -> dict[str, Any]:
    rtts: list[float] = []
    sent = 0
    prober = TcpProber(host, params) if method == "tcp" else IcmpProber(host, params, method)
    try:
        await prober.open()
        async with asyncio.TaskGroup() as tg:
            for seq in range(params.count):
                if seq:
                    await asyncio.sleep(params.interval)
                sent += 1

                async def one(seq: int = seq) -> None:
                    rtt, extra = await prober.probe(seq)
                    row: dict[str, Any] = {
                        "host": str(host),
                        "seq": seq,
                        "rtt_ms": None if rtt is None else round(rtt * 1000, 3),
                        **extra,
                    }
                    if rtt is not None:
                        rtts.append(rtt * 1000)
                    await report(row)

                tg.create_task(one())
    finally:
        prober.close()
    return summarize(str(host), sent, rtts)


def summarize(host: str, sent: int, rtts: list[float]) -> dict[str, Any]:
    received = len(rtts)
    stats: dict[str, Any] = {
        "host": host,
        "sent": sent,
        "received": received,
        "loss_percent": round(100.0 * (sent - received) / sent, 1) if sent else 100.0,
    }
    if rtts:
        mean = sum(rtts) / received
        # iputils' mdev: the standard deviation of the round-trip times.
        mdev = math.sqrt(max(sum(r * r for r in rtts) / received - mean * mean, 0.0))
        stats.update(
            min_ms=round(min(rtts), 3),
            avg_ms=round(mean, 3),
            max_ms=round(max(rtts), 3),
            mdev_ms=round(mdev, 3),
        )
    else:
        stats.update(min_ms=None, avg_ms=None, max_ms=None, mdev_ms=None)
    return stats


class IcmpProber:
    """Echo requests on one socket; replies matched to their sequence number by a reader callback."""

    def __init__(self, host: Address, params: Params, method: str) -> None:
        self.host, self.params, self.method = host, params, method
        self.ident = random.getrandbits(16)
        self.waiting: dict[int, tuple[float, asyncio.Future[tuple[float, int | None]]]] = {}
        self.sock: socket.socket | None = None
        self.v6 = host.version == 6

    async def open(self) -> None:
        family = socket.AF_INET6 if self.v6 else socket.AF_INET
        proto = socket.IPPROTO_ICMPV6 if self.v6 else socket.IPPROTO_ICMP
        kind = socket.SOCK_RAW if self.method == "icmp" else socket.SOCK_DGRAM
        self.sock = socket.socket(family, kind, proto)
        self.sock.setblocking(False)
        if self.method == "icmp-dgram":
            self.sock.bind(("::" if self.v6 else "0.0.0.0", 0))
            self.ident = self.sock.getsockname()[1]  # the kernel rewrites the id to the socket's "port"
        asyncio.get_running_loop().add_reader(self.sock.fileno(), self._on_readable)

    def close(self) -> None:
        if self.sock is not None:
            asyncio.get_running_loop().remove_reader(self.sock.fileno())
            self.sock.close()
            self.sock = None

    def _on_readable(self) -> None:
        assert self.sock is not None
        while True:
            try:
                data, addr = self.sock.recvfrom(2048)
            except OSError:
                return
            now = time.monotonic()
            ttl = None
            if self.method == "icmp" and not self.v6:
                ttl = data[8]
                data = data[(data[0] & 0x0F) * 4 :]
            if len(data) < 8 or addr[0].split("%")[0] != str(self.host):
                continue
            kind, _, _, ident, seq = struct.unpack_from("!BBHHH", data)
            if kind != (129 if self.v6 else 0) or (ident != self.ident and self.method == "icmp"):
                continue
            entry = self.waiting.pop(seq, None)
            if entry is not None and not entry[1].done():
                entry[1].set_result((now - entry[0], ttl))

    async def probe(self, seq: int) -> tuple[float | None, dict[str, Any]]:
        assert self.sock is not None
        payload = os.urandom(self.params.size)
        if self.v6:
            packet = bytes(
                ICMPv6EchoRequest(id=self.ident, seq=seq, data=payload, cksum=0)
            )  # the kernel sums it
        else:
            packet = bytes(ICMP(type=8, id=self.ident, seq=seq) / payload)
        future: asyncio.Future[tuple[float, int | None]] = asyncio.get_running_loop().create_future()
        self.waiting[seq] = (time.monotonic(), future)
        try:
            self.sock.sendto(packet, (str(self.host), 0))
        except OSError as exc:
            self.waiting.pop(seq, None)
            return None, {"error": exc.strerror or str(exc)}
        try:
            async with asyncio.timeout(self.params.timeout):
                rtt, ttl = await future
        except TimeoutError:
            self.waiting.pop(seq, None)
            return None, {}
        return rtt, {"ttl": ttl} if ttl is not None else {}


class TcpProber:
    def __init__(self, host: Address, params: Params) -> None:
        self.host, self.params = host, params
        self.port: int | None = None

    async def open(self) -> None:
        pass

    def close(self) -> None:
        pass

    async def probe(self, seq: int) -> tuple[float | None, dict[str, Any]]:
        ports = [self.port] if self.port else list(TCP_PORTS)
        for port in ports:
            rtt = await self._connect(port)
            if rtt is not None:
                self.port = port
                return rtt, {"port": port}
        return None, {}

    async def _connect(self, port: int) -> float | None:
        loop = asyncio.get_running_loop()
        family = socket.AF_INET6 if self.host.version == 6 else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as sock:
            sock.setblocking(False)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            started = time.monotonic()
            try:
                async with asyncio.timeout(self.params.timeout):
                    await loop.sock_connect(sock, (str(self.host), port))
            except ConnectionRefusedError:
                pass  # a refusal times the round trip as well as an accept does
            except (OSError, TimeoutError):
                return None
            return time.monotonic() - started


TOOL = Tool("ping", Params, run, title="Ping")
