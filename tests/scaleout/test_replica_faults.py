"""Two hub replicas behind HAProxy (deploy/haproxy.cfg, run as it is) under faults (issue #15 item 4):
a replica SIGKILLed mid-ingest and mid-scan, PostgreSQL restarted, Redis restarted.

The replicas run on a PostgreSQL cluster and a Redis server of this module's own (the Debian
binaries, on loopback ports): restarting the machine's shared ones would break whatever else runs
against them meanwhile. Agents are real `everyst-agent` processes with their spools; what they
sent is read back from those spools and compared with the rows the hubs stored.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect

from tests.support.processes import AgentProcess, Hub, free_port, wait_until

pytestmark = pytest.mark.scaleout

REPO = Path(__file__).resolve().parents[2]
HAPROXY_CFG = REPO / "deploy" / "haproxy.cfg"
PG_BIN = next(iter(sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)), None)
STREAM_LINE = re.compile(r"agent stream (open|closed): host \S+ \(([0-9a-f-]+)\)")
INTERVAL = 0.25
ACK_DELAY = 5.0  # the hub's longest wait before it acks (ingest.servicer.ACK_DELAY)


def _missing() -> str | None:
    if shutil.which("haproxy") is None:
        return "haproxy is not installed (make system-deps installs it)"
    if PG_BIN is None or not (PG_BIN / "initdb").exists():
        return "PostgreSQL server binaries are not installed (/usr/lib/postgresql/*/bin)"
    if shutil.which("redis-server") is None:
        return "redis-server is not installed"
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        return "runuser is needed to run initdb as postgres"
    return None


class PostgresCluster:
    """A throwaway PostgreSQL cluster on a loopback port (trust auth, no fsync)."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="everyst-pg-"))
        self.port = free_port()
        self.data = self.dir / "data"
        if os.geteuid() == 0:  # initdb refuses root: the cluster belongs to postgres
            shutil.chown(self.dir, "postgres", "postgres")
        self._run(PG_BIN / "initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")
        self.start()

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/everyst"

    def _run(self, *args: object) -> None:
        command = [str(a) for a in args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=60, cwd=self.dir)

    def _ctl(self, action: str, *extra: str) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            PG_BIN / "pg_ctl", "-D", self.data, "-l", self.dir / "pg.log", "-o", options, "-w", action, *extra
        )

    def start(self) -> None:
        self._ctl("start")

    def stop(self) -> None:
        self._ctl("stop", "-m", "fast")

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def create_database(self) -> None:
        import psycopg

        with psycopg.connect(
            f"postgresql://postgres@127.0.0.1:{self.port}/postgres", autocommit=True
        ) as conn:
            conn.execute('CREATE DATABASE "everyst"')

    def destroy(self) -> None:
        if self.running():
            self._ctl("stop", "-m", "immediate")
        shutil.rmtree(self.dir, ignore_errors=True)


class RedisServer:
    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.start()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(lambda: _reachable(self.port), 10, f"redis on :{self.port}")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None


def _serves(port: int) -> bool:
    """Whether HTTP through the balancer reaches a replica (the path of its health check)."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/agents/ca.pem", timeout=2) as response:
            return response.status == 200
    except OSError:  # urllib's HTTPError (a 503) and URLError are OSErrors
        return False


def _reachable(port: int) -> bool:
    import socket

    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


@dataclass
class Cluster:
    pg: PostgresCluster
    redis: RedisServer
    hubs: list[Hub]
    lb: Hub  # the balancer's ports, for the clients' side of Hub (url, ws_url, login, get)
    haproxy: subprocess.Popen[bytes]

    @property
    def lb_grpc(self) -> str:
        return f"127.0.0.1:{self.lb.grpc_port}"

    def holder(self, host_id: str) -> Hub | None:
        """The replica whose log says it holds `host_id`'s stream now."""
        holders = [hub for hub in self.hubs if hub.process is not None and _holds(hub, host_id)]
        return holders[0] if len(holders) == 1 else None


def _holds(hub: Hub, host_id: str) -> bool:
    balance = 0
    for event, host in STREAM_LINE.findall(hub.log()):
        if host == host_id:
            balance += 1 if event == "open" else -1
    return balance > 0


