"""The agent sends again the acknowledged samples it keeps when the Welcome says the hub has no
longer stored them (a hub restored from a backup), and only then."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from everyst.agent.v1 import agent_pb2
from everyst_agent.run_loop import Agent
from everyst_agent.spool import Spool
from everyst_agent.transport import Backoff

from tests.agent.conftest import CREDENTIALS, FakeHub, make_config, wait_for


async def stream_once(hub: FakeHub, port: int, spool: Spool, tmp_path: Path) -> None:
    """Run the agent until the hub has acked everything spooled before it started, then stop it."""
    target = spool.last_seq()
    streams_before = len(hub.streams)
    agent = Agent(make_config(tmp_path, port, interval=3600.0), CREDENTIALS, spool)
    agent.backoff = Backoff(base=0.05, cap=0.2)
    stop = asyncio.Event()
    task = asyncio.create_task(agent.run_until(stop))
    await wait_for(
        lambda: len(hub.streams) > streams_before and spool.depth() == 0 and target in hub.last.seqs,
        what="the spool delivered",
    )
    stop.set()
    await asyncio.wait_for(task, 5)


async def test_kept_samples_after_the_hubs_newest_are_sent_again(fake_hub, tmp_path: Path) -> None:
    hub, port = fake_hub
    now = int(time.time() * 1000) - 60_000
    with Spool(tmp_path / "spool.sqlite", keep_acked_ms=3_600_000) as spool:
        for i in range(5):
            spool.append(agent_pb2.Sample(ts_ms=now + i * 1000))
        await stream_once(hub, port, spool, tmp_path)
        first = hub.last.seqs
        assert first[:5] == [1, 2, 3, 4, 5]
        # The hub comes back from a backup holding the first two samples only.
        hub.welcome.stored_through_ts_ms = now + 1000
        spool.append(agent_pb2.Sample(ts_ms=now + 10_000))
        await stream_once(hub, port, spool, tmp_path)
        assert [s.ts_ms for s in hub.last.samples][:4] == [now + 2000, now + 3000, now + 4000, now + 10_000]
        assert hub.last.seqs[:4] == [3, 4, 5, 6]


async def test_a_hub_that_says_nothing_of_its_samples_gets_no_resend(fake_hub, tmp_path: Path) -> None:
    hub, port = fake_hub
    now = int(time.time() * 1000) - 60_000
    with Spool(tmp_path / "spool.sqlite", keep_acked_ms=3_600_000) as spool:
        for i in range(3):
            spool.append(agent_pb2.Sample(ts_ms=now + i * 1000))
        await stream_once(hub, port, spool, tmp_path)
        # An older hub's Welcome has no stored_through_ts_ms: nothing kept is sent again.
        spool.append(agent_pb2.Sample(ts_ms=now + 10_000))
        await stream_once(hub, port, spool, tmp_path)
        assert hub.last.seqs[0] == 4
