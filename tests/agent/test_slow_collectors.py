"""Processes, listening sockets, users and failed units: their cadence, their values on this machine,
and the `unavailable` marking when a source refuses."""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path

import psutil
import pytest
from everyst.agent.v1 import agent_pb2
from everyst_agent.collectors import Sampler
from everyst_agent.collectors import listening as listening_module
from everyst_agent.collectors import processes as processes_module
from everyst_agent.collectors.listening import ListeningCollector
from everyst_agent.collectors.processes import ProcessCollector, parse_pid_stat, rank
from everyst_agent.collectors.systemd import SystemdCollector, parse_failed_units
from everyst_agent.collectors.users import UsersCollector


def burn(seconds: float) -> None:
    deadline = time.process_time() + seconds
    while time.process_time() < deadline:
        pass


def fill(collector: object, ts_ms: int) -> agent_pb2.Sample:
    sample = agent_pb2.Sample(ts_ms=ts_ms)
    collector.fill(sample)  # type: ignore[attr-defined]
    return sample


# ---------------------------------------------------------------------------- processes


def test_top_processes_by_cpu_include_this_test_while_it_burns_cpu():
    collector = ProcessCollector(interval=5)
    burn(0.6)
    s = fill(collector, 5_000)
    by_pid = {p.pid: p for p in s.processes.by_cpu}
    assert os.getpid() in by_pid, [(p.pid, p.name, p.cpu_percent) for p in s.processes.by_cpu]
    me = by_pid[os.getpid()]
    assert me.cpu_percent >= 20
    assert me.name == psutil.Process().name()
    assert me.username == psutil.Process().username()
    # However pytest was started (python -m pytest, .venv/bin/pytest, a relative path): python.
    assert me.cmdline.split(" ")[0].rsplit("/", 1)[-1].startswith("python")
    assert len(me.cmdline) <= 200
    assert me.status == "running"
    assert me.memory_rss == pytest.approx(psutil.Process().memory_info().rss, rel=0.2)


def test_top_processes_by_memory_are_the_largest_rss_sorted_and_at_most_ten():
    s = fill(ProcessCollector(interval=5), 0)
    by_memory = list(s.processes.by_memory)
    assert 0 < len(by_memory) <= 10 and len(s.processes.by_cpu) <= 10
    rss = [p.memory_rss for p in by_memory]
    assert rss == sorted(rss, reverse=True)
    total = psutil.virtual_memory().total
    assert by_memory[0].memory_percent == pytest.approx(100 * rss[0] / total, abs=0.05)
    biggest = max(psutil.process_iter(["memory_info"]), key=lambda p: p.info["memory_info"].rss)
    assert by_memory[0].memory_rss == pytest.approx(biggest.info["memory_info"].rss, rel=0.1)


def test_processes_come_on_their_own_cadence_and_the_ticks_between_carry_none():
    collector = ProcessCollector(interval=5)
    carried = [fill(collector, ts).HasField("processes") for ts in (10_000, 11_000, 14_999, 15_000, 16_000)]
    assert carried == [True, False, False, True, False]
    assert not fill(ProcessCollector(interval=0), 0).HasField("processes")


def test_a_recycled_pid_does_not_inherit_the_cpu_time_of_the_process_before_it():
    prev = {7: (100, 5000, 10, b"S"), 8: (100, 10, 10, b"S")}
    cur = {7: (900, 30, 10, b"R"), 8: (100, 50, 20, b"S")}
    by_cpu, by_memory = rank(prev, cur)
    assert by_cpu == [(8, 40), (7, 30)]
    assert by_memory == [8, 7]


def test_pid_stat_parsing_survives_spaces_and_parentheses_in_the_name():
    fields = " ".join(str(n) for n in range(3, 53))
    data = f"42 (a b) (c)) {fields}".encode()
    # starttime is field 22, utime 14 + stime 15, rss 24
    assert parse_pid_stat(data) == (22, 14 + 15, 24, b"3")


