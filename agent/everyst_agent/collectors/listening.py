"""Listening TCP sockets and unconnected (bound) UDP sockets, with the process owning each.

Every `slow_interval` (30 s by default): mapping sockets to processes means reading the links of every
file descriptor of every process (~30 ms on a quiet host), too costly for every tick. As non-root,
other users' sockets are listed without a process (pid 0). Where the OS refuses the listing outright
(psutil raises AccessDenied), the family is unavailable.
"""

from __future__ import annotations

import socket

import psutil
from everyst.agent.v1 import agent_pb2

from everyst_agent.collectors.base import COLLECT_ERRORS, Cadence, FailureLog


def listening_sockets(connections: list[object]) -> list[tuple[str, str, int, int]]:
    """Sorted, de-duplicated (protocol, address, port, pid) of the listening sockets among `connections`."""
    found: set[tuple[str, str, int, int]] = set()
    for c in connections:
        kind, laddr = getattr(c, "type", None), getattr(c, "laddr", None)
        if not laddr:
            continue
        if kind == socket.SOCK_STREAM and getattr(c, "status", "") == psutil.CONN_LISTEN:
            protocol = "tcp"
        elif kind == socket.SOCK_DGRAM and not getattr(c, "raddr", None):
            protocol = "udp"
        else:
            continue
        # SO_REUSEPORT servers hold one socket per worker: one row per (address, port, process).
        found.add((protocol, laddr[0], laddr[1], getattr(c, "pid", None) or 0))
    return sorted(found, key=lambda f: (f[0], f[2], f[1], f[3]))


class ListeningCollector:
    def __init__(self, interval: float = 30.0) -> None:
        self.failures = FailureLog("listening")
        self._cadence = Cadence(interval)

    def fill(self, sample: agent_pb2.Sample) -> None:
        if not self._cadence.due(sample.ts_ms):
            return
        try:
            connections = psutil.net_connections(kind="inet")
        except COLLECT_ERRORS as exc:
            self.failures(exc)
            return
        self.failures.ok()
        names: dict[int, str] = {}
        out = sample.listening
        out.SetInParent()
        for protocol, address, port, pid in listening_sockets(list(connections)):
            if pid and pid not in names:
                try:
                    names[pid] = psutil.Process(pid).name()
                except psutil.Error:
                    names[pid] = ""
            out.sockets.add(
                protocol=protocol, address=address, port=port, pid=pid, process=names.get(pid, "")
            )
