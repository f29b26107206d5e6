"""Packet capture with scapy's AsyncSniffer: a BPF filter, hard caps on packets, seconds and bytes;
summary rows streamed as RESULT events, the pcap in the FINISHED event's blob.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import threading
import time
from dataclasses import dataclass, field
from typing import Annotated, Any

from scapy.arch.common import compile_filter
from scapy.config import conf
from scapy.error import Scapy_Exception
from scapy.layers.inet import IP, TCP, UDP
from scapy.layers.inet6 import IPv6
from scapy.layers.l2 import ARP
from scapy.sendrecv import AsyncSniffer
from scapy.utils import wrpcap

from everyst_agent.tools.base import (
    JobContext,
    ParamsError,
    Tool,
    ToolError,
    plural,
    require_net_raw,
)
from everyst_agent.tools.params import Param

MAX_PACKETS = 10_000
MAX_SECONDS = 300
# The pcap travels in one gRPC message, whose default limit is 4 MiB.
MAX_PCAP_BYTES = 3 * 1024 * 1024
PCAP_RECORD_OVERHEAD = 16
# How long stopping waits for a sniffer to start, and then for its thread to end.
STOP_WAIT_SECONDS = 5.0


@dataclass
class Params:
    """Captures packets on an interface (needs CAP_NET_RAW); the pcap can be downloaded afterwards."""

    interface: Annotated[str | None, Param("Interface", max_length=64)] = None
    filter: Annotated[str, Param("BPF filter", max_length=1024)] = ""
    count: Annotated[int, Param("Packets (at most)", 1, MAX_PACKETS)] = 100
    seconds: Annotated[float, Param("Seconds (at most)", 0.1, MAX_SECONDS)] = 10.0


def row(packet: Any) -> dict[str, Any]:
    src = dst = proto = None
    if IP in packet:
        src, dst, proto = (
            packet[IP].src,
            packet[IP].dst,
            {1: "icmp", 6: "tcp", 17: "udp"}.get(packet[IP].proto, str(packet[IP].proto)),
        )
    elif IPv6 in packet:
        src, dst, proto = (
            packet[IPv6].src,
            packet[IPv6].dst,
            {58: "icmp6", 6: "tcp", 17: "udp"}.get(packet[IPv6].nh, str(packet[IPv6].nh)),
        )
    elif ARP in packet:
        src, dst, proto = packet[ARP].psrc, packet[ARP].pdst, "arp"
    if TCP in packet or UDP in packet:
        layer = packet[TCP] if TCP in packet else packet[UDP]
        src, dst = f"{src}:{layer.sport}", f"{dst}:{layer.dport}"
    return {
        "time": round(float(packet.time), 6),
        "src": src,
        "dst": dst,
        "proto": proto,
        "length": len(packet),
        "info": packet.summary(),
    }


async def _until_listening(sniffer: AsyncSniffer, listening: asyncio.Event, interface: str) -> None:
    for _ in range(200):  # 10 s at most
        if listening.is_set():
            return
        thread = sniffer.thread
        if thread is not None and not thread.is_alive():
            raise ToolError(f"cannot capture on {interface}: the capture could not start")
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(0.05):
                await listening.wait()
    raise ToolError(f"cannot capture on {interface}: the capture did not start within 10 s")


def check_filter(expression: str, interface: str | None) -> None:
    try:
        compile_filter(expression, iface=interface)
    except Scapy_Exception as exc:
        raise ParamsError(f"filter {expression!r} is not a valid BPF expression: {exc}") from None


async def run(params: Params, ctx: JobContext) -> dict[str, Any]:
    require_net_raw("packet capture")
    interface = params.interface or str(conf.iface)
    if params.filter:
        await asyncio.to_thread(check_filter, params.filter, interface)
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[Any] = asyncio.Queue()

    def on_packet(packet: Any) -> None:
        # Returns None on purpose: scapy prints whatever `prn` returns.
        loop.call_soon_threadsafe(queue.put_nowait, packet)

    # The sniffer opens its socket in its own thread: "capturing" is said only once it is open,
    # so that traffic started on that word is captured from its first packet.
    listening = asyncio.Event()
    state = _SnifferState()

    def on_started() -> None:
        state.started.set()
        loop.call_soon_threadsafe(listening.set)

    sniffer = AsyncSniffer(
        iface=interface,
        filter=params.filter or None,
        prn=on_packet,
        store=False,
        started_callback=on_started,
        # Should stop() miss it, the sniffer still ends at the first packet after the job.
        stop_filter=lambda _packet: state.stopping.is_set(),
    )
    packets: list[Any] = []
    size = 24
    reason = "count"
    try:
        sniffer.start()
    except (OSError, Scapy_Exception) as exc:
        raise ParamsError(f"cannot capture on {interface}: {exc}") from None
    try:
        await _until_listening(sniffer, listening, interface)
    except BaseException:
        await asyncio.to_thread(_stop, sniffer, state)
        raise
    started = time.monotonic()
    try:
        await ctx.progress(0, f"capturing on {interface}", interface=interface)
        pending: list[dict[str, Any]] = []
        last_flush = time.monotonic()
        deadline = started + params.seconds
        while len(packets) < params.count:
            left = deadline - time.monotonic()
            if left <= 0:
                reason = "time"
                break
            try:
                async with asyncio.timeout(min(left, 0.25)):
                    packet = await queue.get()
            except TimeoutError:
                packet = None
            if packet is not None:
                wire = len(packet) + PCAP_RECORD_OVERHEAD
                if size + wire > MAX_PCAP_BYTES:
                    reason = "size"
                    break
                size += wire
                packets.append(packet)
                pending.append(row(packet))
            if pending and (time.monotonic() - last_flush > 0.25 or len(packets) >= params.count):
                await ctx.rows(pending)
                pending = []
                last_flush = time.monotonic()
                await ctx.progress(
                    max(
                        100.0 * len(packets) / params.count,
                        100.0 * (time.monotonic() - started) / params.seconds,
                    )
                )
        await ctx.rows(pending)
    finally:
        await asyncio.to_thread(_stop, sniffer, state)
    buffer = _Buffer()
    if packets:
        wrpcap(buffer, packets)
    else:
        wrpcap(buffer, [], linktype=1)
    ctx.blob = buffer.getvalue()
    stopped = {
        "count": "packet count reached",
        "time": "time limit reached",
        "size": f"pcap size limit ({MAX_PCAP_BYTES} bytes) reached",
    }[reason]
    return {
        "message": f"{plural(len(packets), 'packet')} on {interface} ({stopped})",
        "interface": interface,
        "filter": params.filter,
        "packets": len(packets),
        "pcap_bytes": len(ctx.blob),
        "stopped": reason,
        "elapsed": round(time.monotonic() - started, 3),
    }


class _Buffer(io.BytesIO):
    """wrpcap closes the file it is given; this one stays readable."""

    def close(self) -> None:
        pass


@dataclass
class _SnifferState:
    started: threading.Event = field(default_factory=threading.Event)
    stopping: threading.Event = field(default_factory=threading.Event)


def _stop(sniffer: Any, state: _SnifferState) -> None:
    """Stop the sniffer and wait for its thread. scapy cannot stop a sniffer whose thread has not
    opened its socket yet (stop() raises, or returns at once, and the thread then sniffs on): wait
    for it to start first, a bounded while; past that, its stop filter ends it at its next packet."""
    state.stopping.set()
    thread = sniffer.thread
    if thread is not None and thread.is_alive():
        state.started.wait(STOP_WAIT_SECONDS)
    # It ended already, never started, or failed to (its error is the job's already).
    with contextlib.suppress(Exception):
        sniffer.stop(join=False)
    if thread is not None:
        thread.join(STOP_WAIT_SECONDS)


TOOL = Tool("capture", Params, run, needs_targets=False, title="Packet capture")