# ---------------------------------------------------------------------------- listening


def test_listening_sockets_include_the_tcp_and_udp_sockets_this_test_opens():
    with (
        socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server,
        socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp,
        socket.socket(socket.AF_INET, socket.SOCK_STREAM) as client,
    ):
        server.bind(("127.0.0.1", 0))
        server.listen()
        udp.bind(("127.0.0.1", 0))
        client.connect(server.getsockname())
        accepted, _ = server.accept()
        ports = server.getsockname()[1], udp.getsockname()[1], client.getsockname()[1]
        with accepted:
            s = fill(ListeningCollector(interval=30), 0)
    rows = {(x.protocol, x.address, x.port): x for x in s.listening.sockets}
    tcp = rows[("tcp", "127.0.0.1", ports[0])]
    udp_row = rows[("udp", "127.0.0.1", ports[1])]
    for row in (tcp, udp_row):
        assert row.pid == os.getpid()
        assert row.process == psutil.Process().name()
    # Neither the connected client nor the accepted connection is listening.
    assert ("tcp", "127.0.0.1", ports[2]) not in rows
    assert "listening" not in s.unavailable


def test_listening_sockets_come_only_on_the_slow_cadence():
    collector = ListeningCollector(interval=30)
    assert [fill(collector, ts).HasField("listening") for ts in (0, 1000, 29_999, 30_000)] == [
        True,
        False,
        False,
        True,
    ]


# ---------------------------------------------------------------------------- users


def test_logged_in_users_match_utmp_on_the_slow_cadence():
    collector = UsersCollector(interval=30)
    s = fill(collector, 0)
    assert s.HasField("users")
    assert [(u.name, u.terminal) for u in s.users.sessions] == [
        (u.name, u.terminal or "") for u in psutil.users()
    ]
    assert not fill(collector, 1000).HasField("users")


# ---------------------------------------------------------------------------- systemd


def fake_systemctl(tmp_path: Path, script: str) -> str:
    path = tmp_path / "systemctl"
    path.write_text("#!/bin/sh\n" + script)
    path.chmod(0o755)
    return str(path)


def wait_for_units(collector: SystemdCollector, start_ts: int = 1000) -> agent_pb2.Sample:
    deadline = time.monotonic() + 5
    ts = start_ts
    while time.monotonic() < deadline:
        s = fill(collector, ts)
        if s.HasField("failed_units") or (collector._child is None and collector.failures.failing):
            return s
        ts += 1000
        time.sleep(0.05)
    raise AssertionError("systemctl was never collected")


FAILED_OUTPUT = (
    "nginx.service      loaded    failed failed A high performance web server\n"
    "● backup.timer     not-found failed failed backup.timer\n"
)


def test_failed_units_are_read_from_systemctl_without_blocking_the_tick(tmp_path):
    systemctl = fake_systemctl(tmp_path, f"sleep 0.2\nprintf '{FAILED_OUTPUT}'\n")
    collector = SystemdCollector(interval=30, run_dir=tmp_path, systemctl=systemctl)
    started = time.monotonic()
    first = fill(collector, 0)
    # The tick that starts systemctl does not wait for it.
    assert time.monotonic() - started < 0.15
    assert not first.HasField("failed_units")
    s = wait_for_units(collector)
    assert [(u.name, u.load, u.active, u.sub, u.description) for u in s.failed_units.units] == [
        ("nginx.service", "loaded", "failed", "failed", "A high performance web server"),
        ("backup.timer", "not-found", "failed", "failed", "backup.timer"),
    ]
    assert not collector.failures.failing


def test_no_failed_units_is_an_empty_list_not_unavailable(tmp_path):
    collector = SystemdCollector(
        interval=30, run_dir=tmp_path, systemctl=fake_systemctl(tmp_path, "exit 0\n")
    )
    fill(collector, 0)
    s = wait_for_units(collector)
    assert s.HasField("failed_units") and not s.failed_units.units
    assert not collector.failures.failing


