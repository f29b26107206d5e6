"""TCP port scan: asyncio connect scan, or a SYN scan on a raw socket when the agent may open one.

The SYN scan writes TCP SYNs through a raw IPPROTO_TCP socket (the kernel adds the IP header) and
reads SYN-ACK / RST answers from the same socket on the event loop, so cancelling it closes the
socket at once. Unanswered ports are probed `retries` more times, then counted as filtered. Like
nmap's, it leaves the kernel to reset the half-open connections. IPv6 targets use connect.
"""

from __future__ import annotations

import asyncio
import errno
import ipaddress
import random
import socket
import struct
import time
from dataclasses import dataclass
from typing import Any, Literal

from everyst_agent.tools.base import JobContext, Tool, ToolError, has_net_raw, in_range, parse_ports
from everyst_agent.tools.net import Address, Pacer, Reporter, checksum, socket_budget, source_address

SYN, RST, ACK = 0x02, 0x04, 0x10
MSS_OPTION = b"\x02\x04\x05\xb4"
LINGER_RST = struct.pack("ii", 1, 0)
SO_RCVBUFFORCE = getattr(socket, "SO_RCVBUFFORCE", 33)


@dataclass
class Params:
    target: list[str]
    ports: str | None = None
    top_ports: int | None = None
    method: Literal["auto", "syn", "connect"] = "auto"
    timeout: float = 1.0
    concurrency: int = 1024
    rate: float | None = None
    retries: int = 1

    def validate(self) -> None:
        parse_ports(self.ports, self.top_ports, 65535)
        in_range("timeout", self.timeout, 0.05, 30)
        in_range("concurrency", self.concurrency, 1, 10000)
        in_range("retries", self.retries, 0, 5)
        if self.rate is not None:
            in_range("rate", self.rate, 1, 1_000_000)

    def targets(self) -> list[str]:
        return self.target


def service_name(port: int) -> str | None:
    try:
        return socket.getservbyport(port, "tcp")
    except OSError:
        return None


class Tally:
    def __init__(self, hosts: list[Address], ports: list[int]) -> None:
        self.total = len(hosts) * len(ports)
        self.done = 0
        self.open: dict[str, list[int]] = {str(h): [] for h in hosts}
        self.closed: dict[str, int] = {str(h): 0 for h in hosts}
        self.filtered: dict[str, int] = {str(h): 0 for h in hosts}

    def percent(self) -> float:
        return 100.0 * self.done / self.total if self.total else 100.0

    def summary(self) -> dict[str, Any]:
        return {
            "open": sum(len(v) for v in self.open.values()),
            "closed": sum(self.closed.values()),
            "filtered": sum(self.filtered.values()),
            "hosts": {
                h: {"open": sorted(self.open[h]), "closed": self.closed[h], "filtered": self.filtered[h]}
                for h in self.open
            },
        }


def open_row(host: str, port: int) -> dict[str, Any]:
    return {"host": host, "port": port, "proto": "tcp", "state": "open", "service": service_name(port)}


async def run(params: Params, ctx: JobContext) -> dict[str, Any]:
    ports = parse_ports(params.ports, params.top_ports, ctx.limits.max_ports)
    hosts: list[Address] = ctx.addresses
    method = params.method
    privileged = has_net_raw()
    if method == "syn" and not privileged:
        raise ToolError(
            'a SYN scan needs raw sockets and this agent has no CAP_NET_RAW; use method "connect" or grant '
            "the capability (systemd: AmbientCapabilities=CAP_NET_RAW)"
        )
    if method == "auto":
        method = "syn" if privileged else "connect"
    tally = Tally(hosts, ports)
    started = time.monotonic()
    v4: list[Address] = [h for h in hosts if h.version == 4]
    others: list[Address] = [h for h in hosts if h.version != 4]
    async with Reporter(ctx, tally.percent) as reporter:
        if method == "syn":
            if v4:
                await syn_scan(v4, ports, params, tally, reporter)
            if others:
                await connect_scan(others, ports, params, tally, reporter)
        else:
            await connect_scan(hosts, ports, params, tally, reporter)
    notes = []
    if method == "syn" and others:
        notes.append("IPv6 targets were scanned with connect()")
    if params.method == "auto" and not privileged:
        notes.append("no CAP_NET_RAW: connect scan instead of SYN scan")
    summary = tally.summary()
    return {
        "message": f"{summary['open']} open ports on {len(hosts)} hosts ({method} scan)",
        "method": method,
        "ports_scanned": len(ports),
        "elapsed": round(time.monotonic() - started, 3),
        "notes": notes,
        **summary,
    }


# ---------------------------------------------------------------------------- connect scan


