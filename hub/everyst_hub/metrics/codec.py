"""Protobuf Sample <-> the JSON form documented in docs/protocol.md."""

from __future__ import annotations

from typing import Any

from everyst.agent.v1 import agent_pb2


def _r(value: float, digits: int = 2) -> float:
    return round(value, digits)


def _or_none(value: float) -> float | None:
    """Proto3 scalars cannot be absent: 0 stands for "none" in the fields that use this."""
    return value or None


def _process(p: agent_pb2.Process) -> dict[str, Any]:
    return {
        "pid": p.pid,
        "name": p.name,
        "username": p.username,
        "cpu_percent": _r(p.cpu_percent, 1),
        "memory_rss": p.memory_rss,
        "memory_percent": _r(p.memory_percent),
        "cmdline": p.cmdline,
        "status": p.status,
    }


def _processes(s: agent_pb2.Sample) -> dict[str, Any] | None:
    if not s.HasField("processes"):
        return None
    return {
        "by_cpu": [_process(p) for p in s.processes.by_cpu],
        "by_memory": [_process(p) for p in s.processes.by_memory],
    }


def _listening(s: agent_pb2.Sample) -> list[dict[str, Any]] | None:
    if not s.HasField("listening"):
        return None
    return [
        {
            "protocol": x.protocol,
            "address": x.address,
            "port": x.port,
            "pid": x.pid or None,
            "process": x.process or None,
        }
        for x in s.listening.sockets
    ]


def _users(s: agent_pb2.Sample) -> list[dict[str, Any]] | None:
    if not s.HasField("users"):
        return None
    return [
        {"name": u.name, "terminal": u.terminal, "host": u.host, "started": _r(u.started, 0)}
        for u in s.users.sessions
    ]


def _failed_units(s: agent_pb2.Sample) -> list[dict[str, Any]] | None:
    if not s.HasField("failed_units"):
        return None
    return [
        {"name": u.name, "load": u.load, "active": u.active, "sub": u.sub, "description": u.description}
        for u in s.failed_units.units
    ]


def sample_to_dict(s: agent_pb2.Sample) -> dict[str, Any]:
    cpu, mem, swap, load = s.cpu, s.memory, s.swap, s.load
    return {
        "ts": s.ts_ms,
        "cpu": {
            "percent": _r(cpu.percent),
            "per_core": [_r(v, 1) for v in cpu.per_core],
            "user": _r(cpu.user),
            "system": _r(cpu.system),
            "iowait": _r(cpu.iowait),
            "steal": _r(cpu.steal),
            "idle": _r(cpu.idle),
            "ctx_switches_ps": _r(cpu.ctx_switches_ps, 0),
            "interrupts_ps": _r(cpu.interrupts_ps, 0),
            "limit_cores": _or_none(_r(cpu.limit_cores, 3)),
        },
        "load": {"load1": _r(load.load1), "load5": _r(load.load5), "load15": _r(load.load15)},
        "memory": {
            "total": mem.total,
            "used": mem.used,
            "available": mem.available,
            "cached": mem.cached,
            "buffers": mem.buffers,
            "percent": _r(mem.percent),
            "limit": mem.limit or None,
        },
        "swap": {"total": swap.total, "used": swap.used, "percent": _r(swap.percent)},
        "uptime": _r(s.uptime, 0),
        "disks": [
            {
                "mount": d.mount,
                "device": d.device,
                "fstype": d.fstype,
                "total": d.total,
                "used": d.used,
                "free": d.free,
                "percent": _r(d.percent),
                "inodes_total": d.inodes_total or None,
                "inodes_used": d.inodes_used if d.inodes_total else None,
                "inodes_percent": _r(d.inodes_percent) if d.inodes_total else None,
            }
            for d in s.disks
        ],
        "disk_io": [
            {
                "device": d.device,
                "read_bps": _r(d.read_bps, 0),
                "write_bps": _r(d.write_bps, 0),
                "read_iops": _r(d.read_iops),
                "write_iops": _r(d.write_iops),
                "busy_pct": _r(d.busy_pct),
            }
            for d in s.disk_io
        ],
        "net": [
            {
                "iface": n.iface,
                "rx_bps": _r(n.rx_bps, 0),
                "tx_bps": _r(n.tx_bps, 0),
                "rx_pps": _r(n.rx_pps),
                "tx_pps": _r(n.tx_pps),
                "errin": n.errin,
                "errout": n.errout,
                "dropin": n.dropin,
                "dropout": n.dropout,
            }
            for n in s.net
        ],
        "sensors": {
            "temperatures": [
                {
                    "chip": t.chip,
                    "label": t.label,
                    "current": _r(t.current, 1),
                    "high": _or_none(_r(t.high, 1)),
                    "critical": _or_none(_r(t.critical, 1)),
                }
                for t in s.temperatures
            ],
            "fans": [{"chip": f.chip, "label": f.label, "rpm": _r(f.rpm, 0)} for f in s.fans],
        },
        "processes": _processes(s),
        "listening": _listening(s),
        "users": _users(s),
        "failed_units": _failed_units(s),
        "unavailable": list(s.unavailable),
    }


def decode_sample(data: bytes) -> dict[str, Any]:
    sample = agent_pb2.Sample()
    sample.ParseFromString(bytes(data))
    return sample_to_dict(sample)
