"""Listening TCP sockets and unconnected (bound) UDP sockets, with the process owning each.

Every `slow_interval` (30 s by default): mapping sockets to processes means reading the links of every
file descriptor of every process (~30 ms on a quiet host), too costly for every tick. As non-root,
other users' sockets are listed without a process (pid 0). Where the socket tables cannot be read,
the family is unavailable.

The tables are read here rather than through `psutil.net_connections()`, which builds a tuple for
every socket of the host and a map of every socket descriptor of every process before anything can
be filtered: on a server holding thousands of connections that is megabytes of peak memory each
round, which a long-running daemon keeps (a 6,000-connection host added ~4 MiB to the agent's RSS).
Only the listening rows are kept here, and only their inodes looked up. The result is the same as
psutil's, rule for rule: the same tables (tcp, tcp6, udp, udp6), addresses decoded the same way, and
a socket shared by several processes reported with the last of them in /proc order, first fd.
"""

from __future__ import annotations

import errno
import os
import socket
import struct
import sys
from collections.abc import Collection

import psutil
from everyst.agent.v1 import agent_pb2

from everyst_agent.collectors.base import COLLECT_ERRORS, Cadence, FailureLog

# (file under <proc>/net, protocol, address family), in psutil's order for kind="inet".
_TABLES = (
    ("tcp", "tcp", socket.AF_INET),
    ("tcp6", "tcp", socket.AF_INET6),
    ("udp", "udp", socket.AF_INET),
    ("udp6", "udp", socket.AF_INET6),
)
_TCP_LISTEN = "0A"
_LITTLE_ENDIAN = sys.byteorder == "little"

# (protocol, address, port, pid); pid 0 when no visible process holds the socket.
Listening = tuple[str, str, int, int]


def decode_address(text: str, family: int) -> tuple[str, int] | None:
    """`0100007F:1F90` -> ("127.0.0.1", 8080) as /proc/net/* shows it; None for port 0 (unbound)."""
    hex_ip, _, hex_port = text.partition(":")
    port = int(hex_port, 16)
    if not port:
        return None
    raw = bytes.fromhex(hex_ip)
    if family == socket.AF_INET:
        packed = raw[::-1] if _LITTLE_ENDIAN else raw
    else:
        # Four 32-bit words, each in host byte order.
        words = struct.unpack("<4I", raw)
        packed = struct.pack(">4I" if _LITTLE_ENDIAN else "<4I", *words)
    return socket.inet_ntop(family, packed), port


def listening_in_tables(proc: str = "/proc") -> dict[str, list[tuple[str, str, int]]]:
    """inode -> [(protocol, address, port)] of the listening TCP and unconnected UDP sockets."""
    found: dict[str, list[tuple[str, str, int]]] = {}
    for name, protocol, family in _TABLES:
        path = f"{proc}/net/{name}"
        if family == socket.AF_INET6 and not os.path.exists(path):
            continue  # no IPv6 on this host
        with open(path, encoding="utf-8", errors="surrogateescape") as table:
            table.readline()  # the header
            for line in table:
                fields = line.split()
                if len(fields) < 10:
                    raise ValueError(f"malformed line in {path}: {line!r}")
                local, remote, state, inode = fields[1], fields[2], fields[3], fields[9]
                if protocol == "tcp":
                    if state != _TCP_LISTEN:
                        continue
                elif int(remote.rpartition(":")[2], 16):
                    continue  # a connected UDP socket
                address = decode_address(local, family)
                if address is not None:
                    found.setdefault(inode, []).append((protocol, *address))
    return found


def socket_owners(inodes: Collection[str], proc: str = "/proc") -> dict[str, int]:
    """inode -> pid of the process holding each of `inodes`, for those a visible process holds.

    Reads the fd links of every process (what psutil does too) but remembers only `inodes`. A process
    that vanishes or denies its fds mid-listing counts for none of them, and where several processes
    hold one socket the last in /proc order is named, as with psutil.
    """
    owners: dict[str, int] = {}
    if not inodes:
        return owners
    for name in os.listdir(proc):
        if not name.isdigit():
            continue
        held: list[str] = []
        try:
            for fd in os.listdir(f"{proc}/{name}/fd"):
                try:
                    link = os.readlink(f"{proc}/{name}/fd/{fd}")
                except (FileNotFoundError, ProcessLookupError):
                    continue
                except OSError as exc:
                    if exc.errno in (errno.EINVAL, errno.ENAMETOOLONG):
                        continue
                    raise
                if link.startswith("socket:[") and link[8:-1] in inodes:
                    held.append(link[8:-1])
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
        pid = int(name)
        for inode in held:
            owners[inode] = pid
    return owners


def listening_sockets(proc: str = "/proc") -> list[Listening]:
    """Sorted, de-duplicated (protocol, address, port, pid) of the host's listening sockets."""
    tables = listening_in_tables(proc)
    owners = socket_owners(tables, proc)
    # SO_REUSEPORT servers hold one socket per worker: one row per (address, port, process).
    found = {
        (protocol, address, port, owners.get(inode, 0))
        for inode, rows in tables.items()
        for protocol, address, port in rows
    }
    return sorted(found, key=lambda f: (f[0], f[2], f[1], f[3]))


class ListeningCollector:
    def __init__(self, interval: float = 30.0, proc: str = "/proc") -> None:
        self.failures = FailureLog("listening")
        self._cadence = Cadence(interval)
        self._proc = proc

    def fill(self, sample: agent_pb2.Sample) -> None:
        if not self._cadence.due(sample.ts_ms):
            return
        try:
            sockets = listening_sockets(self._proc)
        except COLLECT_ERRORS as exc:
            self.failures(exc)
            return
        self.failures.ok()
        names: dict[int, str] = {}
        out = sample.listening
        out.SetInParent()
        for protocol, address, port, pid in sockets:
            if pid and pid not in names:
                try:
                    names[pid] = psutil.Process(pid).name()
                except psutil.Error:
                    names[pid] = ""
            out.sockets.add(
                protocol=protocol, address=address, port=port, pid=pid, process=names.get(pid, "")
            )
