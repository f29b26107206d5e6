"""Traceroute: UDP probes with rising TTL, ICMP time-exceeded / port-unreachable read on a raw socket.

Reading ICMP errors needs a raw socket, so without CAP_NET_RAW the tool fails and says why.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import time
from dataclasses import dataclass
from typing import Annotated, Any

from everyst_agent.tools.base import JobContext, Tool, ToolError, plural, require_net_raw
from everyst_agent.tools.net import Address, reverse_dns
from everyst_agent.tools.params import Param

BASE_PORT = 33434


@dataclass
class Params:
    """UDP probes with rising TTL (IPv4; needs CAP_NET_RAW to read the ICMP answers)."""

    target: Annotated[str, Param("Host", max_length=253)]
    max_hops: Annotated[int, Param("Max hops", 1, 64)] = 30
    probes: Annotated[int, Param("Probes per hop", 1, 5)] = 3
    timeout: Annotated[float, Param("Timeout (s)", 0.1, 10)] = 1.0
    resolve_names: Annotated[bool, Param("Resolve host names")] = True

    def targets(self) -> list[str]:
        return [self.target]


async def run(params: Params, ctx: JobContext) -> dict[str, Any]:
    require_net_raw("traceroute (reading ICMP time-exceeded replies)")
    target: Address = ctx.addresses[0]
    if target.version != 4:
        raise ToolError("traceroute supports IPv4 targets only for now")
    loop = asyncio.get_running_loop()
    waiting: dict[int, tuple[float, asyncio.Future[tuple[str, float, int]]]] = {}
    icmp = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    hops: list[dict[str, Any]] = []
    reached = False
    try:
        icmp.setblocking(False)
        udp.setblocking(False)
        udp.bind(("0.0.0.0", 0))
        sport = udp.getsockname()[1]

        def on_icmp() -> None:
            while True:
                try:
                    data, addr = icmp.recvfrom(2048)
                except OSError:
                    return
                now = time.monotonic()
                ihl = (data[0] & 0x0F) * 4
                kind, code = data[ihl], data[ihl + 1]
                if kind not in (11, 3) or len(data) < ihl + 8 + 28:
                    continue
                inner = data[ihl + 8 :]
                inner_ihl = (inner[0] & 0x0F) * 4
                if inner[9] != socket.IPPROTO_UDP or inner[16:20] != target.packed:
                    continue
                src_port, dst_port = struct.unpack_from("!HH", inner, inner_ihl)
                if src_port != sport:
                    continue
                entry = waiting.pop(dst_port, None)
                if entry and not entry[1].done():
                    entry[1].set_result((addr[0], now - entry[0], kind * 256 + code))

        loop.add_reader(icmp.fileno(), on_icmp)
        try:
            for ttl in range(1, params.max_hops + 1):
                udp.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, ttl)
                futures = []
                for probe in range(params.probes):
                    port = BASE_PORT + ttl * params.probes + probe
                    future: asyncio.Future[tuple[str, float, int]] = loop.create_future()
                    waiting[port] = (time.monotonic(), future)
                    with contextlib.suppress(OSError):
                        udp.sendto(b"everyst-traceroute", (str(target), port))
                    futures.append(future)
                done, _ = await asyncio.wait(futures, timeout=params.timeout)
                answers = [f.result() for f in futures if f in done]
                for f in futures:
                    f.cancel()
                addresses = sorted({a for a, _, _ in answers})
                hop = {
                    "hop": ttl,
                    "address": addresses[0] if addresses else None,
                    "addresses": addresses,
                    "rtt_ms": [round(r * 1000, 3) for _, r, _ in answers],
                    "hostname": await reverse_dns(addresses[0], 0.5)
                    if addresses and params.resolve_names
                    else None,
                }
                hops.append(hop)
                await ctx.rows([hop])
                await ctx.progress(100.0 * ttl / params.max_hops)
                if any(a == str(target) or c // 256 == 3 for a, _, c in answers):
                    reached = True
                    break
        finally:
            loop.remove_reader(icmp.fileno())
    finally:
        icmp.close()
        udp.close()
    return {
        "message": f"{'reached' if reached else 'did not reach'} {target} in {plural(len(hops), 'hop')}",
        "target": str(target),
        "reached": reached,
        "hops": len(hops),
    }


TOOL = Tool("traceroute", Params, run, title="Traceroute")
