"""Nothing collected is lost or stored twice, whatever stops: real hub and agent processes,
stopped, restarted and killed with SIGKILL mid-stream."""

from __future__ import annotations

import signal
import sqlite3
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.processes import AgentProcess, Hub, wait_until

pytestmark = pytest.mark.e2e


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[Hub]:
    hub = Hub(tmp_path / "hub", extra_env={"EVERYST_METRICS_COMPACT_SECONDS": "1"}).start()
    yield hub
    hub.stop()


def stored(hub: Hub, host_id: str, since_ms: int) -> list[int]:
    token = hub.owner_token()
    timestamps: list[int] = []
    while True:
        page = hub.get(f"/api/v1/hosts/{host_id}/samples?since={since_ms}&limit=3600", token)["samples"]
        timestamps += [s["ts"] for s in page]
        if len(page) < 3600:
            return timestamps
        since_ms = page[-1]["ts"]


def caught_up(hub: Hub, host_id: str, agent: AgentProcess, through_ms: int = 0) -> bool:
    """The agent's spool is (nearly) empty and the hub holds samples up to now and past `through_ms`."""
    try:
        latest = hub.get(f"/api/v1/hosts/{host_id}/latest", hub.owner_token())["ts"]
    except Exception:
        return False
    fresh = latest >= max(time.time() * 1000 - 3000, through_ms)
    return fresh and agent.status().get("spool_depth", 99) <= 3


def raw_counts(hub: Hub, host_id: str, first: int, last: int) -> dict[int, int]:
    """{bucket start: samples counted} of the raw tier, read from the hub's SQLite file."""
    with sqlite3.connect(hub.data_dir / "everyst.sqlite3") as db:
        rows = db.execute(
            "SELECT ts, n FROM metrics_rollup WHERE host_id = ? AND tier = 1 AND ts >= ? AND ts < ?",
            (uuid.UUID(host_id).hex, first, last),
        ).fetchall()
    return dict(rows)


def assert_every_second_once(timestamps: list[int], start_ms: int, end_ms: int) -> None:
    window = [ts for ts in timestamps if start_ms <= ts <= end_ms]
    assert len(window) == len(set(window)), "a sample was stored twice"
    expected = list(range(window[0], window[-1] + 1, 1000))
    missing = sorted(set(expected) - set(window))
    assert not missing, f"{len(missing)} seconds missing, first {missing[:5]}"
    assert window[0] <= start_ms + 1000 and window[-1] >= end_ms - 1000


def test_a_60_second_hub_outage_loses_nothing_and_duplicates_nothing(hub: Hub, tmp_path: Path) -> None:
    agent = AgentProcess(tmp_path / "agent", hub, token=hub.enrollment_token()).start()
    try:
        wait_until(lambda: (tmp_path / "agent" / "credentials.json").exists(), 20, "enrollment")
        host_id = agent.credentials()["host_id"]
        wait_until(lambda: len(stored(hub, host_id, 0)) >= 5, 20, "first samples")
        outage_start = int(time.time() * 1000)
        hub.stop()
        time.sleep(60)
        outage_end = int(time.time() * 1000)
        hub.start(setup=False)
        # Wait for samples past the end of the checked window, or a fast catch-up would leave its
        # last second unchecked (and the bound check below would fail on a correct store).
        wait_until(
            lambda: caught_up(hub, host_id, agent, through_ms=outage_end + 3000),
            60,
            "the agent to deliver its backlog",
        )
        timestamps = stored(hub, host_id, 0)
        assert_every_second_once(timestamps, outage_start - 3000, outage_end + 3000)
        outage = [ts for ts in timestamps if outage_start < ts < outage_end]
        assert len(outage) >= 58
        # The raw-tier rollups count each second of the outage once too.
        first = outage_start - outage_start % 15000 + 15000
        last = outage_end - outage_end % 15000
        wait_until(
            lambda: raw_counts(hub, host_id, first, last) == {b: 15 for b in range(first, last, 15000)},
            60,
            f"raw-tier rollups of the outage (have {raw_counts(hub, host_id, first, last)})",
        )
    finally:
        agent.stop()


def test_killing_the_agent_repeatedly_loses_nothing_it_collected(hub: Hub, tmp_path: Path) -> None:
    agent = AgentProcess(tmp_path / "agent", hub, token=hub.enrollment_token()).start()
    lifetimes = []
    try:
        wait_until(lambda: (tmp_path / "agent" / "credentials.json").exists(), 20, "enrollment")
        host_id = agent.credentials()["host_id"]
        for _ in range(3):
            started = int(time.time() * 1000)
            time.sleep(6)
            agent.stop(signal.SIGKILL)
            lifetimes.append((started + 2000, int(time.time() * 1000) - 1500))
            agent.start()
        wait_until(lambda: caught_up(hub, host_id, agent), 40, "the agent to deliver its spool")
        timestamps = stored(hub, host_id, 0)
        assert len(timestamps) == len(set(timestamps))
        for start_ms, end_ms in lifetimes:
            assert_every_second_once(timestamps, start_ms, end_ms)
    finally:
        agent.stop()


def test_killing_the_hub_mid_ingest_loses_nothing_it_had_stored(hub: Hub, tmp_path: Path) -> None:
    agents = [
        AgentProcess(tmp_path / f"agent{i}", hub, token=hub.enrollment_token(), interval=0.2).start()
        for i in range(3)
    ]
    try:
        for agent in agents:
            wait_until(lambda a=agent: (a.state_dir / "credentials.json").exists(), 20, "enrollment")
        host_ids = [a.credentials()["host_id"] for a in agents]
        time.sleep(4)
        before = {h: stored(hub, h, 0) for h in host_ids}
        hub.stop(signal.SIGKILL)
        time.sleep(3)
        hub.start(setup=False)
        for agent, host_id in zip(agents, host_ids, strict=True):
            wait_until(lambda a=agent, h=host_id: caught_up(hub, h, a), 60, "the agents to catch up")
        for host_id in host_ids:
            after = stored(hub, host_id, 0)
            assert set(before[host_id]) <= set(after), "samples the hub had stored were lost"
            assert len(after) == len(set(after))
            gaps = [b - a for a, b in zip(after, after[1:], strict=False) if b - a > 200]
            assert not gaps, f"missing samples around the kill: gaps of {gaps[:5]} ms"
    finally:
        for agent in agents:
            agent.stop()
