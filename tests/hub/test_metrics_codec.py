"""The protobuf Sample -> JSON form of docs/protocol.md, for every field the agent can send."""

from __future__ import annotations

import json

from everyst.agent.v1 import agent_pb2
from everyst_hub.metrics.codec import decode_sample, sample_to_dict


def full_sample() -> agent_pb2.Sample:
    s = agent_pb2.Sample(ts_ms=1764090000000, uptime=12345.4, unavailable=["systemd"])
    s.cpu.MergeFrom(
        agent_pb2.Cpu(
            percent=40.0,
            per_core=[30.0, 50.0],
            user=30.0,
            system=10.0,
            idle=60.0,
            ctx_switches_ps=1520.4,
            interrupts_ps=830.6,
            limit_cores=1.5,
        )
    )
    s.load.MergeFrom(agent_pb2.Load(load1=0.3, load5=0.2, load15=0.1))
    s.memory.MergeFrom(
        agent_pb2.Memory(total=512, used=200, available=312, cached=140, buffers=0, percent=39.06, limit=512)
    )
    s.swap.MergeFrom(agent_pb2.Swap(total=0, used=0, percent=0))
    s.disks.add(
        mount="/",
        device="/dev/vda1",
        fstype="ext4",
        total=100,
        used=20,
        free=80,
        percent=20.0,
        inodes_total=1000,
        inodes_used=250,
        inodes_percent=25.0,
    )
    s.disks.add(mount="/data", device="/dev/vdb", fstype="btrfs", total=10, used=1, free=9, percent=10.0)
    s.disk_io.add(device="vda", write_bps=4096, write_iops=1, busy_pct=0.2)
    s.net.add(iface="eth0", rx_bps=1200, tx_bps=800, rx_pps=10, tx_pps=8, errin=1, dropout=2)
    s.temperatures.add(chip="coretemp", label="Package id 0", current=48.04, high=80, critical=100)
    s.temperatures.add(chip="nvme", label="Composite", current=39.9)
    s.fans.add(chip="thinkpad", label="", rpm=2100)
    proc = agent_pb2.Process(
        pid=4242,
        name="postgres",
        username="postgres",
        cpu_percent=12.34,
        memory_rss=1 << 20,
        memory_percent=0.2,
        cmdline="postgres -D /var/lib/postgresql",
        status="running",
    )
    s.processes.by_cpu.append(proc)
    s.processes.by_memory.append(proc)
    s.listening.sockets.add(protocol="tcp", address="0.0.0.0", port=22, pid=812, process="sshd")
    s.listening.sockets.add(protocol="udp", address="::", port=5353)
    s.users.sessions.add(name="alice", terminal="pts/0", host="10.0.0.9", started=1764089000.0)
    s.failed_units.units.add(
        name="nginx.service", load="loaded", active="failed", sub="failed", description="Web server"
    )
    return s


