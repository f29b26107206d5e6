"""What every tool shares: its errors, the job context it reports through (params: params.py)."""

from __future__ import annotations

import socket
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from everyst_common.ports import PortListError
from everyst_common.ports import parse_ports as port_list

from everyst_agent.tools.scope import Scope


class ToolError(Exception):
    """The tool cannot run or failed; the message is what the FAILED event says."""


class ParamsError(ToolError):
    """The params_json of a command does not fit the tool."""


@dataclass(frozen=True)
class Limits:
    max_hosts: int = 1024
    max_ports: int = 65535


Emit = Callable[[str, float, str, Any], Awaitable[None]]


def plural(count: float, noun: str, nouns: str | None = None) -> str:
    """`1 open port`, `2 open ports`: job messages are read by people."""
    return f"{count:g} {noun if count == 1 else nouns or noun + 's'}"


@dataclass
class JobContext:
    """Handed to a tool's `run`: where it reports progress and rows, and what it may touch."""

    job_id: str
    scope: Scope
    limits: Limits
    _emit: Emit
    # The job's targets, expanded and checked against the scope by the runner.
    addresses: list[Any] = field(default_factory=list)
    blob: bytes = b""
    found: int = 0
    _last_percent: float = field(default=-1.0)

    async def progress(self, percent: float, message: str = "", **payload: Any) -> None:
        percent = max(0.0, min(100.0, percent))
        # Progress every few percent is plenty for a browser; thousands of events per scan are not.
        if percent - self._last_percent < 1.0 and percent < 100.0 and not message:
            return
        self._last_percent = percent
        await self._emit("PROGRESS", percent, message, {"found": self.found, **payload})

    async def rows(self, rows: list[dict[str, Any]]) -> None:
        if rows:
            self.found += len(rows)
            await self._emit("RESULT", max(self._last_percent, 0.0), "", {"rows": rows})


@dataclass(frozen=True)
class Tool:
    name: str
    params: type
    run: Callable[[Any, JobContext], Awaitable[dict[str, Any]]]
    # Whether the job's targets must be checked against the scope (False only for purely local tools).
    needs_targets: bool = True
    # What people call it (the dashboard's tool picker); its Params' docstring says what it does.
    title: str = field(kw_only=True)


def in_range(name: str, value: float, low: float, high: float) -> None:
    if not low <= value <= high:
        raise ParamsError(f"{name} must be between {low:g} and {high:g}, got {value:g}")


def has_net_raw() -> bool:
    """Whether this process may open raw sockets (root or CAP_NET_RAW): try it."""
    try:
        socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0).close()
    except OSError:
        return False
    return True


def require_net_raw(what: str) -> None:
    if not has_net_raw():
        raise ToolError(
            f"{what} needs raw sockets, and this agent has no CAP_NET_RAW; run it as root or grant the "
            "capability (systemd: AmbientCapabilities=CAP_NET_RAW)"
        )


def parse_ports(spec: str | None, top: int | None, limit: int) -> list[int]:
    """`"22,80,1000-2000"` or the first `top` of nmap's frequency ordering; checked against `limit`."""
    try:
        ports = port_list(spec, top)
    except PortListError as exc:
        raise ParamsError(str(exc)) from None
    if len(ports) > limit:
        raise ParamsError(
            f"{len(ports)} ports asked; this agent scans at most {limit} per job (max_ports_per_job)"
        )
    return ports


def chunks(items: Iterable[Any], size: int) -> Iterable[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
