"""`everyst-hub serve --workers 2` on PostgreSQL + Redis: one HTTP port and one gRPC port shared
by two worker processes under a supervisor (issue #15 item 3)."""

from __future__ import annotations

import json
import math
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from tests.bench.sim import Fleet
from tests.support.live import live_socket
from tests.support.processes import VENV_BIN, AgentProcess, Hub, wait_until
from tests.support.scaleout import fresh_database, redis_database

pytestmark = pytest.mark.scaleout

AGENTS = 40
# Seconds the simulated agents stream: each host is seen live within the first one or two, and
# every sample of the 200 or so is checked stored once (10 s only checked more of the same).
HOLD_SECONDS = 5
STREAM_LINE = re.compile(
    r"\[worker (\d+)\] everyst_hub\.ingest\.servicer: agent stream (open|closed): host \S+ \(([0-9a-f-]+)\)"
)


@pytest.fixture(scope="module")
def database_url() -> Iterator[str]:
    redis_database(6)  # skips, saying so, when Redis is not running
    with fresh_database("everyst_workers") as url:
        yield url


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory, database_url: str) -> Iterator[Hub]:
    shared = {"DATABASE_URL": database_url, "REDIS_URL": "redis://127.0.0.1:6379/6"}
    hub = Hub(tmp_path_factory.mktemp("hub"), extra_env=shared).start("--workers", "2")
    wait_until(lambda: "Everyst hub ready" in hub.log(), 60, f"both workers (log: {hub.log_path})")
    yield hub
    hub.stop()


def workers(hub: Hub) -> dict[int, int]:
    """Worker index -> pid, from the supervisor's children."""
    assert hub.process is not None
    found = {}
    for child in psutil.Process(hub.process.pid).children():
        try:
            command = child.cmdline()
        except psutil.ZombieProcess:  # a dead worker the supervisor has not reaped yet
            continue
        if "--worker-index" in command:
            found[int(command[command.index("--worker-index") + 1])] = child.pid
    return found


def agent_streams(pid: int, grpc_port: int) -> set[int]:
    """The remote ports of the agent connections a process holds, as the kernel sees them."""
    return {
        c.raddr.port
        for c in psutil.Process(pid).net_connections("tcp")
        if c.laddr.port == grpc_port and c.status == psutil.CONN_ESTABLISHED and c.raddr
    }


def streams_held(hub: Hub, pids: dict[int, int], expected: int) -> dict[int, int] | None:
    """Agent streams per worker once they add up to `expected`."""
    held = {index: len(agent_streams(pid, hub.grpc_port)) for index, pid in pids.items()}
    return held if sum(held.values()) == expected else None


def streams_logged(hub: Hub, hosts: set[str], since: int = 0) -> dict[int, set[str]] | None:
    """Which of `hosts` each worker holds a stream of, by its log lines after offset `since`,
    once every one is held somewhere."""
    balance: dict[tuple[int, str], int] = {}
    for index, event, host in STREAM_LINE.findall(hub.log()[since:]):
        key = (int(index), host)
        balance[key] = balance.get(key, 0) + (1 if event == "open" else -1)
    held: dict[int, set[str]] = {}
    for (index, host), count in balance.items():
        if count > 0 and host in hosts:
            held.setdefault(index, set()).add(host)
    return held if hosts <= set().union(*held.values()) else None


def stored(database_url: str, host_ids: list[str], since_ms: int) -> dict[str, list[int]]:
    import psycopg

    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT host_id::text, ts FROM metrics_sample WHERE host_id::text = ANY(%s) AND ts >= %s "
            "ORDER BY ts",
            (host_ids, since_ms),
        ).fetchall()
    out: dict[str, list[int]] = {h: [] for h in host_ids}
    for host, ts in rows:
        out[host].append(ts)
    return out


