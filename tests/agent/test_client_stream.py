"""The agent's stream against a real grpc.aio server playing the hub (plaintext, on 127.0.0.1)."""

from __future__ import annotations

import asyncio
import random
import socket
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import grpc
import pytest
from everyst.agent.v1 import agent_pb2
from everyst_agent import enrollment, run_loop
from everyst_agent.credentials import load_credentials
from everyst_agent.errors import EnrollError
from everyst_agent.run_loop import Agent, tick_phase_ms
from everyst_agent.spool import Spool
from everyst_agent.transport import Backoff

from tests.agent.conftest import CREDENTIALS, FakeHub, make_config, start_server, wait_for


def quick_backoff() -> Backoff:
    return Backoff(base=0.05, cap=0.2)


class RunningAgent:
    def __init__(self, agent: Agent, task: asyncio.Task[None], stop: asyncio.Event) -> None:
        self.agent, self.task, self.stop = agent, task, stop

    @property
    def spool(self) -> Spool:
        return self.agent.spool


@pytest.fixture
async def start_agent(tmp_path: Path) -> AsyncIterator[Any]:
    started: list[RunningAgent] = []
    spools: list[Spool] = []

    def start(port: int, prespool: int = 0, **overrides: Any) -> RunningAgent:
        config = make_config(tmp_path, port, **overrides)
        spool = Spool(config.spool_path, config.spool_max_samples)
        spools.append(spool)
        for ts in range(1, prespool + 1):
            spool.append(agent_pb2.Sample(ts_ms=ts))
        agent = Agent(config, CREDENTIALS, spool)
        agent.backoff = quick_backoff()
        stop = asyncio.Event()
        running = RunningAgent(agent, asyncio.create_task(agent.run_until(stop)), stop)
        started.append(running)
        return running

    yield start
    for running in started:
        running.stop.set()
        await asyncio.wait_for(running.task, 5)
    for spool in spools:
        spool.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_agent_says_hello_first_with_its_credentials_facts_and_interval(fake_hub, start_agent):
    hub, port = fake_hub
    start_agent(port)
    await wait_for(lambda: hub.streams and len(hub.last.messages) >= 3, what="hello and two batches")
    stream = hub.last
    assert stream.messages[0].WhichOneof("body") == "hello"
    hello = stream.messages[0].hello
    assert hello.collect_interval_ms == 100
    assert hello.facts.hostname == socket.gethostname()
    assert hello.facts.agent_version == "0.1.0"
    assert stream.metadata["x-everyst-agent-id"] == "agent-1"
    assert stream.metadata["x-everyst-agent-secret"] == "s3cret"
    assert all(m.WhichOneof("body") == "metrics" for m in stream.messages[1:])


async def test_agent_sends_spooled_batches_in_seq_order_and_deletes_acked_ones(fake_hub, start_agent):
    hub, port = fake_hub
    running = start_agent(port, prespool=5)
    await wait_for(lambda: hub.streams and len(hub.last.seqs) >= 8, what="8 batches")
    seqs = hub.last.seqs
    assert seqs == list(range(1, len(seqs) + 1))
    # The backlog goes first, then samples collected live, each batch holding one sample.
    assert [s.ts_ms for s in hub.last.samples[:5]] == [1, 2, 3, 4, 5]
    live = [s.ts_ms for s in hub.last.samples[5:]]
    phase = tick_phase_ms(running.agent.credentials.host_id, 100)
    assert all(ts % 100 == phase for ts in live) and live == sorted(set(live))
    assert all(len(m.metrics.samples) == 1 for m in hub.last.messages[1:])
    await wait_for(lambda: running.spool.depth() <= 1, what="acked samples to leave the spool")
    # Only the newest sample may still wait for its ack.
    assert running.spool.pending(0, 100) == [] or running.spool.pending(0, 100)[0][0] >= 8


