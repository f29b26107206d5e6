"""Protobuf Sample <-> the JSON form documented in docs/protocol.md."""

from __future__ import annotations

from typing import Any

from everyst.agent.v1 import agent_pb2


def _r(value: float, digits: int = 2) -> float:
    return round(value, digits)


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
        },
        "load": {"load1": _r(load.load1), "load5": _r(load.load5), "load15": _r(load.load15)},
        "memory": {
            "total": mem.total,
            "used": mem.used,
            "available": mem.available,
            "cached": mem.cached,
            "buffers": mem.buffers,
            "percent": _r(mem.percent),
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
    }


def decode_sample(data: bytes) -> dict[str, Any]:
    sample = agent_pb2.Sample()
    sample.ParseFromString(bytes(data))
    return sample_to_dict(sample)
