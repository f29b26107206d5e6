"""Work done once across two real hub replicas on PostgreSQL + Redis (issue #15 item 6): a
bucket whose samples reached both replicas is written once, expiry and the scan schedules are
run by one replica at a time, and the other takes over when that one is killed."""

from __future__ import annotations

import asyncio
import shutil
import signal
import time
from collections.abc import Iterator
from typing import Any

import grpc
import pytest
from everyst.agent.v1 import agent_pb2, agent_pb2_grpc
from everyst_hub.core.leader import lock_key

from tests.support.processes import Hub, wait_until
from tests.support.scaleout import fresh_database, redis_database

pytestmark = pytest.mark.scaleout

RAW_TIER, RAW_STEP_MS, CLOSE_GRACE_MS = 1, 15_000, 5_000
# The least of a bucket left when the hand-driven agent starts storing its samples in it.
OPEN_ROOM_MS = 6_000


@pytest.fixture(scope="module")
def database_url() -> Iterator[str]:
    redis_database(7)  # skips, saying so, when Redis is not running
    with fresh_database("everyst_once") as url:
        yield url


@pytest.fixture(scope="module")
def hubs(tmp_path_factory: pytest.TempPathFactory, database_url: str) -> Iterator[list[Hub]]:
    shared = {
        "DATABASE_URL": database_url,
        "REDIS_URL": "redis://127.0.0.1:6379/7",
        "EVERYST_METRICS_COMPACT_SECONDS": "1",
        "EVERYST_METRICS_EXPIRE_SECONDS": "1",
    }
    first = Hub(tmp_path_factory.mktemp("hub1"), extra_env=shared).start()
    second_dir = tmp_path_factory.mktemp("hub2")
    for name in ("pki", "secret_key", "jwt_signing_key"):
        source, target = first.data_dir / name, second_dir / name
        if source.is_dir():
            shutil.copytree(source, target)
        else:
            target.write_bytes(source.read_bytes())
    second = Hub(second_dir, extra_env=shared).start(setup=False)
    yield [first, second]
    for hub in (first, second):
        hub.stop()