async def test_agent_resends_unacked_batches_after_the_hub_drops_the_stream(fake_hub, start_agent):
    hub, port = fake_hub
    hub.auto_ack = False
    hub.drop_after = 3
    running = start_agent(port, prespool=4)
    await wait_for(lambda: len(hub.streams) >= 2 and len(hub.streams[1].seqs) >= 4, what="a second stream")
    assert hub.streams[0].seqs == [1, 2, 3]
    assert hub.streams[1].seqs[:4] == [1, 2, 3, 4]
    assert running.spool.depth() >= 4
    hub.last.send(agent_pb2.HubMessage(ack=agent_pb2.Ack(seq=4)))
    await wait_for(lambda: not running.spool.pending(0, 1) or running.spool.pending(0, 1)[0][0] == 5)


async def test_agent_keeps_collecting_while_the_hub_is_down_and_delivers_everything_later(start_agent):
    port = free_port()
    running = start_agent(port)
    await asyncio.sleep(0.8)
    assert not running.agent.connected
    assert running.spool.depth() >= 4
    hub = FakeHub()
    server, _ = await start_server(hub, port)
    try:
        await wait_for(lambda: hub.streams and len(hub.last.seqs) >= 10, what="the backlog")
        assert hub.last.seqs == list(range(1, len(hub.last.seqs) + 1))
        assert running.agent.connected
    finally:
        await server.stop(None)


async def test_agent_keeps_at_most_max_in_flight_batches_unacked(fake_hub, start_agent):
    hub, port = fake_hub
    hub.auto_ack = False
    start_agent(port, prespool=10, max_in_flight=3)
    await wait_for(lambda: hub.streams and len(hub.last.seqs) >= 3, what="the first window")
    await asyncio.sleep(0.3)
    assert hub.last.seqs == [1, 2, 3]
    hub.last.send(agent_pb2.HubMessage(ack=agent_pb2.Ack(seq=2)))
    await wait_for(lambda: len(hub.last.seqs) >= 5, what="two more batches")
    await asyncio.sleep(0.2)
    assert hub.last.seqs == [1, 2, 3, 4, 5]


async def test_agent_changes_its_interval_on_config_update(fake_hub, start_agent):
    hub, port = fake_hub
    running = start_agent(port)
    await wait_for(lambda: hub.streams and hub.last.seqs, what="a first batch")
    hub.last.send(agent_pb2.HubMessage(config=agent_pb2.ConfigUpdate(collect_interval_ms=300)))
    await wait_for(lambda: running.agent.interval == 0.3, what="the new interval")
    seen = len(hub.last.samples)
    await wait_for(lambda: len(hub.last.samples) >= seen + 3, what="three samples at the new interval")
    ts = [s.ts_ms for s in hub.last.samples[seen:]]
    phase = tick_phase_ms(running.agent.credentials.host_id, 300)
    assert all(t % 300 == phase for t in ts)
    assert all(b - a >= 300 for a, b in zip(ts, ts[1:], strict=False))


def test_hosts_collect_at_stable_phases_spread_over_the_interval():
    hosts = [f"00000000-0000-4000-8000-{i:012x}" for i in range(1000)]
    phases = [tick_phase_ms(h, 1000) for h in hosts]

    assert phases == [tick_phase_ms(h, 1000) for h in hosts]  # stable: a host keeps its phase
    assert all(0 <= p < 1000 for p in phases)
    per_tenth = [sum(1 for p in phases if k * 100 <= p < (k + 1) * 100) for k in range(10)]
    assert min(per_tenth) > 60 and max(per_tenth) < 140  # about 100 hosts in each tenth of a second


async def test_agent_ignores_an_interval_out_of_bounds(fake_hub, start_agent):
    hub, port = fake_hub
    running = start_agent(port)
    await wait_for(lambda: hub.streams, what="a stream")
    hub.last.send(agent_pb2.HubMessage(config=agent_pb2.ConfigUpdate(collect_interval_ms=5)))
    await asyncio.sleep(0.2)
    assert running.agent.interval == 0.1


async def test_agent_keeps_running_and_collecting_when_the_hub_rejects_it(fake_hub, start_agent):
    hub, port = fake_hub
    hub.reject = grpc.StatusCode.UNAUTHENTICATED
    running = start_agent(port)
    await wait_for(lambda: hub.connect_attempts >= 2, what="a retry after the rejection")
    assert not running.task.done()
    # The first sample may come after the first rejections (retries are immediate here).
    await wait_for(lambda: running.spool.depth() >= 1, what="samples spooled while rejected")
    assert not hub.streams and not running.task.done()
    # The hub counts an attempt when it arrives, the agent once it has read the rejection.
    await wait_for(lambda: running.agent.backoff.attempt >= 2, what="the agent backing off")
    hub.reject = None
    await wait_for(lambda: hub.streams and hub.last.seqs, what="a stream once the admin fixed it")


