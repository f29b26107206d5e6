"""Host discovery on connected subnets: an ARP sweep when privileged, else TCP probes + the ARP table.

The sweep writes ARP requests on an AF_PACKET socket bound to the subnet's interface and reads the
replies on the event loop; a round ends after a quiet period with no reply (at most `timeout`), and
the silent are asked once more. Without
CAP_NET_RAW it connects to a few common ports (any answer, even a refusal, means the host is up) and
then reads /proc/net/arp, where the kernel recorded every neighbour that answered its own ARP.
"""

from __future__ import annotations

import asyncio
import errno
import ipaddress
import socket
import struct
import time
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from everyst_common.mac import randomized_mac, vendor

from everyst_agent.tools.base import JobContext, Tool, ToolError, has_net_raw, plural
from everyst_agent.tools.mdns import mdns_names
from everyst_agent.tools.net import SOCKETS, Address, reverse_dns
from everyst_agent.tools.params import Param
from everyst_agent.tools.scope import Interface, connected_interfaces, interface_for

ETH_P_ARP = 0x0806
PROBE_PORTS = [80, 443, 22, 445, 139, 3389, 8080, 53]


@dataclass
class Params:
    """Finds the devices on a subnet: ARP sweep when the agent has CAP_NET_RAW, else TCP probes and the
    ARP table."""

    target: Annotated[
        list[str],
        Param("Subnets or addresses", description="CIDRs or addresses; none: every connected IPv4 subnet"),
    ] = field(default_factory=list)
    method: Annotated[Literal["auto", "arp", "tcp"], Param("Method")] = "auto"
    timeout: Annotated[float, Param("Timeout (s)", 0.1, 10)] = 1.0
    retries: Annotated[int, Param("Retries", 0, 3)] = 1
    resolve_names: Annotated[bool, Param("Resolve host names")] = True
    mdns: Annotated[
        bool, Param("Ask multicast DNS", description="for the names reverse DNS does not know (local link)")
    ] = True
    ports: Annotated[list[int], Param("TCP probe ports", 1, 65535, description="without CAP_NET_RAW")] = (
        field(default_factory=lambda: list(PROBE_PORTS))
    )

    def targets(self) -> list[str]:
        if self.target:
            return self.target
        subnets = [str(i.network) for i in connected_interfaces() if i.network.version == 4]
        if not subnets:
            raise ToolError("this host has no IPv4 subnet to discover; give a target")
        return subnets


@dataclass
class Found:
    ip: Address
    mac: str | None
    method: str
    self_: bool = False