@pytest.fixture(scope="module")
def services() -> Iterator[tuple[PostgresCluster, RedisServer]]:
    reason = _missing()
    if reason:
        pytest.skip(f"replica fault tests skipped: {reason}")
    pg = PostgresCluster()
    redis = None
    try:
        pg.create_database()
        redis = RedisServer()
        yield pg, redis
    finally:
        if redis is not None:
            redis.stop()
        pg.destroy()


@pytest.fixture(scope="module")
def replica_dirs(
    tmp_path_factory: pytest.TempPathFactory, services: tuple[PostgresCluster, RedisServer]
) -> list[Hub]:
    pg, redis = services
    shared = {"DATABASE_URL": pg.url, "REDIS_URL": redis.url}
    first = Hub(tmp_path_factory.mktemp("replica1"), extra_env=shared)
    first.setup()
    second_dir = tmp_path_factory.mktemp("replica2")
    # Replicas share the CA and keys so agents may reach any of them (as test_two_hubs does).
    for name in ("pki", "secret_key", "jwt_signing_key"):
        source, target = first.data_dir / name, second_dir / name
        if source.is_dir():
            shutil.copytree(source, target)
        else:
            target.write_bytes(source.read_bytes())
    return [first, Hub(second_dir, extra_env=shared)]


@pytest.fixture
def cluster(
    services: tuple[PostgresCluster, RedisServer], replica_dirs: list[Hub], tmp_path: Path
) -> Iterator[Cluster]:
    pg, redis = services
    first, second = replica_dirs
    lb = Hub(first.data_dir, http_port=free_port(), grpc_port=free_port(), extra_env=first.extra_env)
    env = {
        **os.environ,
        "EVERYST_LB_MAXCONN": "1000",
        "EVERYST_LB_GRPC": f"127.0.0.1:{lb.grpc_port}",
        "EVERYST_LB_HTTP": f"127.0.0.1:{lb.http_port}",
        "EVERYST_HUB1_GRPC": f"127.0.0.1:{first.grpc_port}",
        "EVERYST_HUB1_HTTP": f"127.0.0.1:{first.http_port}",
        "EVERYST_HUB2_GRPC": f"127.0.0.1:{second.grpc_port}",
        "EVERYST_HUB2_HTTP": f"127.0.0.1:{second.http_port}",
    }
    log = (tmp_path / "haproxy.log").open("ab")
    haproxy = subprocess.Popen(["haproxy", "-db", "-f", str(HAPROXY_CFG)], env=env, stdout=log, stderr=log)
    try:
        for hub in replica_dirs:
            hub.start(setup=False)
        wait_until(
            lambda: haproxy.poll() is None and _reachable(lb.http_port) and _reachable(lb.grpc_port),
            10,
            f"haproxy (log: {tmp_path / 'haproxy.log'})",
        )
        # HAProxy marked the replicas down while they started (fall 2 at 1 s) and takes two good
        # checks to mark them up again: until then it answers 503.
        wait_until(lambda: _serves(lb.http_port), 15, "haproxy routing to the replicas")
        yield Cluster(pg, redis, replica_dirs, lb, haproxy)
    finally:
        haproxy.terminate()
        haproxy.wait(10)
        for hub in replica_dirs:
            hub.stop()


def start_agents(cluster: Cluster, root: Path, hubs: list[str]) -> list[AgentProcess]:
    token = cluster.hubs[0].enrollment_token(uses=len(hubs))
    agents = []
    for index, hub in enumerate(hubs):
        agent = AgentProcess(
            root / f"agent{index}", cluster.hubs[0], token=token, interval=INTERVAL, extra={"hub": hub}
        )
        agents.append(agent.start())
    for agent in agents:
        path = agent.state_dir / "credentials.json"
        wait_until(path.exists, 30, f"{path}: enrollment")
    return agents