def test_agents_spread_over_both_workers_and_a_socket_on_either_sees_them_all(
    hub: Hub, database_url: str
) -> None:
    pids = workers(hub)
    assert sorted(pids) == [1, 2], pids
    fleet = Fleet(hub, workers=2)
    try:
        fleet.enroll(AGENTS)
        hosts = {c["host_id"] for c in fleet.creds}
        hold_start = math.ceil(time.time() + 4)
        futures = fleet.stream(AGENTS, hold_start, hold_start + HOLD_SECONDS, drain=10, spread=None)
        # Both workers hold streams: the kernel's SO_REUSEPORT hashing gave each a share.
        held = wait_until(lambda: streams_held(hub, pids, AGENTS), 20, "every simulated agent's stream")
        assert all(held.values()), f"streams per worker {held}: one worker got none"
        # REST login and a live socket through the shared HTTP port: whichever worker serves it,
        # samples of agents on the other one reach it through Redis.
        seen: set[str] = set()
        with live_socket(hub) as ws:
            ws.send(json.dumps({"type": "subscribe", "topic": "fleet"}))
            deadline = time.monotonic() + 15
            while seen != hosts and time.monotonic() < deadline:
                frame = json.loads(ws.recv(timeout=max(0.01, deadline - time.monotonic())))
                if frame["type"] == "sample":
                    seen.add(frame["host"])
        assert seen == hosts, f"live samples of {len(seen)} of {len(hosts)} hosts"
        result = fleet.results(futures, timeout=60)
    finally:
        fleet.close()
    assert result["errors"] == 0, result["error_examples"]
    assert result["sent"] >= AGENTS * (HOLD_SECONDS - 1) and result["acked"] == result["sent"], result
    # Every sample sent is stored, once ((host, ts) is the key, and one row per sample sent).
    rows = stored(database_url, sorted(hosts), hold_start * 1000)
    assert sum(len(ts) for ts in rows.values()) == result["sent"]
    listed = hub.get("/api/v1/hosts", hub.login())
    assert {h["id"] for h in listed} >= hosts
    # And from each worker's own side: its log has streams opened there.
    for index in pids:
        assert f"[worker {index}] everyst_hub.ingest.servicer: agent stream open" in hub.log(), index


def test_a_killed_worker_is_restarted_and_its_agents_come_back_without_losing_a_sample(
    hub: Hub, database_url: str, tmp_path: Path
) -> None:
    token = hub.enrollment_token(uses=6)
    agents = [AgentProcess(tmp_path / f"agent{i}", hub, token=token).start() for i in range(6)]
    try:
        wait_until(
            lambda: all(a.config_path.with_name("credentials.json").exists() for a in agents),
            30,
            "enrollment",
        )
        hosts = [a.credentials()["host_id"] for a in agents]
        pids = workers(hub)
        held = wait_until(lambda: streams_logged(hub, set(hosts)), 30, "every agent's stream")
        victim = max(held, key=lambda i: len(held[i]))
        since_ms = int(time.time() * 1000)
        time.sleep(2)
        killed_at = len(hub.log())
        psutil.Process(pids[victim]).send_signal(signal.SIGKILL)
        wait_until(lambda: workers(hub).get(victim) not in (None, pids[victim]), 20, "a new worker")
        wait_until(lambda: hub.log().count(f"worker {victim} ready") == 2, 60, "the new worker ready")
        # The dead worker's agents stream again, to either worker.
        wait_until(lambda: streams_logged(hub, held[victim], since=killed_at), 30, "the agents back")
        until_ms = int(time.time() * 1000)

        def no_gap() -> bool:
            """Each host has one sample per second across the kill: the agent's spool kept what
            the dead worker had not stored, and sent it again."""
            for stamps in stored(database_url, hosts, since_ms).values():
                within = [ts for ts in stamps if ts < until_ms]
                gaps = [b - a for a, b in zip(within, within[1:], strict=False)]
                if not within or max(gaps, default=0) > 1600 or until_ms - within[-1] > 1600:
                    return False
                if within[0] - since_ms > 1600:
                    return False
            return True

        wait_until(no_gap, 30, "every host's samples across the kill")
    finally:
        for agent in agents:
            agent.stop()
    assert f"worker {victim} exited with signal SIGKILL" in hub.log()


def test_sigterm_to_the_supervisor_stops_every_worker_cleanly(hub: Hub) -> None:
    pids = list(workers(hub).values())
    assert hub.stop(signal.SIGTERM) == 0
    assert not [pid for pid in pids if psutil.pid_exists(pid) and psutil.Process(pid).status() != "zombie"]
    assert "Traceback" not in hub.log(), hub.log()[-3000:]


def test_workers_on_sqlite_are_refused_with_one_line(tmp_path: Path) -> None:
    hub = Hub(tmp_path / "hub")
    result = subprocess.run(
        [str(VENV_BIN / "everyst-hub"), "serve", "--workers", "2"],
        env=hub.env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "everyst-hub: configuration error: --workers 2 needs PostgreSQL (DATABASE_URL=postgres://…) and "
        "Redis (REDIS_URL=redis://…): SQLite is the one-process default, run it without --workers."
    ]
