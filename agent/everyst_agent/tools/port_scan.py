"""TCP port scan: asyncio connect scan, or a SYN scan on a raw socket when the agent may open one.

The SYN scan writes TCP SYNs through a raw IPPROTO_TCP socket (the kernel adds the IP header) and
reads SYN-ACK / RST answers from the same socket on the event loop, so cancelling it closes the
socket at once. Unanswered ports are probed `retries` more times, then counted as filtered. Like
nmap's, it leaves the kernel to reset the half-open connections. IPv6 targets use connect.
"""

from __future__ import annotations

import _socket
import asyncio
import errno
import ipaddress
import random
import select
import socket
import struct
import sys
import time
from dataclasses import dataclass
from socket import SO_ERROR, SOL_SOCKET
from typing import Annotated, Any, Literal

from everyst_common.top_ports import TOP_PORTS

from everyst_agent.tools.base import JobContext, Tool, ToolError, has_net_raw, parse_ports, plural
from everyst_agent.tools.net import SOCKETS, Address, Lease, Pacer, Reporter, checksum, source_address
from everyst_agent.tools.params import Param

SYN, RST, ACK = 0x02, 0x04, 0x10
MSS_OPTION = b"\x02\x04\x05\xb4"
LINGER_RST = struct.pack("ii", 1, 0)
STREAM_NONBLOCK = socket.SOCK_STREAM | socket.SOCK_NONBLOCK
# Connects started per wake-up of the event loop (see ConnectScan._fill).
BURST = 64
SO_RCVBUFFORCE = getattr(socket, "SO_RCVBUFFORCE", 33)


@dataclass
class Params:
    """TCP SYN scan when the agent has CAP_NET_RAW, else a connect scan."""

    target: Annotated[list[str], Param("Hosts or subnets")]
    top_ports: Annotated[int | None, Param("Most common ports (nmap ranking)", 1, len(TOP_PORTS))] = None
    ports: Annotated[str | None, Param("Port list", format="port-list")] = None
    method: Annotated[Literal["auto", "syn", "connect"], Param("Method")] = "auto"
    timeout: Annotated[float, Param("Timeout (s)", 0.05, 30)] = 1.0
    retries: Annotated[int, Param("Retries", 0, 5)] = 1
    concurrency: Annotated[int, Param("Concurrency", 1, 10000)] = 1024
    rate: Annotated[
        float | None,
        Param("Rate limit (probes/s)", 1, 1_000_000, description="none: as fast as the concurrency allows"),
    ] = None

    def validate(self) -> None:
        parse_ports(self.ports, self.top_ports, 65535)

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
        "message": f"{plural(summary['open'], 'open port')} on {plural(len(hosts), 'host')} ({method} scan)",
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
    """Non-blocking connects, `concurrency` at once, on an epoll set of their own read by the loop.

    A closed port answers the SYN with a RST at once, so the scan is bound by the syscalls per port
    (socket, connect, epoll_ctl, getsockopt, close) and by Python's work between them: no task,
    future, handle or timer per port. The epoll fd is watched by the event loop; each wake-up
    handles every finished connect, then starts as many new ones. A connect still pending after
    `timeout` counts as filtered. Open ports are closed with a RST (SO_LINGER 0), not left in
    TIME_WAIT. The window is leased once from the agent-wide socket budget (`net.SOCKETS`) and
    fitted between batches, so scans running side by side stay under the open-file limit together.
    """
    scan = ConnectScan(hosts, ports, params, tally, reporter)
    await scan.run()