def test_systemd_is_unavailable_where_it_is_not_pid_1(tmp_path):
    collector = SystemdCollector(interval=30, run_dir=tmp_path / "missing", systemctl="/bin/false")
    s = fill(collector, 0)
    assert not s.HasField("failed_units")
    assert collector.failures.failing


def test_a_hanging_systemctl_is_killed_and_systemd_marked_unavailable(tmp_path):
    systemctl = fake_systemctl(tmp_path, "sleep 30\n")
    collector = SystemdCollector(interval=30, run_dir=tmp_path, systemctl=systemctl, timeout=0.2)
    fill(collector, 0)
    child = collector._child
    assert child is not None
    time.sleep(0.3)
    s = fill(collector, 1000)
    assert not s.HasField("failed_units")
    assert collector.failures.failing
    assert child.returncode is not None


def test_failed_unit_lines_parse_with_or_without_a_bullet():
    assert parse_failed_units(
        "● a.service loaded failed failed Thing A\nb.mount loaded failed failed\n\n"
    ) == [
        ("a.service", "loaded", "failed", "failed", "Thing A"),
        ("b.mount", "loaded", "failed", "failed", ""),
    ]


# ---------------------------------------------------------------------------- availability


def test_families_whose_source_is_denied_are_marked_unavailable_and_recover(monkeypatch):
    sampler = Sampler(process_interval=1, slow_interval=1)

    def denied(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied", "/proc")

    with monkeypatch.context() as patch:
        patch.setattr(processes_module, "scan", denied)
        patch.setattr(psutil, "sensors_temperatures", denied)
        patch.setattr(listening_module, "listening_in_tables", denied)
        patch.setattr(psutil, "users", denied)
        s = sampler.sample(ts_ms=1_000)
        assert {"processes", "sensors", "listening", "users"} <= set(s.unavailable)
        assert not s.HasField("processes") and not s.HasField("listening") and not s.HasField("users")
        assert not s.temperatures
        # The other families are still there.
        assert s.memory.total and s.disks and s.cpu.per_core
        # Unavailability is stated on every sample, also between the slow rounds.
        assert {"processes", "listening", "users"} <= set(sampler.sample(ts_ms=1_500).unavailable)
    recovered = sampler.sample(ts_ms=2_000)
    assert not {"processes", "listening", "users", "cpu", "memory"} & set(recovered.unavailable)
    assert recovered.HasField("processes") and recovered.HasField("listening")


def test_a_host_without_sensors_sends_none_and_is_not_unavailable(monkeypatch):
    monkeypatch.setattr(psutil, "sensors_temperatures", lambda: {})
    monkeypatch.setattr(psutil, "sensors_fans", lambda: {})
    s = Sampler(process_interval=0, slow_interval=0).sample()
    assert not s.temperatures and not s.fans
    assert "sensors" not in s.unavailable


def test_sensors_are_reported_per_chip_with_unknown_thresholds_as_0(monkeypatch):
    from collections import namedtuple

    Temp = namedtuple("Temp", "label current high critical")
    Fan = namedtuple("Fan", "label current")
    monkeypatch.setattr(
        psutil,
        "sensors_temperatures",
        lambda: {"coretemp": [Temp("Package id 0", 48.0, 80.0, 100.0), Temp("", 45.5, None, None)]},
    )
    monkeypatch.setattr(psutil, "sensors_fans", lambda: {"thinkpad": [Fan("", 2100)]})
    s = Sampler(process_interval=0, slow_interval=0).sample()
    assert [(t.chip, t.label, t.current, t.high, t.critical) for t in s.temperatures] == [
        ("coretemp", "Package id 0", 48.0, 80.0, 100.0),
        ("coretemp", "", 45.5, 0.0, 0.0),
    ]
    assert [(f.chip, f.label, f.rpm) for f in s.fans] == [("thinkpad", "", 2100.0)]
