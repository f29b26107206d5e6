"""Port lists as tools take them: `"22,80,1000-2000"` and/or the first N of nmap's top ports. The
agent parses a job's params with this to scan, the hub to know which ports a finished scan probed."""

from __future__ import annotations

from everyst_common.top_ports import TOP_PORTS


class PortListError(ValueError):
    """A port list that names no port, or names one wrongly; the message says how to write it."""


def parse_ports(spec: str | None, top: int | None) -> list[int]:
    """The ports `spec` names and the first `top` of nmap's frequency ordering, sorted."""
    ports: set[int] = set()
    if spec:
        for part in spec.replace(" ", "").split(","):
            if not part:
                continue
            low, _, high = part.partition("-")
            try:
                a, b = int(low), int(high or low)
            except ValueError:
                raise PortListError(f"ports: {part!r} is not a port or a range like 1000-2000") from None
            if not 1 <= a <= b <= 65535:
                raise PortListError(f"ports: {part!r} is outside 1-65535 or reversed")
            ports.update(range(a, b + 1))
    if top:
        if not 1 <= top <= len(TOP_PORTS):
            raise PortListError(f"top_ports must be between 1 and {len(TOP_PORTS)}, got {top}")
        ports.update(TOP_PORTS[:top])
    if not ports:
        raise PortListError('give ports (e.g. "22,80,1000-2000") or top_ports (e.g. 100)')
    return sorted(ports)
