"""The pace of live samples (realtime/pacer.py): a loop kept busy, or storage behind, cuts the
rate at which sample frames go out, a tick with room grows it back, and a socket out of budget
holds its samples (coalescing them, outbox.py) but never its ordered frames."""

from __future__ import annotations

import asyncio
import time

import pytest
from everyst_hub.realtime import pacer as pacing

from tests.hub.test_live_backpressure import fleet_socket
from tests.support.publish import publish_samples


def test_a_late_tick_cuts_the_rate_down_to_a_floor() -> None:
    rate = pacing.START_RATE
    assert pacing.next_rate(rate, True, used=1.0) == rate * pacing.CUT
    for _ in range(200):
        rate = pacing.next_rate(rate, True, used=1.0)
    assert rate == pacing.MIN_RATE


def test_a_punctual_tick_grows_a_rate_in_use_and_keeps_an_idle_one() -> None:
    rate = 4 * pacing.MIN_RATE
    assert pacing.next_rate(rate, False, used=1.0) > rate
    assert pacing.next_rate(rate, False, used=0.1) == rate
    assert pacing.next_rate(pacing.MAX_RATE, False, used=1.0) == pacing.MAX_RATE


async def test_storage_behind_its_flush_interval_cuts_the_rate() -> None:
    paced = pacing.Pacer()
    paced.spend(int(paced.rate * pacing.TICK_SECONDS))
    paced.ingest_lag(pacing.INGEST_LATE_SECONDS / 2)
    paced.tick(busy=0.0)
    assert paced.rate > pacing.START_RATE and paced.cuts == 0
    paced.ingest_lag(pacing.INGEST_LATE_SECONDS * 4)
    paced.tick(busy=0.0)
    assert paced.cuts == 1
    assert paced.rate < pacing.START_RATE


def busy_loop_for(seconds: float) -> None:
    """Keep the loop's thread on the CPU (not sleeping) for `seconds`."""
    until = time.monotonic() + seconds
    while time.monotonic() < until:
        pass


async def test_a_loop_kept_busy_cuts_the_rate() -> None:
    paced = pacing.pacer()
    paced.join()
    try:
        deadline = time.monotonic() + 10
        while paced.cuts < 2 and time.monotonic() < deadline:
            busy_loop_for(pacing.TICK_SECONDS)
            await asyncio.sleep(0)  # the ticker runs between the busy stretches
        assert paced.busy > pacing.BUSY_LIMIT
        assert paced.cuts >= 2
        assert paced.rate < pacing.START_RATE * pacing.CUT
    finally:
        paced.leave()


async def test_an_idle_loop_keeps_the_rate() -> None:
    paced = pacing.pacer()
    paced.join()
    try:
        await asyncio.sleep(pacing.TICK_SECONDS * 6)
        assert paced.cuts == 0
        assert paced.rate == pacing.START_RATE
    finally:
        paced.leave()


@pytest.mark.django_db(transaction=True)
async def test_a_socket_out_of_budget_holds_samples_but_not_its_answers(world):
    ws, _ = await fleet_socket(world.admin)
    paced = pacing.pacer()
    host_a = str(world.host_a.id)
    paced.tokens = -(10**12)  # far in debt: the ticker's refills cannot clear it in this test
    for ts in (1, 2, 3):
        await publish_samples({host_a: {"ts": ts}})
    await ws.send_json_to({"type": "ping"})
    assert await ws.receive_json_from() == {"type": "pong"}
    assert await ws.receive_nothing(timeout=0.3)
    paced.tokens = 0
    paced.tick(busy=0.0)
    assert await ws.receive_json_from() == {
        "type": "samples",
        "gap": [host_a],
        "frames": [{"type": "sample", "host": host_a, "sample": {"ts": 3}}],
    }
    await ws.disconnect()