def sql(database_url: str, query: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as conn:
        cursor = conn.execute(query, params)
        return cursor.fetchall() if cursor.description else []


def holders(database_url: str, task: str) -> list[str]:
    """application_name of the sessions holding a task's advisory lock ('everyst-hub <pid> <task>')."""
    key = lock_key(task) & 0xFFFF_FFFF_FFFF_FFFF
    rows = sql(
        database_url,
        "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
        "WHERE l.locktype = 'advisory' AND l.granted AND l.classid = %s AND l.objid = %s AND l.objsubid = 1",
        (key >> 32, key & 0xFFFF_FFFF),
    )
    return [row[0] for row in rows]


def hub_pid(hub: Hub) -> int:
    assert hub.process is not None
    return hub.process.pid


# ---------------------------------------------------------------------------- a hand-driven agent


async def enroll(hub: Hub) -> agent_pb2.EnrollResponse:
    facts = agent_pb2.HostFacts(hostname="moving-host", machine_id="m" * 32, os="TestOS", cpu_logical=2)
    creds = grpc.ssl_channel_credentials(root_certificates=hub.ca_file.read_bytes())
    async with grpc.aio.secure_channel(f"127.0.0.1:{hub.grpc_port}", creds) as channel:
        return await agent_pb2_grpc.AgentServiceStub(channel).Enroll(
            agent_pb2.EnrollRequest(token=hub.enrollment_token(), facts=facts), timeout=30
        )


async def stream_samples(
    hub: Hub, agent: agent_pb2.EnrollResponse, first_seq: int, stamps: list[int]
) -> None:
    """One stream to `hub`: Hello, then one sample per timestamp; returns once all are acked."""
    creds = grpc.ssl_channel_credentials(root_certificates=hub.ca_file.read_bytes())
    async with grpc.aio.secure_channel(f"127.0.0.1:{hub.grpc_port}", creds) as channel:
        call = agent_pb2_grpc.AgentServiceStub(channel).Connect(
            metadata=(("x-everyst-agent-id", agent.agent_id), ("x-everyst-agent-secret", agent.secret))
        )
        facts = agent_pb2.HostFacts(hostname="moving-host", machine_id="m" * 32, os="TestOS", cpu_logical=2)
        await call.write(agent_pb2.AgentMessage(hello=agent_pb2.Hello(facts=facts, collect_interval_ms=1000)))
        welcome = await asyncio.wait_for(call.read(), 10)
        assert welcome.WhichOneof("body") == "welcome", welcome
        last = first_seq + len(stamps) - 1
        for seq, ts in enumerate(stamps, start=first_seq):
            s = agent_pb2.Sample(ts_ms=ts)
            s.cpu.percent = float(seq)
            await call.write(agent_pb2.AgentMessage(metrics=agent_pb2.MetricBatch(seq=seq, samples=[s])))
        while True:
            message = await asyncio.wait_for(call.read(), 10)
            if message.WhichOneof("body") == "ack" and message.ack.seq >= last:
                break
        call.cancel()


# ---------------------------------------------------------------------------- tests


def test_a_bucket_whose_samples_reached_both_replicas_is_written_once(
    hubs: list[Hub], database_url: str
) -> None:
    first, second = hubs
    # Every write of a rollup row, as the database sees it.
    sql(
        database_url,
        "CREATE TABLE rollup_writes AS SELECT host_id, tier, ts, n FROM metrics_rollup WITH NO DATA;"
        "CREATE FUNCTION count_rollup_write() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "INSERT INTO rollup_writes VALUES (NEW.host_id, NEW.tier, NEW.ts, NEW.n); RETURN NULL; END $$;"
        "CREATE TRIGGER rollup_writes AFTER INSERT OR UPDATE ON metrics_rollup "
        "FOR EACH ROW EXECUTE FUNCTION count_rollup_write();",
    )
    agent = asyncio.run(enroll(first))
    # Early enough in a bucket that both halves are stored before it closes: the two streams take
    # about a second, OPEN_ROOM_MS leaves them several (the assert below says if they took longer).
    # Any such moment will do: waiting for the bucket's very start only lengthens the wait for
    # its close.
    wait_until(
        lambda: 500 <= time.time() * 1000 % RAW_STEP_MS <= RAW_STEP_MS - OPEN_ROOM_MS,
        RAW_STEP_MS / 1000 + 1,
        "a bucket with room left",
    )
    start = int(time.time() * 1000) // RAW_STEP_MS * RAW_STEP_MS
    stamps = [start + i * 30 for i in range(15)]
    asyncio.run(stream_samples(first, agent, 1, stamps[:7]))
    asyncio.run(stream_samples(second, agent, 8, stamps[7:]))  # the agent moved to the other replica
    assert time.time() * 1000 < start + RAW_STEP_MS, "both halves must be stored while the bucket is open"

    def rolled() -> list[tuple[Any, ...]]:
        return sql(
            database_url,
            "SELECT n FROM metrics_rollup WHERE host_id = %s AND tier = %s AND ts = %s",
            (agent.host_id, RAW_TIER, start),
        )

    wait_until(
        rolled, (start + RAW_STEP_MS + CLOSE_GRACE_MS) / 1000 - time.time() + 15, "the bucket's rollup"
    )
    time.sleep(4)  # several more rounds of both replicas' compactors (every second)
    assert rolled() == [(15,)]
    writes = sql(
        database_url,
        "SELECT n FROM rollup_writes WHERE host_id = %s AND tier = %s AND ts = %s",
        (agent.host_id, RAW_TIER, start),
    )
    assert writes == [(15,)]


def test_one_replica_runs_expiry_and_the_scan_schedules(hubs: list[Hub], database_url: str) -> None:
    pids = {hub_pid(hub) for hub in hubs}
    for task, within in (("metrics-expiry", 15), ("scan-schedules", 45)):
        found = wait_until(lambda task=task: holders(database_url, task), within, f"a replica doing {task}")  # type: ignore[misc]
        time.sleep(2)  # the other replica has asked by now too
        found = holders(database_url, task)
        assert len(found) == 1, found
        assert int(found[0].split()[1]) in pids, found


def test_when_the_replica_doing_expiry_is_killed_the_other_takes_it_over(
    hubs: list[Hub], database_url: str
) -> None:
    (holder,) = wait_until(lambda: holders(database_url, "metrics-expiry"), 15, "the expiry replica")
    doing = next(hub for hub in hubs if hub_pid(hub) == int(holder.split()[1]))
    other = next(hub for hub in hubs if hub is not doing)
    other_pid = hub_pid(other)
    doing.stop(signal.SIGKILL)
    taken = wait_until(
        lambda: [h for h in holders(database_url, "metrics-expiry") if int(h.split()[1]) == other_pid],
        15,
        "the surviving replica to take expiry over",
    )
    assert len(taken) == 1
