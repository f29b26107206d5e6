"""Multicast DNS names of neighbours: one-shot reverse (PTR) queries on the local link (RFC 6762).

Devices that announce themselves over mDNS (Avahi, Apple's mDNSResponder, printers, most IoT
stacks) answer `<reversed address>.in-addr.arpa PTR` with their `name.local`. Reverse DNS rarely
knows them, so discovery asks here for every address the unicast resolver could not name.

The query goes from an ephemeral port to 224.0.0.251:5353 on the interface of the subnet the
addresses are on: a "legacy unicast" query, which responders answer by unicast to that port
(RFC 6762 §6.7), so no socket on port 5353 is needed and no privilege either. The multicast group
is link-local (224.0.0.0/24 never leaves the segment), and each question names an address the job
was allowed to target; nothing else is asked.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import random
import socket
from collections.abc import Iterable

from scapy.layers.dns import DNS, DNSQR

from everyst_agent.tools.scope import Interface

MDNS_GROUP = "224.0.0.251"
MDNS_PORT = 5353
PTR = 12
# Questions per query message: well under the 1,500-byte link MTU (a reverse name is ≤ 30 bytes).
BATCH = 32


def reverse_name(address: ipaddress.IPv4Address) -> str:
    return address.reverse_pointer + "."


def _names(response: DNS, wanted: dict[str, ipaddress.IPv4Address]) -> dict[ipaddress.IPv4Address, str]:
    """PTR answers (answer or additional section) to the reverse names asked about."""
    found: dict[ipaddress.IPv4Address, str] = {}
    for section in (response.an, response.ar):
        for record in section or []:
            if getattr(record, "type", None) != PTR:
                continue
            owner = record.rrname.decode(errors="replace").lower() if isinstance(record.rrname, bytes) else ""
            address = wanted.get(owner)
            target = record.rdata
            if isinstance(target, bytes):
                target = target.decode(errors="replace")
            if address is not None and isinstance(target, str) and target.strip("."):
                found[address] = target.rstrip(".")
    return found


async def mdns_names(
    targets: Iterable[tuple[Interface, ipaddress.IPv4Address]], timeout: float = 1.0
) -> dict[ipaddress.IPv4Address, str]:
    """Names answered over mDNS for `targets` (interface, address), waiting at most `timeout` s.

    Every interface gets one socket and its questions in a few messages; the wait ends early when
    every address has an answer. Addresses nobody answers for are absent from the result.
    """
    by_iface: dict[str, tuple[Interface, list[ipaddress.IPv4Address]]] = {}
    for iface, address in targets:
        by_iface.setdefault(iface.name, (iface, []))[1].append(address)
    if not by_iface:
        return {}
    results = await asyncio.gather(
        *(_ask(iface, addresses, timeout) for iface, addresses in by_iface.values())
    )
    merged: dict[ipaddress.IPv4Address, str] = {}
    for result in results:
        merged.update(result)
    return merged


async def _ask(
    iface: Interface, addresses: list[ipaddress.IPv4Address], timeout: float
) -> dict[ipaddress.IPv4Address, str]:
    loop = asyncio.get_running_loop()
    wanted = {reverse_name(a).lower(): a for a in addresses}
    found: dict[ipaddress.IPv4Address, str] = {}
    done = loop.create_future()
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        sock.setblocking(False)
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, iface.address.packed)
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 255)
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 0)
        sock.bind((str(iface.address), 0))
        ident = random.randrange(1, 0xFFFF)

        def on_readable() -> None:
            while True:
                try:
                    data, (source, _) = sock.recvfrom(9000)
                except OSError:
                    return
                try:
                    source_ip = ipaddress.ip_address(source)
                except ValueError:
                    continue
                # Answers come from the local link only: a responder on this interface's subnet.
                if source_ip not in iface.network:
                    continue
                with contextlib.suppress(Exception):  # a malformed packet is just not an answer
                    response = DNS(data)
                    if response.qr == 1 and response.id == ident:
                        found.update(_names(response, wanted))
                if len(found) == len(wanted) and not done.done():
                    done.set_result(None)

        loop.add_reader(sock.fileno(), on_readable)
        try:
            names = list(wanted)
            for start in range(0, len(names), BATCH):
                questions = [DNSQR(qname=name, qtype=PTR, qclass=1) for name in names[start : start + BATCH]]
                query = DNS(id=ident, rd=0, qd=questions)
                try:
                    await loop.sock_sendto(sock, bytes(query), (MDNS_GROUP, MDNS_PORT))
                except OSError:
                    return found  # no multicast on this link (no route, interface down): no names
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(timeout):
                    await done
        finally:
            loop.remove_reader(sock.fileno())
    except OSError:
        return found
    finally:
        sock.close()
    return found
