"""Collectors on this very machine, plus their filtering and arithmetic on made-up inputs."""

from __future__ import annotations

import os
import socket
import time
from collections import namedtuple
from pathlib import Path

import psutil
import pytest
from everyst.agent.v1 import agent_pb2
from everyst_agent.collectors import Sampler, collect_facts
from everyst_agent.collectors.cpu import fill_cpu, parse_proc_stat
from everyst_agent.collectors.diskio import is_physical_disk
from everyst_agent.collectors.disks import real_fstypes, select_mounts
from everyst_agent.collectors.facts import cpu_model, detect_virtualization
from everyst_agent.collectors.memory import MemoryCollector, fill_memory, parse_meminfo

Part = namedtuple("Part", "device mountpoint fstype opts")


@pytest.fixture(scope="module")
def two_samples() -> tuple[agent_pb2.Sample, agent_pb2.Sample]:
    sampler = Sampler()
    time.sleep(0.2)
    first = sampler.sample()
    time.sleep(0.3)
    return first, sampler.sample()


def test_cpu_percentages_are_between_0_and_100_with_one_value_per_core(two_samples):
    for s in two_samples:
        assert 0 <= s.cpu.percent <= 100
        assert len(s.cpu.per_core) == psutil.cpu_count()
        assert all(0 <= p <= 100 for p in s.cpu.per_core)
        shares = (s.cpu.user, s.cpu.system, s.cpu.iowait, s.cpu.steal, s.cpu.idle)
        assert all(0 <= x <= 100 for x in shares)
        assert sum(shares) == pytest.approx(100, abs=0.1)
        assert s.cpu.percent == pytest.approx(100 - s.cpu.idle - s.cpu.iowait, abs=0.1)


def test_context_switches_and_interrupts_are_rates_per_second(two_samples):
    before = psutil.cpu_stats()
    time.sleep(0.2)
    after = psutil.cpu_stats()
    # The same counters psutil reads, over a similar window: the same order of magnitude.
    expected_ctx = (after.ctx_switches - before.ctx_switches) / 0.2
    for s in two_samples:
        assert 0 < s.cpu.ctx_switches_ps < 100 * expected_ctx + 10_000
        assert s.cpu.interrupts_ps > 0
        assert s.cpu.limit_cores == 0 and s.memory.limit == 0


def test_proc_stat_parsing_reads_cores_context_switches_and_the_interrupt_total():
    stat = parse_proc_stat(
        b"cpu  30 0 20 100 5 1 1 0 0 0\n"
        b"cpu0 10 5 8 50 2 1 1 3 0 0\n"
        b"cpu1 10 0 8 50 3\n"
        b"intr 123456 0 9 0 0 17\n"
        b"ctxt 987654\n"
        b"btime 1700000000\n"
    )
    assert stat.cores == [(15, 10, 2, 3, 50), (10, 8, 3, 0, 50)]
    assert (stat.ctxt, stat.intr) == (987654, 123456)


def test_memory_and_swap_used_never_exceed_their_totals(two_samples):
    s = two_samples[1]
    assert 0 < s.memory.used <= s.memory.total
    assert 0 < s.memory.available <= s.memory.total
    assert 0 <= s.memory.percent <= 100
    assert s.swap.used <= s.swap.total


def test_load_and_uptime_are_reported(two_samples):
    s = two_samples[1]
    assert s.load.load1 == pytest.approx(os.getloadavg()[0], abs=5)
    assert 0 < s.uptime <= time.time() - psutil.boot_time() + 1


def test_root_mount_is_among_the_disks_with_consistent_sizes(two_samples):
    disks = {d.mount: d for d in two_samples[1].disks}
    assert "/" in disks
    root = disks["/"]
    assert root.total > 0 and root.used + root.free <= root.total
    assert 0 <= root.percent <= 100
    assert all(d.fstype not in ("tmpfs", "proc", "sysfs", "squashfs", "cgroup2") for d in disks.values())
    assert len({d.device for d in disks.values()}) == len(disks)


def test_root_mount_reports_its_inodes_like_df_i(two_samples):
    root = {d.mount: d for d in two_samples[1].disks}["/"]
    st = os.statvfs("/")
    if not st.f_files:
        pytest.skip("/ has no fixed inode table here")
    assert root.inodes_total == st.f_files
    assert root.inodes_used == pytest.approx(st.f_files - st.f_ffree, abs=1000)
    assert 0 < root.inodes_percent <= 100
    assert root.inodes_percent == pytest.approx(100 * root.inodes_used / root.inodes_total, abs=0.01)