async def run(params: Params, ctx: JobContext) -> dict[str, Any]:
    started = time.monotonic()
    privileged = has_net_raw()
    if params.method == "arp" and not privileged:
        raise ToolError(
            'an ARP sweep needs raw sockets and this agent has no CAP_NET_RAW; use method "tcp" or grant '
            "the capability (systemd: AmbientCapabilities=CAP_NET_RAW)"
        )
    use_arp = privileged and params.method != "tcp"
    addresses: list[Address] = ctx.addresses
    found: dict[Address, Found] = {}
    interfaces = connected_interfaces()  # once: each read lists every interface's addresses
    own = {i.address: i for i in interfaces}
    for address in addresses:
        if address in own:
            found[address] = Found(address, own[address].mac, "self", True)

    by_iface: dict[str, tuple[Interface, list[Address]]] = {}
    rest: list[Address] = []
    for address in addresses:
        if address in found or address.is_loopback:
            continue
        iface = interface_for(address, interfaces) if address.version == 4 else None
        if use_arp and iface is not None:
            by_iface.setdefault(iface.name, (iface, []))[1].append(address)
        else:
            rest.append(address)
    await ctx.progress(
        0, f"probing {plural(len(addresses), 'address', 'addresses')} by {'ARP' if use_arp else 'TCP'}"
    )
    # The first vendor lookup loads netaddr's OUI index (~0.3 s of CPU): do it while the probes wait.
    warm = asyncio.create_task(asyncio.to_thread(vendor, "00:00:00:00:00:00"))
    if by_iface:
        async with asyncio.TaskGroup() as tg:
            for iface, targets in by_iface.values():
                tg.create_task(arp_sweep(iface, targets, params, found))
    if rest:
        await tcp_sweep(rest, params, found)
    await warm
    await ctx.progress(90, "resolving names" if params.resolve_names else "")

    hosts = sorted(found.values(), key=lambda f: (f.ip.version, f.ip))
    names = await resolve_names(hosts, params, interfaces) if params.resolve_names else {}
    rows = []
    for host in hosts:
        hostname, hostname_source = names.get(host.ip, (None, None))
        rows.append(
            {
                "ip": str(host.ip),
                "mac": host.mac,
                "vendor": vendor(host.mac) if host.mac else None,
                "randomized_mac": randomized_mac(host.mac) if host.mac else None,
                "hostname": hostname,
                "hostname_source": hostname_source,
                "method": host.method,
                "self": host.self_,
            }
        )
    await ctx.rows(rows)
    methods = sorted({"arp" if by_iface else "", "tcp+arp-table" if rest else ""} - {""})
    notes = (
        []
        if privileged or params.method == "tcp"
        else ["no CAP_NET_RAW: TCP probes and the kernel ARP table"]
    )
    return {
        "message": f"{plural(len(rows), 'host')} up of {plural(len(addresses), 'address', 'addresses')} "
        f"({', '.join(methods) or 'self'})",
        "method": "+".join(methods) or "self",
        "privileged": privileged,
        "up": len(rows),
        "addresses": len(addresses),
        "elapsed": round(time.monotonic() - started, 3),
        "notes": notes,
    }


async def resolve_names(
    hosts: list[Found], params: Params, interfaces: list[Interface]
) -> dict[Address, tuple[str, str]]:
    """address -> (name, "dns" | "mdns"): reverse DNS first, then mDNS on the link for the rest.

    Both run at once (each waits at most about a second); a reverse DNS name wins when both answer.
    """
    local = []
    if params.mdns:
        for host in hosts:
            if isinstance(host.ip, ipaddress.IPv4Address) and not host.self_:
                iface = interface_for(host.ip, interfaces)
                if iface is not None:
                    local.append((iface, host.ip))
    dns, mdns = await asyncio.gather(
        asyncio.gather(*(reverse_dns(str(h.ip)) for h in hosts)),
        mdns_names(local, timeout=max(params.timeout, 0.5)),
    )
    names: dict[Address, tuple[str, str]] = {}
    for host, name in zip(hosts, dns, strict=True):
        if name:
            names[host.ip] = (name, "dns")
        elif isinstance(host.ip, ipaddress.IPv4Address) and host.ip in mdns:
            names[host.ip] = (mdns[host.ip], "mdns")
    return names


# ---------------------------------------------------------------------------- ARP