class ConnectScan:
    def __init__(
        self, hosts: list[Address], ports: list[int], params: Params, tally: Tally, reporter: Reporter
    ) -> None:
        names = [(str(h), socket.AF_INET if h.version == 4 else socket.AF_INET6) for h in hosts]
        self.probes = [(name, family, p) for p in ports for name, family in names]
        self.next = 0
        self.params = params
        self.tally = tally
        self.reporter = reporter
        self.window = 0  # set from the lease in run()
        self.lease: Lease | None = None
        self.interval = 1.0 / params.rate if params.rate else 0.0
        self.next_start = 0.0
        # fd -> (socket, host, port, deadline); insertion order is deadline order.
        self.flight: dict[int, tuple[_socket.socket, str, int, float]] = {}
        self.epoll: select.epoll  # created in run(), once the window is leased
        self.loop = asyncio.get_running_loop()
        self.done: asyncio.Future[None] = self.loop.create_future()
        self.wakeup: asyncio.TimerHandle | None = None
        self.error: BaseException | None = None
        self.soon = False

    async def run(self) -> None:
        if not self.probes:
            return
        want = min(self.params.concurrency, len(self.probes))
        if self.params.rate:
            # A paced scan has at most rate x timeout connects pending (plus a catch-up burst).
            want = min(want, int(self.params.rate * (self.params.timeout + 0.05)) + BURST)
        lease = self.lease = await SOCKETS.lease(want)
        try:
            self.window = lease.size
            self.epoll = select.epoll()
            try:
                self.loop.add_reader(self.epoll.fileno(), self._on_events)
                self._fill()
                await self.done
                if self.error is not None:
                    raise self.error
            finally:
                if not self.done.done():
                    self.done.cancel()
                self.loop.remove_reader(self.epoll.fileno())
                if self.wakeup is not None:
                    self.wakeup.cancel()
                for sock, *_ in self.flight.values():
                    sock.close()
                self.flight.clear()
                self.epoll.close()
        finally:
            lease.close()

    # Results ------------------------------------------------------------------

    def _record(self, host: str, port: int, state: str) -> None:
        tally = self.tally
        if state == "closed":
            tally.closed[host] += 1
        elif state == "open":
            tally.open[host].append(port)
            self.reporter.add(open_row(host, port))
        else:
            tally.filtered[host] += 1
        tally.done += 1

    def _finish(self, sock: _socket.socket, host: str, port: int) -> None:
        err = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        if err == 0:
            try:
                sock.getpeername()
                state = "open"
            except OSError:
                state = "filtered"  # still connecting
        else:
            state = "closed" if err == errno.ECONNREFUSED else "filtered"
        if state == "open":
            # Close with RST: a scan should not leave thousands of sockets in TIME_WAIT.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, LINGER_RST)
        sock.close()
        self._record(host, port, state)

    # Driving ------------------------------------------------------------------

    def _on_events(self) -> None:
        try:
            flight = self.flight
            while True:
                events = self.epoll.poll(0, 1024)
                for fd, _ in events:
                    item = flight.pop(fd, None)
                    if item is not None:
                        self._finish(item[0], item[1], item[2])
                if len(events) < 1024:
                    break
            self._fill()
        except BaseException as exc:  # surfaced in run(), which closes everything
            self._fail(exc)

    def _on_timer(self) -> None:
        self.wakeup = None
        try:
            now = self.loop.time()
            flight = self.flight
            while flight:
                fd = next(iter(flight))
                sock, host, port, deadline = flight[fd]
                if deadline > now:
                    break
                del flight[fd]
                self._finish(sock, host, port)
            self._fill()
        except BaseException as exc:
            self._fail(exc)

    def _on_soon(self) -> None:
        self.soon = False
        if self.done.done():
            return  # finished, failed or cancelled: start nothing more
        try:
            self._fill()
        except BaseException as exc:
            self._fail(exc)

    def _fail(self, exc: BaseException) -> None:
        self.error = exc
        if not self.done.done():
            self.done.set_result(None)

    def _fill(self) -> None:
        """Start connects until the window is full (or the rate says wait), then arm the timer."""
        assert self.lease is not None
        flight, probes = self.flight, self.probes
        window = self.window = self.lease.fit(len(flight))
        loop_time = self.loop.time
        timeout = self.params.timeout
        register = self.epoll.register
        mask = select.EPOLLOUT
        paced_until = 0.0
        now = loop_time()
        deadline = now + timeout
        started = 0
        while len(flight) < window and self.next < len(probes):
            if started >= BURST:
                # Let the answers to these be read before starting more: thousands of connects
                # in flight at once cost the kernel more per port than a steady stream does.
                if not self.soon:
                    self.soon = True
                    self.loop.call_soon(self._on_soon)
                break
            if self.interval:
                now = loop_time()
                if self.next_start > now:
                    paced_until = self.next_start
                    break
                # Timers fire up to a millisecond late: catch up on missed slots (within 10 ms).
                self.next_start = max(self.next_start, now - 0.01) + self.interval
                deadline = now + timeout
            host, family, port = probes[self.next]
            try:
                # The C socket type under socket.socket: the same calls without the Python-level
                # wrapper's __init__ and close, a fifth of the CPU per port.
                sock = _socket.socket(family, STREAM_NONBLOCK)
            except OSError as exc:
                if exc.errno not in (errno.EMFILE, errno.ENFILE):
                    raise
                if not flight:
                    raise ToolError("out of file descriptors; lower concurrency") from None
                paced_until = loop_time() + 0.01  # something outside the budget holds many: wait
                break
            err = sock.connect_ex((host, port))
            if err in (errno.EADDRNOTAVAIL, errno.EAGAIN, errno.ENOBUFS):
                sock.close()  # out of local ports or buffers for now: try again shortly
                paced_until = loop_time() + 0.01
                break
            self.next += 1
            started += 1
            if err == errno.EINPROGRESS:
                # On a LAN the refusal is often in before connect() returns (the peer's RST is
                # handled in the same softirq pass that sent the SYN): take it at once and spare
                # the epoll set's add and remove, a fifth of the kernel's work per closed port.
                err = sock.getsockopt(SOL_SOCKET, SO_ERROR)
                if err == 0:  # still connecting, or connected: the epoll set says which
                    fd = sock.fileno()
                    register(fd, mask)
                    flight[fd] = (sock, host, port, deadline)
                    continue
            elif err == 0:
                self._finish(sock, host, port)
                continue
            sock.close()
            self._record(host, port, "closed" if err == errno.ECONNREFUSED else "filtered")
        if not flight and self.next >= len(probes):
            if not self.done.done():
                self.done.set_result(None)
            return
        if self.wakeup is None:
            times = [self.flight[next(iter(flight))][3]] if flight else []
            if paced_until:
                times.append(paced_until)
            if times:
                self.wakeup = self.loop.call_at(min(times), self._on_timer)
        elif paced_until and paced_until < self.wakeup.when():
            self.wakeup.cancel()
            self.wakeup = self.loop.call_at(paced_until, self._on_timer)


