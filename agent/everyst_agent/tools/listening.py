"""This host's listening sockets (TCP LISTEN, bound UDP) with their processes, from psutil."""

from __future__ import annotations

import asyncio
import socket
from dataclasses import dataclass
from typing import Annotated, Any

import psutil

from everyst_agent.tools.base import JobContext, Tool, plural
from everyst_agent.tools.params import Param


@dataclass
class Params:
    """This host's listening TCP sockets and bound UDP sockets, with their processes."""

    udp: Annotated[bool, Param("Include UDP")] = True


def listening(udp: bool) -> list[dict[str, Any]]:
    rows = []
    names: dict[int, tuple[str | None, str | None]] = {}
    for conn in psutil.net_connections(kind="inet"):
        is_tcp = conn.type == socket.SOCK_STREAM
        if is_tcp and conn.status != psutil.CONN_LISTEN:
            continue
        if not is_tcp and (not udp or conn.raddr):
            continue
        pid = conn.pid
        if pid is not None and pid not in names:
            try:
                proc = psutil.Process(pid)
                names[pid] = (proc.name(), proc.username())
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                names[pid] = (None, None)
        process, user = names.get(pid, (None, None)) if pid is not None else (None, None)
        rows.append(
            {
                "proto": ("tcp" if is_tcp else "udp") + ("6" if conn.family == socket.AF_INET6 else ""),
                "address": conn.laddr.ip,
                "port": conn.laddr.port,
                "pid": pid,
                "process": process,
                "user": user,
            }
        )
    rows.sort(key=lambda r: (r["proto"], r["port"], r["address"]))
    return rows


async def run(params: Params, ctx: JobContext) -> dict[str, Any]:
    rows = await asyncio.to_thread(listening, params.udp)
    await ctx.rows(rows)
    note = (
        []
        if all(r["pid"] is not None for r in rows)
        else ["some sockets show no process: run the agent as root to see every owner"]
    )
    return {"message": f"{plural(len(rows), 'listening socket')}", "count": len(rows), "notes": note}


TOOL = Tool("listening", Params, run, needs_targets=False, title="Listening sockets")
