"""A stream that stops answering, or that the hub ends for a newer one, is left, logged and
replaced: the agent against a real grpc.aio server playing the hub (plaintext, on 127.0.0.1)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import grpc
import pytest
from everyst.agent.v1 import agent_pb2
from everyst_agent.config import AgentConfig, load_config
from everyst_agent.errors import ConfigError
from everyst_agent.run_loop import Agent
from everyst_agent.spool import Spool
from everyst_agent.transport import Backoff

from tests.agent.conftest import CREDENTIALS, FakeHub, make_config, start_server, wait_for


@pytest.fixture
async def start_agent(tmp_path: Path) -> AsyncIterator[Callable[..., Agent]]:
    """Starts an agent (quick backoff) on a hub's port; stops it and closes its spool after the test."""
    started: list[tuple[Agent, asyncio.Task[None], asyncio.Event]] = []

    def start(port: int, **overrides: Any) -> Agent:
        config = make_config(tmp_path, port, **overrides)
        agent = Agent(config, CREDENTIALS, Spool(config.spool_path, config.spool_max_samples))
        agent.backoff = Backoff(base=0.05, cap=0.2)
        stop = asyncio.Event()
        started.append((agent, asyncio.create_task(agent.run_until(stop)), stop))
        return agent

    yield start
    for agent, task, stop in started:
        stop.set()
        await asyncio.wait_for(task, 5)
        agent.spool.close()


class SilentHub(FakeHub):
    """Takes the Hello and never answers it."""

    async def Connect(self, request_iterator: Any, context: Any) -> None:  # noqa: N802
        self.connect_attempts += 1
        await context.read()
        await asyncio.Event().wait()


class DisplacingHub(FakeHub):
    """Ends every stream a moment after its Welcome, as the hub ends a displaced one."""

    async def Connect(self, request_iterator: Any, context: Any) -> None:  # noqa: N802
        self.connect_attempts += 1
        await context.read()
        await context.write(agent_pb2.HubMessage(welcome=agent_pb2.Welcome(host_id="host-1")))
        await asyncio.sleep(0.2)
        await context.abort(grpc.StatusCode.ABORTED, "another connection of this agent took over")


def warnings(caplog: pytest.LogCaptureFixture, text: str) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING and text in r.getMessage()]


async def test_a_hub_that_stops_acking_loses_the_stream_within_the_bound_with_one_warning(
    fake_hub, start_agent, caplog
):
    hub, port = fake_hub
    hub.auto_ack = False
    start_agent(port, ack_timeout=1.0)
    await wait_for(lambda: hub.streams and hub.last.seqs, what="a first batch")
    await wait_for(lambda: len(hub.streams) >= 2, timeout=3, what="a new stream within the ack bound")
    [warning] = warnings(caplog, "acknowledged nothing for 1 s")[:1]
    assert "reconnecting in" in warning
    # The unacked batches went again on the new stream.
    await wait_for(lambda: hub.last.seqs[:1] == [1], what="batch 1 sent again")


async def test_a_stream_that_keeps_getting_acks_is_kept_however_long_it_lives(fake_hub, start_agent):
    hub, port = fake_hub
    start_agent(port, ack_timeout=1.0)
    await asyncio.sleep(3)
    assert len(hub.streams) == 1 and len(hub.last.seqs) >= 20


async def test_a_hub_that_never_welcomes_is_left_within_the_bound_and_retried(start_agent, caplog):
    hub = SilentHub()
    server, port = await start_server(hub)
    try:
        start_agent(port, welcome_timeout=1.0)
        await wait_for(lambda: hub.connect_attempts >= 2, timeout=3, what="a second attempt")
        assert warnings(caplog, "no Welcome from the hub within 1 s of connecting")
    finally:
        await server.stop(None)


async def test_a_displaced_stream_is_logged_as_such_and_the_agent_reconnects(start_agent, caplog):
    hub = DisplacingHub()
    server, port = await start_server(hub)
    try:
        start_agent(port)
        await wait_for(lambda: hub.connect_attempts >= 2, timeout=3, what="a reconnect")
        [warning] = warnings(caplog, "another connection of this agent took over")[:1]
        assert "second everyst-agent" in warning and "reconnecting in" in warning
    finally:
        await server.stop(None)


class BusyHub(FakeHub):
    """Refuses every stream before its Welcome, so the agent's waits keep growing."""

    async def Connect(self, request_iterator: Any, context: Any) -> None:  # noqa: N802
        self.connect_attempts += 1
        await context.abort(grpc.StatusCode.UNAVAILABLE, "busy")


async def test_reconnect_max_bounds_the_wait_between_attempts(tmp_path):
    hub = BusyHub()
    server, port = await start_server(hub)
    config = make_config(tmp_path, port, reconnect_max=1.0)
    agent = Agent(config, CREDENTIALS, Spool(config.spool_path, config.spool_max_samples))
    stop = asyncio.Event()
    task = asyncio.create_task(agent.run_until(stop))
    try:
        # With the default ceiling (30 s) ten attempts take a minute on average; with 1 s, seconds.
        await wait_for(lambda: hub.connect_attempts >= 10, timeout=15, what="ten attempts")
    finally:
        stop.set()
        await asyncio.wait_for(task, 5)
        agent.spool.close()
        await server.stop(None)


def test_reconnect_max_defaults_to_30_seconds_and_refuses_nonsense(tmp_path):
    assert AgentConfig().reconnect_max == 30.0
    path = tmp_path / "agent.toml"
    path.write_text("reconnect_max = 2\n")
    assert load_config(path, env={}).reconnect_max == 2.0
    with pytest.raises(ConfigError, match="reconnect_max must be between 1 and 3600 seconds, got 0.5"):
        load_config(path, env={"EVERYST_AGENT_RECONNECT_MAX": "0.5"})


def test_the_stream_bounds_default_to_30_seconds_and_refuse_nonsense(tmp_path):
    assert (AgentConfig().welcome_timeout, AgentConfig().ack_timeout) == (30.0, 30.0)
    path = tmp_path / "agent.toml"
    path.write_text("welcome_timeout = 2.5\n")
    config = load_config(path, env={"EVERYST_AGENT_ACK_TIMEOUT": "5"})
    assert (config.welcome_timeout, config.ack_timeout) == (2.5, 5.0)
    with pytest.raises(ConfigError, match="ack_timeout must be between 1 and 3600 seconds, got 0"):
        load_config(path, env={"EVERYST_AGENT_ACK_TIMEOUT": "0"})