def spooled(agent: AgentProcess) -> tuple[set[int], set[int]]:
    """(timestamps of the samples the hub acknowledged, of those still waiting), from the spool."""
    with sqlite3.connect(agent.state_dir / "spool.sqlite") as db:
        acked_seq = db.execute("SELECT value FROM meta WHERE key = 'acked_seq'").fetchone()[0]
        rows = db.execute("SELECT seq, ts_ms FROM samples").fetchall()
        dropped = db.execute("SELECT value FROM meta WHERE key = 'dropped_total'").fetchone()[0]
    assert dropped == 0
    return {ts for seq, ts in rows if seq <= acked_seq}, {ts for seq, ts in rows if seq > acked_seq}


def stored(pg: PostgresCluster, host_id: str) -> list[int]:
    import psycopg

    with psycopg.connect(pg.url) as conn:
        rows = conn.execute(
            "SELECT ts FROM metrics_sample WHERE host_id::text = %s ORDER BY ts", (host_id,)
        ).fetchall()
    return [ts for (ts,) in rows]


def assert_nothing_lost_or_duplicated(cluster: Cluster, agents: list[AgentProcess], before_ms: int) -> None:
    """Every sample an agent collected is stored once or still in its spool for the next stream;
    everything the hubs acknowledged is stored; everything collected before `before_ms` (the
    fault) is stored and acknowledged by now, replayed where the fault lost it."""
    for agent in agents:
        host_id = agent.credentials()["host_id"]
        acked, waiting = spooled(agent)
        rows = stored(cluster.pg, host_id)
        assert len(rows) == len(set(rows))
        missing = acked - set(rows)
        assert not missing, (
            f"{host_id}: {len(missing)} acknowledged samples not stored: {sorted(missing)[:5]}"
        )
        extra = set(rows) - acked - waiting
        assert not extra, f"{host_id}: stored samples the agent never collected: {sorted(extra)[:5]}"
        early = {ts for ts in acked | waiting if ts < before_ms}
        assert len(early) > 8, f"{host_id}: only {len(early)} samples before the fault"
        assert early <= acked, (
            f"{host_id}: {len(early - acked)} samples from before the fault not acknowledged"
        )


def stop_all(agents: list[AgentProcess]) -> None:
    for agent in agents:
        agent.stop()


def test_a_replica_killed_mid_ingest_loses_and_duplicates_nothing(cluster: Cluster, tmp_path: Path) -> None:
    first, second = cluster.hubs
    both = f"127.0.0.1:{first.grpc_port},127.0.0.1:{second.grpc_port}"
    # Two agents through the balancer, two that know both replicas' addresses themselves (the
    # first one listed: replica 1).
    agents = start_agents(cluster, tmp_path, [cluster.lb_grpc, cluster.lb_grpc, both, both])
    try:
        hosts = [agent.credentials()["host_id"] for agent in agents]
        wait_until(lambda: all(cluster.holder(h) for h in hosts), 20, "every agent's stream")
        held = [cluster.holder(h) for h in hosts]
        assert held[2] is first and held[3] is first, "the direct agents start on their first address"
        # Where leastconn puts the balanced ones depends on the connections each replica has
        # (enrollment's included): kill replica 1 if it holds one of them too, so both kinds move,
        # else replica 2, which then holds both (the direct ones' move is tested without haproxy
        # in tests/agent/test_client_failover.py).
        victim = first if first in held[:2] else second
        survivor = second if victim is first else first
        moving = [h for h, hub in zip(hosts, held, strict=True) if hub is victim]
        assert any(held[i] is victim for i in (0, 1)) and moving
        time.sleep(3)  # ingest under way
        killed_at = time.time()
        victim.stop(signal.SIGKILL)
        moved = wait_until(
            lambda: all(cluster.holder(h) is survivor for h in hosts), 20, "agents on the other"
        )
        took = time.time() - killed_at
        time.sleep(ACK_DELAY + 1)  # the spools replay; acks come at most ACK_DELAY s after a sample
        stop_all(agents)
        assert_nothing_lost_or_duplicated(cluster, agents, round(killed_at * 1000))
        if victim is first:  # the direct ones logged the address they moved to
            for agent in agents[2:]:
                assert f"reconnecting to 127.0.0.1:{second.grpc_port}" in agent.log()
                assert f"connected to hub 127.0.0.1:{second.grpc_port}" in agent.log()
        assert moved and took < 10, f"agents took {took:.1f} s to reach the other replica"
    finally:
        stop_all(agents)