async def arp_sweep(
    iface: Interface, targets: list[Address], params: Params, found: dict[Address, Found]
) -> None:
    """Send every request (paced), read replies on one raw socket, stop once the segment is quiet.

    A round ends when every target answered, when `timeout` has passed since its last request, or
    earlier when nothing has answered for a quiet period: 0.3 × `timeout`, or 3× the slowest reply
    seen if that is longer. Then the silent targets are asked again, `retries` times.
    """
    if iface.mac is None:
        raise ToolError(f"interface {iface.name} has no MAC address; ARP is not possible there")
    loop = asyncio.get_running_loop()
    mac = bytes.fromhex(iface.mac.replace(":", ""))
    # Ethernet broadcast + ARP request (htype 1, ptype IPv4, hlen 6, plen 4, op 1) from this interface.
    head = b"\xff" * 6 + mac + b"\x08\x06" + struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1) + mac
    head += iface.address.packed + b"\x00" * 6
    wanted = {a.packed: a for a in targets}
    pending = set(wanted)
    sent_at: dict[bytes, float] = {}
    state = {"last": 0.0, "slowest": 0.0}
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ARP))
    try:
        sock.setblocking(False)
        sock.bind((iface.name, ETH_P_ARP))

        def on_readable() -> None:
            now = loop.time()
            while True:
                try:
                    frame = sock.recv(128)
                except OSError:
                    return
                if len(frame) < 42 or frame[12:14] != b"\x08\x06" or frame[20:22] != b"\x00\x02":
                    continue
                sender_ip = frame[28:32]
                if sender_ip in pending:
                    pending.discard(sender_ip)
                    address = wanted[sender_ip]
                    found[address] = Found(address, ":".join(f"{b:02x}" for b in frame[22:28]), "arp")
                    state["last"] = now
                    state["slowest"] = max(state["slowest"], now - sent_at.get(sender_ip, now))

        loop.add_reader(sock.fileno(), on_readable)
        try:
            for _ in range(params.retries + 1):
                for i, packed in enumerate(sorted(pending)):
                    sent_at[packed] = loop.time()
                    await _send(sock, head + packed)
                    if i % 64 == 63:
                        await asyncio.sleep(0.001)  # stay gentle on the segment and the switch
                sent = loop.time()
                state["last"] = sent
                while pending:
                    quiet = min(params.timeout, max(0.3 * params.timeout, 3 * state["slowest"]))
                    deadline = min(sent + params.timeout, max(sent, state["last"]) + quiet)
                    delay = deadline - loop.time()
                    if delay <= 0:
                        break
                    await asyncio.sleep(min(delay, 0.05))
                if not pending:
                    break
        finally:
            loop.remove_reader(sock.fileno())
    finally:
        sock.close()


async def _send(sock: socket.socket, frame: bytes) -> None:
    for _ in range(100):
        try:
            sock.send(frame)
            return
        except (BlockingIOError, InterruptedError):
            await asyncio.sleep(0.001)
        except OSError as exc:
            if exc.errno != errno.ENOBUFS:
                raise ToolError(f"cannot send ARP requests: {exc.strerror or exc}") from None
            await asyncio.sleep(0.005)


# ---------------------------------------------------------------------------- unprivileged


async def tcp_sweep(targets: list[Address], params: Params, found: dict[Address, Found]) -> None:
    loop = asyncio.get_running_loop()
    up: set[Address] = set()

    async def probe(address: Address, port: int) -> None:
        if address in up:
            return
        family = socket.AF_INET if address.version == 4 else socket.AF_INET6
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.setblocking(False)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            async with asyncio.timeout(params.timeout):
                await loop.sock_connect(sock, (str(address), port))
            up.add(address)
        except ConnectionRefusedError:
            up.add(address)  # a refusal is an answer: something is there
        except (OSError, TimeoutError):
            pass
        finally:
            sock.close()

    probes = [(a, p) for a in targets for p in params.ports]
    it = iter(probes)

    async def worker() -> None:
        for address, port in it:
            await probe(address, port)

    # One socket per worker, from the agent-wide budget (a quarter of it at most: scans beside us).
    workers = min(512, len(probes), max(1, SOCKETS.total // 4))
    async with SOCKETS.hold(workers), asyncio.TaskGroup() as tg:
        for _ in range(workers):
            tg.create_task(worker())
    table = read_arp_table()
    wanted = set(targets)
    for address in table:
        if address in wanted:
            up.add(address)
    for address in up:
        found[address] = Found(address, table.get(address), "tcp" if address not in table else "arp-table")


def read_arp_table() -> dict[Address, str]:
    """Complete entries of the kernel's IPv4 neighbour table (flag 0x2), address -> MAC."""
    table: dict[Address, str] = {}
    try:
        with open("/proc/net/arp") as fh:
            next(fh, None)
            for line in fh:
                parts = line.split()
                if len(parts) >= 4 and int(parts[2], 16) & 0x2 and parts[3] != "00:00:00:00:00:00":
                    table[ipaddress.ip_address(parts[0])] = parts[3].lower()
    except OSError:
        pass
    return table


TOOL = Tool("discover", Params, run, title="Discover hosts")
