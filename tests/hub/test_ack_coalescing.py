"""Acks are coalesced for agents that declare their window and ack timeout (protocol 1.1): one
cumulative ack per half window or per ack delay, never later than a quarter of the agent's
timeout; older agents still get an ack per stored batch. Real grpc.aio hub over TLS, real SQLite."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import grpc
import pytest
from asgiref.sync import sync_to_async
from everyst_hub.ingest import servicer
from everyst_hub.metrics.models import Sample

from tests.support.ingest import Stream, batch, enroll, metadata

pytestmark = pytest.mark.django_db(transaction=True)

T0 = 1_700_000_000_000


class Acks:
    """Reads the stream in a task of its own (cancelling a read would cancel the whole call)."""

    def __init__(self, stream: Stream) -> None:
        self.queue: asyncio.Queue[int] = asyncio.Queue()
        self.task = asyncio.create_task(self._read(stream))

    async def _read(self, stream: Stream) -> None:
        while (message := await stream.call.read()) is not grpc.aio.EOF:
            if message.WhichOneof("body") == "ack":
                self.queue.put_nowait(message.ack.seq)

    async def within(self, seconds: float) -> list[tuple[int, float]]:
        """(seq, seconds since the call) of every ack that arrives within `seconds`."""
        start, seen = time.monotonic(), []
        while (left := start + seconds - time.monotonic()) > 0:
            try:
                seq = await asyncio.wait_for(self.queue.get(), left)
            except TimeoutError:
                break
            seen.append((seq, time.monotonic() - start))
        return seen


async def test_a_few_batches_get_one_ack_after_the_ack_delay(
    hub: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(servicer, "ACK_DELAY", 0.6)
    creds = await enroll(hub, "coalesced")
    stream = Stream(hub, metadata(creds))
    welcome = await stream.hello("coalesced", window=8, ack_timeout_ms=30_000)
    assert welcome.welcome.ack_delay_ms == 600
    acks = Acks(stream)
    for seq in (1, 2, 3):
        await stream.call.write(batch(seq, T0 + seq * 1000))
    seen = await acks.within(2.0)
    await stream.close()
    # Stored within ~50 ms, held back to 0.6 s after the first was stored: one ack for all three.
    assert [seq for seq, _ in seen] == [3], seen
    assert 0.5 <= seen[0][1] <= 1.5, seen
    assert await sync_to_async(Sample.objects.filter(host_id=creds.host_id).count)() == 3


async def test_half_a_window_waiting_is_acked_at_once(hub: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(servicer, "ACK_DELAY", 30.0)
    creds = await enroll(hub, "half")
    stream = Stream(hub, metadata(creds))
    await stream.hello("half", window=8, ack_timeout_ms=300_000)
    acks = Acks(stream)
    for seq in range(1, 5):
        await stream.call.write(batch(seq, T0 + seq * 1000))
    seen = await acks.within(2.0)
    # A window of 8 with 4 stored: the agent would otherwise stall long before the delay ends.
    assert [seq for seq, _ in seen] == [4], seen
    for seq in range(5, 9):
        await stream.call.write(batch(seq, T0 + seq * 1000))
    assert [seq for seq, _ in await acks.within(2.0)] == [8]
    await stream.close()


async def test_the_delay_stays_well_within_the_agents_ack_timeout(hub: Any) -> None:
    creds = await enroll(hub, "impatient")
    stream = Stream(hub, metadata(creds))
    welcome = await stream.hello("impatient", window=256, ack_timeout_ms=1000)
    assert welcome.welcome.ack_delay_ms == 250
    acks = Acks(stream)
    await stream.call.write(batch(1, T0))
    seen = await acks.within(1.0)
    await stream.close()
    assert [seq for seq, _ in seen] == [1] and seen[0][1] < 0.9, seen


async def test_an_agent_that_declares_no_window_gets_an_ack_per_stored_batch(hub: Any) -> None:
    creds = await enroll(hub, "legacy")
    stream = Stream(hub, metadata(creds))
    welcome = await stream.hello("legacy")
    assert welcome.welcome.ack_delay_ms == 0
    for seq in (1, 2, 3):
        await stream.call.write(batch(seq, T0 + seq * 1000))
        assert (await stream.read()).ack.seq == seq
    await stream.close()
