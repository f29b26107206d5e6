"""What every tool shares: its errors, its params parsing, the job context it reports through."""

from __future__ import annotations

import dataclasses
import json
import socket
import types
import typing
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

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


def parse_params(cls: type, params_json: str) -> Any:
    """Build the params dataclass `cls` from JSON, checking names and types; then its `validate()`."""
    try:
        raw = json.loads(params_json) if params_json.strip() else {}
    except json.JSONDecodeError as exc:
        raise ParamsError(f"params_json is not valid JSON: {exc}") from None
    if not isinstance(raw, dict):
        raise ParamsError(f"params_json must be a JSON object, got {type(raw).__name__}")
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(raw) - set(fields))
    if unknown:
        raise ParamsError(f"unknown parameter(s) {', '.join(unknown)}; known: {', '.join(fields)}")
    values = {}
    for name, value in raw.items():
        values[name] = _coerce(name, value, hints[name])
    try:
        params = cls(**values)
    except TypeError as exc:
        missing = [n for n, f in fields.items() if n not in values and _required(f)]
        raise ParamsError(f"missing parameter(s) {', '.join(missing) or '?'} ({exc})") from None
    validate = getattr(params, "validate", None)
    if validate is not None:
        validate()
    return params


def _required(f: dataclasses.Field[Any]) -> bool:
    return f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING


def _coerce(name: str, value: Any, hint: Any) -> Any:
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        errors = []
        for arg in args:
            if arg is type(None):
                continue
            try:
                return _coerce(name, value, arg)
            except ParamsError as exc:
                errors.append(str(exc))
        raise ParamsError(errors[0] if errors else f"{name} has an unsupported value {value!r}")
    if origin is typing.Literal:
        if value not in args:
            raise ParamsError(f"{name} must be one of {', '.join(map(str, args))}, got {value!r}")
        return value
    if origin in (list, tuple):
        if isinstance(value, str):
            value = [item for item in value.replace(",", " ").split() if item]
        if not isinstance(value, list):
            raise ParamsError(f"{name} must be a list, got {value!r}")
        return [_coerce(name, item, args[0]) for item in value]
    if hint is bool:
        if not isinstance(value, bool):
            raise ParamsError(f"{name} must be true or false, got {value!r}")
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ParamsError(f"{name} must be an integer, got {value!r}")
        return value
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ParamsError(f"{name} must be a number, got {value!r}")
        return float(value)
    if hint is str:
        if not isinstance(value, str):
            raise ParamsError(f"{name} must be a string, got {value!r}")
        return value
    raise ParamsError(f"{name}: unsupported parameter type {hint!r}")


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
    from everyst_agent.tools.top_ports import TOP_PORTS

    ports: set[int] = set()
    if spec:
        for part in spec.replace(" ", "").split(","):
            if not part:
                continue
            low, _, high = part.partition("-")
            try:
                a, b = int(low), int(high or low)
            except ValueError:
                raise ParamsError(f"ports: {part!r} is not a port or a range like 1000-2000") from None
            if not 1 <= a <= b <= 65535:
                raise ParamsError(f"ports: {part!r} is outside 1-65535 or reversed")
            ports.update(range(a, b + 1))
    if top:
        if not 1 <= top <= len(TOP_PORTS):
            raise ParamsError(f"top_ports must be between 1 and {len(TOP_PORTS)}, got {top}")
        ports.update(TOP_PORTS[:top])
    if not ports:
        raise ParamsError('give ports (e.g. "22,80,1000-2000") or top_ports (e.g. 100)')
    if len(ports) > limit:
        raise ParamsError(
            f"{len(ports)} ports asked; this agent scans at most {limit} per job (max_ports_per_job)"
        )
    return sorted(ports)


def chunks(items: Iterable[Any], size: int) -> Iterable[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