def test_rates_are_non_negative_after_two_ticks(two_samples):
    s = two_samples[1]
    for io in s.disk_io:
        assert min(io.read_bps, io.write_bps, io.read_iops, io.write_iops, io.busy_pct) >= 0
        assert io.busy_pct <= 100
    for net in s.net:
        assert min(net.rx_bps, net.tx_bps, net.rx_pps, net.tx_pps) >= 0
    assert "lo" not in {n.iface for n in s.net}
    expected = set(psutil.net_io_counters(pernic=True)) - {"lo"}
    assert {n.iface for n in s.net} == expected


def test_disk_io_reports_whole_disks_only(two_samples):
    names = {io.device for io in two_samples[1].disk_io}
    assert not any(n.startswith(("loop", "ram", "zram", "dm-")) for n in names)
    if os.path.isdir("/sys/block"):
        assert names <= set(os.listdir("/sys/block"))


def test_sampler_uses_the_given_timestamp():
    assert Sampler().sample(ts_ms=1234).ts_ms == 1234


def test_a_failing_source_leaves_its_fields_empty_and_the_rest_filled(monkeypatch):
    sampler = Sampler()

    def denied(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied", "/proc/diskstats")

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug in a collector")

    monkeypatch.setattr(psutil, "disk_io_counters", denied)
    monkeypatch.setattr(psutil, "net_io_counters", broken)
    s = sampler.sample()
    assert not s.disk_io
    assert not s.net
    assert s.memory.total == psutil.virtual_memory().total
    assert s.disks and len(s.cpu.per_core) == psutil.cpu_count()


def test_memory_matches_psutil_and_a_missing_meminfo_leaves_it_empty(tmp_path):
    s = agent_pb2.Sample()
    MemoryCollector().fill(s)
    vm, sw = psutil.virtual_memory(), psutil.swap_memory()
    assert (s.memory.total, s.swap.total) == (vm.total, sw.total)
    assert s.memory.available == pytest.approx(vm.available, rel=0.05)
    assert s.memory.used == s.memory.total - s.memory.available
    empty = agent_pb2.Sample()
    MemoryCollector(meminfo=tmp_path / "missing").fill(empty)
    assert not empty.HasField("memory") and not empty.HasField("swap")


def test_meminfo_parsing_follows_free():
    info = parse_meminfo(
        b"MemTotal: 1000 kB\nMemFree: 100 kB\nMemAvailable: 600 kB\nBuffers: 50 kB\n"
        b"Cached: 300 kB\nSReclaimable: 20 kB\nSwapTotal: 200 kB\nSwapFree: 150 kB\n"
    )
    s = agent_pb2.Sample()
    fill_memory(s, info)
    assert (s.memory.total, s.memory.used, s.memory.available) == (1024000, 409600, 614400)
    assert (s.memory.cached, s.memory.buffers, s.memory.percent) == (327680, 51200, 40.0)
    assert (s.swap.total, s.swap.used, s.swap.percent) == (204800, 51200, 25.0)


def test_cpu_busy_time_comes_from_counter_deltas():
    # (user, system, iowait, steal, idle) seconds per core
    prev = [(10.0, 5.0, 0.0, 0.0, 100.0), (0.0, 0.0, 0.0, 0.0, 0.0)]
    cur = [(13.0, 6.0, 1.0, 0.0, 105.0), (0.0, 0.0, 0.0, 0.0, 10.0)]
    cpu = agent_pb2.Cpu()
    fill_cpu(cpu, prev, cur)
    assert list(cpu.per_core) == [40.0, 0.0]
    assert cpu.percent == 20.0
    assert (cpu.user, cpu.system, cpu.iowait, cpu.steal, cpu.idle) == (15.0, 5.0, 5.0, 0.0, 75.0)


def test_cpu_is_left_empty_when_the_core_count_changed():
    cpu = agent_pb2.Cpu()
    fill_cpu(cpu, [(1.0, 1.0, 0.0, 0.0, 1.0)], [(2.0, 2.0, 0.0, 0.0, 2.0)] * 2)
    assert cpu == agent_pb2.Cpu()


def test_disk_selection_skips_pseudo_filesystems_snaps_files_and_bind_duplicates():
    fstypes = real_fstypes("nodev\tsysfs\nnodev\ttmpfs\n\text4\n\tsquashfs\n\tvfat\nnodev\toverlay\n")
    parts = [
        Part("/dev/sda2", "/var/lib/docker/volumes/x", "ext4", "rw"),
        Part("/dev/sda2", "/", "ext4", "rw"),
        Part("/dev/sda1", "/boot/efi", "vfat", "rw"),
        Part("tmpfs", "/run", "tmpfs", "rw"),
        Part("sysfs", "/sys", "sysfs", "rw"),
        Part("/dev/loop3", "/snap/core/123", "squashfs", "ro"),
        Part("/dev/sdb1", "/etc/hosts", "ext4", "rw"),
        Part("tank/home", "/home", "zfs", "rw"),
    ]
    mounts = select_mounts(parts, fstypes, is_dir=lambda path: path != "/etc/hosts")
    assert [(m.mount, m.device) for m in mounts] == [
        ("/", "/dev/sda2"),
        ("/boot/efi", "/dev/sda1"),
        ("/home", "tank/home"),
    ]


def test_overlay_is_kept_only_as_the_root_of_a_container():
    parts = [
        Part("overlay", "/", "overlay", "rw"),
        Part("overlay", "/var/lib/docker/overlay2/x", "overlay", ""),
    ]
    assert [m.mount for m in select_mounts(parts, frozenset({"ext4"}), is_dir=lambda _: True)] == ["/"]


@pytest.mark.parametrize(
    ("name", "whole", "expected"),
    [
        ("sda", frozenset({"sda", "loop0"}), True),
        ("sda1", frozenset({"sda", "loop0"}), False),
        ("nvme0n1", frozenset({"nvme0n1"}), True),
        ("nvme0n1p2", frozenset({"nvme0n1"}), False),
        ("loop0", frozenset({"sda", "loop0"}), False),
        ("dm-0", frozenset({"dm-0"}), False),
        ("zram0", frozenset({"zram0"}), False),
        ("vdb", None, True),
        ("vdb3", None, False),
        ("mmcblk0p1", None, False),
        ("mmcblk0", None, True),
    ],
)
def test_disk_io_keeps_whole_physical_disks(name, whole, expected):
    assert is_physical_disk(name, whole) is expected


def test_facts_describe_this_host():
    facts = collect_facts()
    assert facts.hostname == socket.gethostname()
    assert facts.kernel == os.uname().release and facts.arch == os.uname().machine
    assert facts.cpu_logical == os.cpu_count()
    assert 1 <= facts.cpu_physical <= facts.cpu_logical
    assert facts.memory_total == psutil.virtual_memory().total
    assert facts.agent_version == "0.1.0"
    assert facts.boot_time == pytest.approx(psutil.boot_time(), abs=2)
    assert facts.virtualization
    assert not any(a in ("127.0.0.1", "::1") for a in facts.addresses)
    if Path("/etc/machine-id").exists():
        assert facts.machine_id == Path("/etc/machine-id").read_text().strip()
    if Path("/etc/os-release").exists():
        assert facts.os and '"' not in facts.os


def make_root(tmp_path: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


FLAGS_VM = "processor\t: 0\nflags\t\t: fpu vme hypervisor lahf_lm\n"
FLAGS_METAL = "processor\t: 0\nflags\t\t: fpu vme lahf_lm\n"


@pytest.mark.parametrize(
    ("files", "cpuinfo", "expected"),
    [
        ({".dockerenv": ""}, FLAGS_VM, "docker"),
        ({"run/.containerenv": ""}, FLAGS_METAL, "podman"),
        ({"proc/1/environ": "PATH=/bin\0container=lxc\0"}, FLAGS_METAL, "lxc"),
        ({"proc/1/cgroup": "0::/lxc.payload.web/init.scope\n"}, FLAGS_METAL, "lxc"),
        (
            {"sys/class/dmi/id/sys_vendor": "QEMU\n", "sys/class/dmi/id/product_name": "Standard PC\n"},
            FLAGS_VM,
            "qemu",
        ),
        ({"sys/class/dmi/id/product_name": "KVM\n", "sys/class/dmi/id/sys_vendor": "QEMU"}, FLAGS_VM, "kvm"),
        ({"sys/class/dmi/id/sys_vendor": "VMware, Inc.\n"}, FLAGS_VM, "vmware"),
        ({"sys/class/dmi/id/sys_vendor": "Microsoft Corporation\n"}, FLAGS_VM, "hyperv"),
        ({"sys/hypervisor/type": "xen\n"}, FLAGS_METAL, "xen"),
        ({}, FLAGS_VM, "vm"),
        ({"sys/class/dmi/id/sys_vendor": "Dell Inc.\n"}, FLAGS_METAL, "none"),
    ],
)
def test_virtualization_is_detected_from_the_innermost_layer(tmp_path, files, cpuinfo, expected):
    assert detect_virtualization(cpuinfo, make_root(tmp_path, files)) == expected


def test_cpu_model_reads_x86_and_arm_cpuinfo():
    assert cpu_model("processor\t: 0\nmodel\t\t: 1\nmodel name\t: AMD EPYC 7B13\n") == "AMD EPYC 7B13"
    assert cpu_model("processor\t: 0\nHardware\t: BCM2835\nModel\t\t: Raspberry Pi 4 Model B\n") == "BCM2835"
    assert cpu_model("") == ""