def test_every_sample_field_lands_in_its_documented_json_key():
    assert sample_to_dict(full_sample()) == {
        "ts": 1764090000000,
        "cpu": {
            "percent": 40.0,
            "per_core": [30.0, 50.0],
            "user": 30.0,
            "system": 10.0,
            "iowait": 0.0,
            "steal": 0.0,
            "idle": 60.0,
            "ctx_switches_ps": 1520.0,
            "interrupts_ps": 831.0,
            "limit_cores": 1.5,
        },
        "load": {"load1": 0.3, "load5": 0.2, "load15": 0.1},
        "memory": {
            "total": 512,
            "used": 200,
            "available": 312,
            "cached": 140,
            "buffers": 0,
            "percent": 39.06,
            "limit": 512,
        },
        "swap": {"total": 0, "used": 0, "percent": 0.0},
        "uptime": 12345.0,
        "disks": [
            {
                "mount": "/",
                "device": "/dev/vda1",
                "fstype": "ext4",
                "total": 100,
                "used": 20,
                "free": 80,
                "percent": 20.0,
                "inodes_total": 1000,
                "inodes_used": 250,
                "inodes_percent": 25.0,
            },
            {
                "mount": "/data",
                "device": "/dev/vdb",
                "fstype": "btrfs",
                "total": 10,
                "used": 1,
                "free": 9,
                "percent": 10.0,
                "inodes_total": None,
                "inodes_used": None,
                "inodes_percent": None,
            },
        ],
        "disk_io": [
            {
                "device": "vda",
                "read_bps": 0.0,
                "write_bps": 4096.0,
                "read_iops": 0.0,
                "write_iops": 1.0,
                "busy_pct": 0.2,
            }
        ],
        "net": [
            {
                "iface": "eth0",
                "rx_bps": 1200.0,
                "tx_bps": 800.0,
                "rx_pps": 10.0,
                "tx_pps": 8.0,
                "errin": 1,
                "errout": 0,
                "dropin": 0,
                "dropout": 2,
            }
        ],
        "sensors": {
            "temperatures": [
                {
                    "chip": "coretemp",
                    "label": "Package id 0",
                    "current": 48.0,
                    "high": 80.0,
                    "critical": 100.0,
                },
                {"chip": "nvme", "label": "Composite", "current": 39.9, "high": None, "critical": None},
            ],
            "fans": [{"chip": "thinkpad", "label": "", "rpm": 2100.0}],
        },
        "processes": {
            "by_cpu": [
                {
                    "pid": 4242,
                    "name": "postgres",
                    "username": "postgres",
                    "cpu_percent": 12.3,
                    "memory_rss": 1048576,
                    "memory_percent": 0.2,
                    "cmdline": "postgres -D /var/lib/postgresql",
                    "status": "running",
                }
            ],
            "by_memory": [
                {
                    "pid": 4242,
                    "name": "postgres",
                    "username": "postgres",
                    "cpu_percent": 12.3,
                    "memory_rss": 1048576,
                    "memory_percent": 0.2,
                    "cmdline": "postgres -D /var/lib/postgresql",
                    "status": "running",
                }
            ],
        },
        "listening": [
            {"protocol": "tcp", "address": "0.0.0.0", "port": 22, "pid": 812, "process": "sshd"},
            {"protocol": "udp", "address": "::", "port": 5353, "pid": None, "process": None},
        ],
        "users": [{"name": "alice", "terminal": "pts/0", "host": "10.0.0.9", "started": 1764089000.0}],
        "failed_units": [
            {
                "name": "nginx.service",
                "load": "loaded",
                "active": "failed",
                "sub": "failed",
                "description": "Web server",
            }
        ],
        "unavailable": ["systemd"],
    }


def test_the_json_form_survives_the_wire_and_json():
    data = full_sample().SerializeToString()
    decoded = decode_sample(data)
    assert json.loads(json.dumps(decoded)) == decoded == sample_to_dict(full_sample())


def test_a_tick_without_the_slow_families_says_null_and_empty_lists_stay_lists():
    bare = sample_to_dict(agent_pb2.Sample(ts_ms=1))
    assert bare["processes"] is None and bare["listening"] is None
    assert bare["users"] is None and bare["failed_units"] is None
    assert bare["cpu"]["limit_cores"] is None and bare["memory"]["limit"] is None
    assert bare["sensors"] == {"temperatures": [], "fans": []}
    assert bare["unavailable"] == []
    # Collected, but nothing there: an empty list, not "keep the last".
    s = agent_pb2.Sample(ts_ms=2)
    s.users.SetInParent()
    s.failed_units.SetInParent()
    s.listening.SetInParent()
    s.processes.SetInParent()
    empty = sample_to_dict(s)
    assert empty["users"] == [] and empty["failed_units"] == [] and empty["listening"] == []
    assert empty["processes"] == {"by_cpu": [], "by_memory": []}


def test_no_sample_field_is_left_out_of_the_json_form():
    form = sample_to_dict(full_sample())
    keys = set(form)
    # Sensors group the temperature and fan fields; every other field keeps its name.
    renamed = {"ts_ms": "ts", "temperatures": "sensors", "fans": "sensors"}
    assert {renamed.get(f.name, f.name) for f in agent_pb2.Sample.DESCRIPTOR.fields} == keys
    for message, key in ((agent_pb2.Cpu, "cpu"), (agent_pb2.Memory, "memory")):
        assert {f.name for f in message.DESCRIPTOR.fields} == set(form[key])
    assert {f.name for f in agent_pb2.DiskUsage.DESCRIPTOR.fields} == set(form["disks"][0])


def test_the_declared_sample_type_is_exactly_the_codecs_form():
    # The API schema (and the dashboard's types) declare samples with SampleSerializer; ingest
    # builds them with the codec. Both must give the same JSON, full or bare.
    from everyst_hub.metrics.serializers import SampleSerializer

    bare = agent_pb2.Sample(ts_ms=2)
    bare.listening.SetInParent()
    for sample in (full_sample(), agent_pb2.Sample(ts_ms=1), bare):
        form = sample_to_dict(sample)
        assert json.dumps(SampleSerializer(form).data) == json.dumps(form)