def start_ping(cluster: Cluster, host_id: str, token: str, count: int) -> str:
    job = cluster.lb.post(
        f"/api/v1/hosts/{host_id}/jobs",
        {"tool": "ping", "params": {"target": "127.0.0.1", "count": count, "interval": 0.5}},
        token,
    )
    return str(job["id"])


def job_when(
    cluster: Cluster, job_id: str, token: str, what: str, check: object, timeout: float = 20
) -> dict:
    def ready() -> dict | None:
        job = cluster.lb.get(f"/api/v1/jobs/{job_id}", token)
        return job if check(job) else None  # type: ignore[operator]

    return wait_until(ready, timeout, what, interval=0.3)


def test_a_replica_killed_mid_scan_leaves_the_job_to_finish_on_the_other(
    cluster: Cluster, tmp_path: Path
) -> None:
    first, second = cluster.hubs
    [agent] = start_agents(cluster, tmp_path, [f"127.0.0.1:{first.grpc_port},127.0.0.1:{second.grpc_port}"])
    try:
        host_id = agent.credentials()["host_id"]
        wait_until(lambda: cluster.holder(host_id) is first, 20, "the agent on replica 1")
        token = cluster.lb.login()
        job_id = start_ping(cluster, host_id, token, count=16)
        job_when(cluster, job_id, token, "the ping running", lambda j: j["status"] == "running")
        time.sleep(2)
        first.stop(signal.SIGKILL)
        wait_until(lambda: cluster.holder(host_id) is second, 20, "the agent on replica 2")
        job = job_when(
            cluster, job_id, token, "the ping to end", lambda j: j["status"] not in ("queued", "running")
        )
        # The ping went on on the agent while it moved; it said so in its Hello to replica 2
        # (running_jobs), so the job was not interrupted: it finished there, complete.
        assert job["status"] == "finished", job
        assert job["result"]["hosts"][0]["sent"] == 16 and job["result"]["hosts"][0]["received"] == 16, job
        # Rows are progress events, not acknowledged: one written to the dying replica in the
        # instant of its death may be lost, none is stored twice.
        seqs = [row["seq"] for row in job["rows"]]
        assert len(seqs) == len(set(seqs)) and len(seqs) >= 14, seqs
    finally:
        agent.stop()


def test_a_job_whose_replica_and_agent_both_die_ends_interrupted(cluster: Cluster, tmp_path: Path) -> None:
    first, second = cluster.hubs
    [agent] = start_agents(cluster, tmp_path, [f"127.0.0.1:{first.grpc_port},127.0.0.1:{second.grpc_port}"])
    try:
        host_id = agent.credentials()["host_id"]
        wait_until(lambda: cluster.holder(host_id) is first, 20, "the agent on replica 1")
        token = cluster.lb.login()
        job_id = start_ping(cluster, host_id, token, count=60)
        job_when(cluster, job_id, token, "the ping running", lambda j: j["status"] == "running")
        first.stop(signal.SIGKILL)
        agent.stop(signal.SIGKILL)
        agent.start()  # its new Hello, to replica 2, runs no job
        wait_until(lambda: cluster.holder(host_id) is second, 20, "the agent on replica 2")
        job = job_when(
            cluster, job_id, token, "the ping to end", lambda j: j["status"] != "running", timeout=10
        )
        assert job["status"] == "interrupted", job
        assert job["message"] == "interrupted: the agent restarted or lost the job", job
    finally:
        agent.stop()


def fresh_samples(ws: ClientConnection, hosts: set[str], after_ms: int, timeout: float) -> None:
    """Returns once the socket has carried a sample newer than `after_ms` of every host in `hosts`."""
    deadline = time.monotonic() + timeout
    waiting = set(hosts)
    while waiting:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"no fresh sample of {sorted(waiting)} within {timeout} s")
        frame = json.loads(ws.recv(timeout=left))
        if frame["type"] == "sample" and frame["sample"]["ts"] > after_ms:
            waiting.discard(frame["host"])