async def connect_scan(
    hosts: list[Address], ports: list[int], params: Params, tally: Tally, reporter: Reporter
) -> None:
    loop = asyncio.get_running_loop()
    pacer = Pacer(params.rate)
    probes = iter([(h, p) for p in ports for h in hosts])

    async def probe(host: Address, port: int) -> str:
        sock = socket.socket(socket.AF_INET if host.version == 4 else socket.AF_INET6, socket.SOCK_STREAM)
        try:
            sock.setblocking(False)
            # Close with RST: a scan should not leave thousands of sockets in TIME_WAIT.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, LINGER_RST)
            # connect_ex and a writer callback rather than sock_connect + timeout: a third of the CPU
            # per port, which is most of a connect scan's time.
            err = sock.connect_ex((str(host), port))
            if err == errno.EINPROGRESS:
                done = loop.create_future()
                fd = sock.fileno()
                loop.add_writer(fd, _resolve, done)
                timer = loop.call_later(params.timeout, _resolve, done)
                try:
                    await done
                finally:
                    timer.cancel()
                    loop.remove_writer(fd)
                err = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if err == 0:
                    try:
                        sock.getpeername()
                    except OSError:
                        return "filtered"  # the timer fired first: still connecting
            if err == 0:
                return "open"
            if err == errno.ECONNREFUSED:
                return "closed"
            if err in (errno.EMFILE, errno.ENFILE):
                raise ToolError("out of file descriptors; lower concurrency")
            return "filtered"
        finally:
            sock.close()

    async def worker() -> None:
        for host, port in probes:
            await pacer.wait()
            state = await probe(host, port)
            key = str(host)
            if state == "open":
                tally.open[key].append(port)
                reporter.add(open_row(key, port))
            elif state == "closed":
                tally.closed[key] += 1
            else:
                tally.filtered[key] += 1
            tally.done += 1

    workers = socket_budget(min(params.concurrency, tally.total))
    async with asyncio.TaskGroup() as tg:
        for _ in range(workers):
            tg.create_task(worker())


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


# ---------------------------------------------------------------------------- SYN scan


def syn_segment(src: bytes, dst: bytes, sport: int, dport: int, seq: int) -> bytes:
    header = struct.pack("!HHIIBBHHH", sport, dport, seq, 0, 6 << 4, SYN, 1024, 0, 0) + MSS_OPTION
    pseudo = src + dst + struct.pack("!BBH", 0, socket.IPPROTO_TCP, len(header))
    csum = checksum(pseudo + header)
    return header[:16] + struct.pack("H", csum) + header[18:]


async def syn_scan(
    hosts: list[Address], ports: list[int], params: Params, tally: Tally, reporter: Reporter
) -> None:
    loop = asyncio.get_running_loop()
    sport = random.randint(40000, 60999)
    seq = random.getrandbits(32)
    try:
        sources = {h: source_address(h).packed for h in hosts}
    except OSError as exc:
        raise ToolError(f"no route to the targets: {exc.strerror or exc}") from None
    pending: set[tuple[bytes, int]] = {(h.packed, p) for h in hosts for p in ports}
    names = {h.packed: str(h) for h in hosts}
    all_answered = asyncio.Event()

    sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_TCP)
    try:
        sock.setblocking(False)
        try:
            # Thousands of RSTs can arrive at once; a small buffer would drop answers.
            sock.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 8 << 20)
        except OSError:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)

        def on_readable() -> None:
            while True:
                try:
                    packet = sock.recv(256)
                except (BlockingIOError, InterruptedError):
                    return
                except OSError:
                    return
                ihl = (packet[0] & 0x0F) * 4
                if len(packet) < ihl + 14:
                    continue
                src = packet[12:16]
                port, dport, _, ack = struct.unpack_from("!HHII", packet, ihl)
                flags = packet[ihl + 13]
                if dport != sport or ack != (seq + 1) & 0xFFFFFFFF or (src, port) not in pending:
                    continue
                if flags & (SYN | ACK) == SYN | ACK:
                    state = "open"
                elif flags & RST:
                    state = "closed"
                else:
                    continue
                pending.discard((src, port))
                host = names[src]
                if state == "open":
                    tally.open[host].append(port)
                    reporter.add(open_row(host, port))
                else:
                    tally.closed[host] += 1
                tally.done += 1
                if not pending:
                    all_answered.set()

        loop.add_reader(sock.fileno(), on_readable)
        try:
            pacer = Pacer(params.rate)
            for attempt in range(params.retries + 1):
                batch = sorted(pending, key=lambda item: (item[1], item[0]))
                for i, (dst, port) in enumerate(batch):
                    if (dst, port) not in pending:
                        continue
                    await pacer.wait()
                    segment = syn_segment(sources[ipaddress.IPv4Address(dst)], dst, sport, port, seq)
                    await _send(loop, sock, segment, names[dst])
                    if i % 64 == 63:
                        await asyncio.sleep(0)  # let answers be read while sending
                if not pending:
                    break
                wait = params.timeout if attempt == 0 else params.timeout * 1.5
                try:
                    async with asyncio.timeout(wait):
                        await all_answered.wait()
                except TimeoutError:
                    pass
        finally:
            loop.remove_reader(sock.fileno())
    finally:
        sock.close()
    for dst, _ in pending:
        tally.filtered[names[dst]] += 1
        tally.done += 1


async def _send(loop: asyncio.AbstractEventLoop, sock: socket.socket, segment: bytes, host: str) -> None:
    for _ in range(200):
        try:
            sock.sendto(segment, (host, 0))
            return
        except (BlockingIOError, InterruptedError):
            await asyncio.sleep(0.001)
        except OSError as exc:
            if exc.errno == errno.ENOBUFS:
                await asyncio.sleep(0.005)
                continue
            if exc.errno in (errno.EHOSTUNREACH, errno.ENETUNREACH, errno.EHOSTDOWN):
                return  # counted as filtered: no answer will come
            raise ToolError(f"cannot send to {host}: {exc.strerror or exc}") from None
    raise ToolError(f"the network would not take packets to {host}; lower the rate")


TOOL = Tool("port_scan", Params, run)
