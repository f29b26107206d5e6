"""Container limits: cgroup v1 and v2 files written into tmp_path, parsed, and applied to CPU and memory."""

from __future__ import annotations

import time
from pathlib import Path

import psutil
import pytest
from everyst.agent.v1 import agent_pb2
from everyst_agent.collectors import Sampler
from everyst_agent.collectors.cgroup import Cgroup, CpuUsage, Limits, MemoryUsage
from everyst_agent.collectors.cpu import CpuCollector, fill_cpu_quota
from everyst_agent.collectors.memory import MemoryCollector

MiB = 1 << 20
V1_UNLIMITED = "9223372036854771712"


def write_tree(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def v2(root: Path, cpu_max: str = "150000 100000", memory_max: str = str(512 * MiB)) -> Path:
    return write_tree(
        root,
        {
            "cgroup.controllers": "cpuset cpu io memory pids\n",
            "cpu.max": cpu_max + "\n",
            "cpu.stat": "usage_usec 5000000\nuser_usec 4000000\nsystem_usec 1000000\nnr_periods 0\n",
            "memory.max": memory_max + "\n",
            "memory.current": str(300 * MiB) + "\n",
            "memory.stat": f"anon {150 * MiB}\nfile {140 * MiB}\ninactive_file {100 * MiB}\nactive_file 0\n",
        },
    )


def v1(root: Path, quota: str = "200000", limit: str = str(256 * MiB)) -> Path:
    return write_tree(
        root,
        {
            "cpu,cpuacct/cpu.cfs_quota_us": quota + "\n",
            "cpu,cpuacct/cpu.cfs_period_us": "100000\n",
            "cpu,cpuacct/cpuacct.usage": "7000000000\n",
            "cpu,cpuacct/cpuacct.stat": "user 500\nsystem 200\n",
            "memory/memory.limit_in_bytes": limit + "\n",
            "memory/memory.usage_in_bytes": str(200 * MiB) + "\n",
            "memory/memory.stat": f"cache {80 * MiB}\ninactive_file {10 * MiB}\n"
            f"total_cache {90 * MiB}\ntotal_inactive_file {50 * MiB}\n",
        },
    )


def test_cgroup_v2_limits_and_usage_are_read_from_the_mount_root(tmp_path):
    cgroup = Cgroup(v2(tmp_path))
    assert cgroup.v2
    assert cgroup.limits() == Limits(cpu_cores=1.5, memory=512 * MiB)
    assert cgroup.cpu_usage() == CpuUsage(total=5.0, user=4.0, system=1.0)
    assert cgroup.memory_usage() == MemoryUsage(current=300 * MiB, inactive_file=100 * MiB, file=140 * MiB)


def test_cgroup_v2_max_means_no_limit(tmp_path):
    assert Cgroup(v2(tmp_path, cpu_max="max 100000", memory_max="max")).limits() == Limits(None, None)


def test_cgroup_v1_limits_and_usage_come_from_the_cpu_and_memory_controllers(tmp_path):
    cgroup = Cgroup(v1(tmp_path))
    assert not cgroup.v2
    assert cgroup.limits() == Limits(cpu_cores=2.0, memory=256 * MiB)
    assert cgroup.cpu_usage() == CpuUsage(total=7.0, user=5.0, system=2.0)
    # The hierarchical totals: a container's processes may live in child cgroups.
    assert cgroup.memory_usage() == MemoryUsage(current=200 * MiB, inactive_file=50 * MiB, file=90 * MiB)


def test_cgroup_v1_minus_one_and_the_huge_default_mean_no_limit(tmp_path):
    assert Cgroup(v1(tmp_path, quota="-1", limit=V1_UNLIMITED)).limits() == Limits(None, None)


def test_a_memory_limit_above_the_host_memory_limits_nothing(tmp_path):
    cgroup = Cgroup(v2(tmp_path, memory_max=str(64 << 30)))
    assert cgroup.limits(host_memory=8 << 30).memory is None
    assert cgroup.limits().memory == 64 << 30


def test_a_missing_or_garbled_tree_has_no_limits(tmp_path):
    assert Cgroup(tmp_path / "absent").limits() == Limits(None, None)
    assert Cgroup(v2(tmp_path, cpu_max="garbage", memory_max="lots")).limits() == Limits(None, None)


def test_memory_in_a_limited_container_is_the_cgroup_s_against_its_limit(tmp_path):
    s = agent_pb2.Sample()
    MemoryCollector(cgroup=Cgroup(v2(tmp_path))).fill(s)
    mem = s.memory
    assert mem.limit == mem.total == 512 * MiB
    assert mem.used == 200 * MiB  # memory.current - inactive_file
    assert mem.available == 312 * MiB
    assert mem.cached == 140 * MiB
    assert mem.percent == pytest.approx(39.1, abs=0.05)


def test_cpu_in_a_limited_container_is_relative_to_its_quota(tmp_path):
    root = v2(tmp_path)
    collector = CpuCollector(cgroup=Cgroup(root))
    time.sleep(0.2)
    started = time.monotonic()
    # The container used 0.15 core-seconds since: at most 10 % of its 1.5-core quota per second.
    (root / "cpu.stat").write_text("usage_usec 5150000\nuser_usec 4100000\nsystem_usec 1050000\n")
    s = agent_pb2.Sample()
    collector.fill(s)
    assert s.cpu.limit_cores == 1.5
    assert 0 < s.cpu.percent <= 100.0 * 0.15 / (1.5 * 0.2) + 1
    assert s.cpu.idle == pytest.approx(100 - s.cpu.percent, abs=0.01)
    assert s.cpu.iowait == 0 and s.cpu.steal == 0
    assert time.monotonic() - started < 1
    # Host-wide views are still there.
    assert s.cpu.per_core and s.cpu.ctx_switches_ps > 0


def test_quota_percentages_follow_the_usage_deltas():
    cpu = agent_pb2.Cpu()
    fill_cpu_quota(cpu, 2.0, CpuUsage(10.0, 6.0, 4.0), CpuUsage(11.0, 6.75, 4.25), elapsed=1.0)
    assert (cpu.limit_cores, cpu.percent, cpu.user, cpu.system, cpu.idle) == (2.0, 50.0, 37.5, 12.5, 50.0)
    capped = agent_pb2.Cpu()
    fill_cpu_quota(capped, 0.5, CpuUsage(0, 0, 0), CpuUsage(2.0, 2.0, 0), elapsed=1.0)
    assert capped.percent == 100.0 and capped.idle == 0.0


def test_the_sampler_reports_container_limits_from_an_injected_cgroup_root(tmp_path):
    s = Sampler(process_interval=0, slow_interval=0, cgroup_root=v1(tmp_path)).sample()
    assert s.cpu.limit_cores == 2.0
    assert s.memory.limit == s.memory.total == 256 * MiB
    assert s.memory.used == 150 * MiB


def test_without_a_limit_memory_is_the_host_s(tmp_path):
    s = agent_pb2.Sample()
    MemoryCollector(cgroup=Cgroup(v2(tmp_path, cpu_max="max", memory_max="max"))).fill(s)
    assert s.memory.limit == 0
    assert s.memory.total == psutil.virtual_memory().total