# ---------------------------------------------------------------------------- SYN scan


def syn_segment(src: bytes, dst: bytes, sport: int, dport: int, seq: int, csum: int | None = None) -> bytes:
    """A SYN with an MSS option; with `csum` given, that checksum field (0: the bytes to sum)."""
    header = struct.pack("!HHIIBBHHH", sport, dport, seq, 0, 6 << 4, SYN, 1024, 0, 0) + MSS_OPTION
    if csum is None:
        pseudo = src + dst + struct.pack("!BBH", 0, socket.IPPROTO_TCP, len(header))
        csum = checksum(pseudo + header)
        return header[:16] + struct.pack("H", csum) + header[18:]
    return src + dst + struct.pack("!BBH", 0, socket.IPPROTO_TCP, len(header)) + header


LITTLE = sys.byteorder == "little"


def _partial_sum(data: bytes) -> int:
    """The unfolded sum of `data`'s 16-bit words in native order (what `checksum` folds)."""
    return sum(memoryview(data).cast("H"))


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
            # The checksum is a ones'-complement sum: everything but the port is summed once per host.
            bases = {
                dst: _partial_sum(syn_segment(sources[ipaddress.IPv4Address(dst)], dst, sport, 0, seq, 0))
                for dst in names
            }
            # One segment, rewritten in place per probe: its port and checksum fields only.
            segment = bytearray(syn_segment(bytes(4), bytes(4), sport, 0, seq, 0)[12:])
            pack_into = struct.pack_into
            sendto = sock.sendto
            addresses = {dst: (name, 0) for dst, name in names.items()}
            for attempt in range(params.retries + 1):
                if attempt == 0:  # port by port across the hosts, as nmap spreads its probes
                    batch = [(dst, port) for port in ports for dst in addresses]
                else:
                    batch = sorted(pending, key=lambda item: (item[1], item[0]))
                for i, (dst, port) in enumerate(batch):
                    if attempt and (dst, port) not in pending:
                        continue
                    if pacer.interval:
                        await pacer.wait()
                    total = bases[dst] + ((port >> 8) | ((port & 0xFF) << 8) if LITTLE else port)
                    total = (total >> 16) + (total & 0xFFFF)
                    total += total >> 16
                    pack_into("!H", segment, 2, port)
                    pack_into("H", segment, 16, ~total & 0xFFFF)
                    try:
                        sendto(segment, addresses[dst])
                    except OSError:
                        await _send(loop, sock, bytes(segment), names[dst])
                    if i % 256 == 255:
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


TOOL = Tool("port_scan", Params, run, title="Port scan")
