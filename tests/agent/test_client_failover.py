"""An agent that knows several hub addresses (replicas) moves to the next one when its stream
fails or ends, and replays there what the first never acknowledged."""

from __future__ import annotations

import asyncio
import logging
import socket
from pathlib import Path

from everyst.agent.v1 import agent_pb2
from everyst_agent.run_loop import Agent
from everyst_agent.spool import Spool
from everyst_agent.transport import Backoff

from tests.agent.conftest import CREDENTIALS, FakeHub, make_config, start_server, wait_for


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def run_agent(
    config_dir: Path, hubs: str, prespool: int
) -> tuple[Agent, asyncio.Task[None], asyncio.Event]:
    config = make_config(config_dir, 0, hub=hubs, interval=3600.0)
    spool = Spool(config.spool_path, config.spool_max_samples)
    for ts in range(1, prespool + 1):
        spool.append(agent_pb2.Sample(ts_ms=ts))
    agent = Agent(config, CREDENTIALS, spool)
    agent.backoff = Backoff(base=0.05, cap=0.2)
    stop = asyncio.Event()
    return agent, asyncio.create_task(agent.run_until(stop)), stop


async def stop_agent(agent: Agent, task: asyncio.Task[None], stop: asyncio.Event) -> None:
    stop.set()
    await asyncio.wait_for(task, 5)
    agent.spool.close()


async def test_a_killed_hub_s_unacked_batches_are_replayed_on_the_next_address(tmp_path, caplog) -> None:
    caplog.set_level(logging.INFO, logger="everyst_agent")
    first, second = FakeHub(), FakeHub()
    first.auto_ack = False  # dies before acknowledging anything
    first_server, first_port = await start_server(first)
    second_server, second_port = await start_server(second)
    agent, task, stop = await run_agent(tmp_path, f"127.0.0.1:{first_port},127.0.0.1:{second_port}", 5)
    try:
        await wait_for(
            lambda: first.streams and first.last.seqs == [1, 2, 3, 4, 5], what="hub 1 got the spool"
        )
        assert not second.streams
        await first_server.stop(None)
        await wait_for(lambda: second.streams and 5 in second.last.seqs, what="the replay on hub 2")
        await wait_for(lambda: agent.spool.depth() == 0, what="hub 2's acks")
        assert second.last.seqs == [1, 2, 3, 4, 5]
        assert agent.hub == f"127.0.0.1:{second_port}"
        assert f"connected to hub 127.0.0.1:{first_port}" in caplog.text
        assert f"stream to hub 127.0.0.1:{first_port} ended" in caplog.text
        assert f"reconnecting to 127.0.0.1:{second_port}" in caplog.text
        assert f"connected to hub 127.0.0.1:{second_port}" in caplog.text
    finally:
        await stop_agent(agent, task, stop)
        await second_server.stop(None)


async def test_addresses_are_tried_in_turn_until_one_answers(tmp_path, caplog) -> None:
    caplog.set_level(logging.INFO, logger="everyst_agent")
    hub = FakeHub()
    server, port = await start_server(hub)
    dead = [free_port(), free_port()]
    agent, task, stop = await run_agent(
        tmp_path, f"127.0.0.1:{dead[0]},127.0.0.1:{dead[1]},127.0.0.1:{port}", 3
    )
    try:
        await wait_for(lambda: hub.streams and agent.spool.depth() == 0, what="the third address")
        assert hub.last.seqs == [1, 2, 3]
        # A hub that ends the stream sends the agent round the list again: back to the first
        # (dead) address, then on until this one answers.
        hub.drop_after = 1
        agent.spool.append(agent_pb2.Sample(ts_ms=10))
        agent.spool.append(agent_pb2.Sample(ts_ms=11))
        for event in agent._listeners:
            event.set()
        await wait_for(lambda: len(hub.streams) == 2 and agent.spool.depth() == 0, what="the way back")
        assert hub.streams[1].seqs[-1] == 5
        assert {seq for stream in hub.streams for seq in stream.seqs} == {1, 2, 3, 4, 5}
        for port_ in dead:
            assert caplog.text.count(f"stream to hub 127.0.0.1:{port_} ended") == 2
    finally:
        await stop_agent(agent, task, stop)
        await server.stop(None)