class FleetView:
    """What the dashboard does (frontend/src/lib/live.ts): one socket on the fleet topic through
    the balancer, opened again with backoff whenever the hub closes it."""

    def __init__(self, lb: Hub) -> None:
        self.lb = lb
        self.token = lb.login()
        self.ws: ClientConnection | None = None
        self.opened = 0

    def _open(self) -> ClientConnection:
        # connect() as a context manager (the only way websockets allows without a warning),
        # left open: close() below or the next reconnect closes it.
        ws = connect(self.lb.ws_url, origin=self.lb.url, open_timeout=5).__enter__()
        try:
            ws.send(json.dumps({"type": "auth", "token": self.token}))
            assert json.loads(ws.recv(timeout=5))["type"] == "auth.ok"
            ws.send(json.dumps({"type": "subscribe", "topic": "fleet"}))
        except BaseException:
            ws.close()
            raise
        self.opened += 1
        return ws

    def back(self, hosts: set[str], after_ms: int, timeout: float) -> float:
        """Seconds until every host's samples newer than `after_ms` have arrived."""
        started = time.monotonic()
        delay = 0.25
        while True:
            left = timeout - (time.monotonic() - started)
            if left <= 0:
                raise TimeoutError(
                    f"the fleet view did not come back within {timeout} s ({self.opened} sockets)"
                )
            try:
                if self.ws is None:
                    self.ws = self._open()
                fresh_samples(self.ws, hosts, after_ms, left)
                return time.monotonic() - started
            except (ConnectionClosed, OSError, InvalidStatus, AssertionError):
                if self.ws is not None:
                    self.ws.close()
                    self.ws = None
                time.sleep(delay)
                delay = min(delay * 2, 2.0)

    def close(self) -> None:
        if self.ws is not None:
            self.ws.close()


def test_the_fleet_recovers_by_itself_from_a_postgresql_then_a_redis_restart(
    cluster: Cluster, tmp_path: Path
) -> None:
    agents = start_agents(cluster, tmp_path, [cluster.lb_grpc, cluster.lb_grpc])
    try:
        hosts = {agent.credentials()["host_id"] for agent in agents}
        wait_until(lambda: all(cluster.holder(h) for h in hosts), 20, "every agent's stream")
        view = FleetView(cluster.lb)
        try:
            view.back(hosts, 0, timeout=15)
            try:
                cluster.pg.stop()
                time.sleep(3)  # agents spool what the hubs cannot store
            finally:
                cluster.pg.start()
            took = view.back(hosts, int(time.time() * 1000), timeout=15)
            print(f"fleet view back {took:.1f} s after PostgreSQL; sockets opened: {view.opened}")
            assert all(hub.process is not None and hub.process.poll() is None for hub in cluster.hubs)
            try:
                cluster.redis.stop()
                time.sleep(3)
            finally:
                cluster.redis.start()
            back = int(time.time() * 1000)
            took = view.back(hosts, back, timeout=15)
            print(f"fleet view back {took:.1f} s after Redis; sockets opened: {view.opened}")
            assert all(hub.process is not None and hub.process.poll() is None for hub in cluster.hubs)
        finally:
            view.close()
        # Commands cross replicas through Redis: each host's stream is in its agent group again.
        token = cluster.lb.login()
        jobs = [start_ping(cluster, host_id, token, count=2) for host_id in sorted(hosts)]
        for job_id in jobs:
            job = job_when(
                cluster, job_id, token, "a ping after the restarts", lambda j: j["status"] == "finished"
            )
            assert job["result"]["hosts"][0]["received"] == 2, job
        time.sleep(ACK_DELAY + 1)
        stop_all(agents)
        assert_nothing_lost_or_duplicated(cluster, agents, back - 1000)
        # The hubs refused streams while PostgreSQL or Redis was away with UNAVAILABLE, not with
        # an unexpected error (whose message carried the database's address to the agents).
        for agent in agents:
            assert "UNKNOWN" not in agent.log() and "INTERNAL" not in agent.log(), agent.log()[-3000:]
        for hub in cluster.hubs:
            assert "raised by servicer method" not in hub.log()
            assert "everyst_hub.ingest.servicer: Connect from" not in hub.log()
    finally:
        stop_all(agents)