async def test_run_stops_within_two_seconds_and_closes_the_stream_and_spool(fake_hub, tmp_path):
    hub, port = fake_hub
    config = make_config(tmp_path, port)
    stop = asyncio.Event()
    task = asyncio.create_task(run_loop.run(config, stop, CREDENTIALS))
    await wait_for(lambda: hub.streams and hub.last.seqs, what="a batch")
    started = time.monotonic()
    stop.set()
    await asyncio.wait_for(task, 2)
    assert time.monotonic() - started < 2
    # The stream is gone on the hub's side too, and the spool is closed and reusable.
    with Spool(config.spool_path) as spool:
        assert spool.last_seq() >= 1


async def test_enroll_saves_credentials_readable_only_by_their_owner(fake_hub, tmp_path):
    hub, port = fake_hub
    state = tmp_path / "state"
    config = make_config(state, port)
    creds = await enrollment.enroll(config, "good-token")
    assert (creds.agent_id, creds.secret, creds.host_id) == ("agent-1", "s3cret", "host-1")
    assert hub.enroll_requests[0].facts.hostname == socket.gethostname()
    assert state.stat().st_mode & 0o777 == 0o700
    path = state / "credentials.json"
    assert path.stat().st_mode & 0o777 == 0o600
    assert load_credentials(path) == creds


async def test_enroll_with_a_refused_token_fails_clearly_and_writes_nothing(fake_hub, tmp_path):
    hub, port = fake_hub
    config = make_config(tmp_path, port)
    with pytest.raises(EnrollError, match="refused the enrollment token") as excinfo:
        await enrollment.enroll(config, "stale-token")
    assert not excinfo.value.retryable
    assert not (tmp_path / "credentials.json").exists()


async def test_enroll_against_an_unreachable_hub_is_retryable(tmp_path):
    config = make_config(tmp_path, free_port())
    with pytest.raises(EnrollError, match="cannot reach hub") as excinfo:
        await enrollment.enroll(config, "good-token")
    assert excinfo.value.retryable


def test_backoff_doubles_from_half_a_second_to_thirty_with_full_jitter():
    backoff = Backoff(rng=lambda: 1.0)
    assert [backoff.next() for _ in range(8)] == [0.5, 1, 2, 4, 8, 16, 30, 30]
    backoff.reset()
    assert backoff.next() == 0.5
    assert Backoff(rng=lambda: 0.0).next() == 0.0
    assert 15 <= Backoff(rng=lambda: 0.0).at_max() <= 30


async def test_the_agent_stops_promptly_whatever_its_stream_is_doing(fake_hub, tmp_path):
    """Stop lands at random points of a reconnect loop against a hub that refuses at once. A
    cancellation that arrives as the hub resets the stream came back from grpclib as the reset
    (its Wrapper raises the stream's error in place of the CancelledError), which the agent took
    for a failed connection: it reconnected for ever and never stopped (5 of 5 runs failed)."""
    hub, port = fake_hub
    hub.reject = grpc.StatusCode.UNAUTHENTICATED
    rng = random.Random(7)
    for i in range(40):
        (tmp_path / f"a{i}").mkdir()
        config = make_config(tmp_path / f"a{i}", port)
        with Spool(config.spool_path, config.spool_max_samples) as spool:
            agent = Agent(config, CREDENTIALS, spool)
            agent.backoff = Backoff(base=0.0, cap=0.0)  # reconnect at once, again and again
            stop = asyncio.Event()
            task = asyncio.create_task(agent.run_until(stop))
            await asyncio.sleep(rng.uniform(0.02, 0.15))
            stop.set()
            done, _ = await asyncio.wait([task], timeout=3)
            assert done, f"stop {i} did not end the agent within 3 s"
            task.result()
