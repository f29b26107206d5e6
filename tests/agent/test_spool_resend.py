"""Acknowledged samples stay in the spool for a while, so a hub restored from a backup gets back
what it had acknowledged after that backup (issue #13 item 6)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from everyst.agent.v1 import agent_pb2
from everyst_agent.config import load_config
from everyst_agent.errors import ConfigError
from everyst_agent.spool import Spool, read_stats

HOUR_MS = 3_600_000
NOW = 1_800_000_000_000


def sample(ts: int) -> agent_pb2.Sample:
    return agent_pb2.Sample(ts_ms=ts)


def spool_of(path: Path, count: int, **kwargs: int) -> Spool:
    spool = Spool(path, keep_acked_ms=HOUR_MS, **kwargs)
    for i in range(count):
        spool.append(sample(NOW - (count - i) * 1000))
    return spool


def test_acknowledged_samples_are_kept_but_no_longer_pending(tmp_path: Path) -> None:
    with spool_of(tmp_path / "spool.sqlite", 10) as spool:
        assert spool.ack(6, now_ms=NOW) == 6
        assert spool.depth() == 4
        assert [seq for seq, _ in spool.pending(0, 100)] == [7, 8, 9, 10]
        assert read_stats(tmp_path / "spool.sqlite") == (4, 0)
    with sqlite3.connect(tmp_path / "spool.sqlite") as db:
        assert db.execute("SELECT COUNT(*) FROM samples").fetchone()[0] == 10


def test_replay_queues_again_what_was_collected_after_the_hubs_newest_sample(tmp_path: Path) -> None:
    with spool_of(tmp_path / "spool.sqlite", 10) as spool:
        spool.ack(10, now_ms=NOW)
        assert spool.depth() == 0
        # The restored hub's database ends with the 4th sample.
        hubs_newest = NOW - 7 * 1000
        assert spool.replay(hubs_newest) == 6
        assert spool.depth() == 6
        assert [s.ts_ms for _, s in spool.pending(0, 100)] == [NOW - k * 1000 for k in range(6, 0, -1)]
        # Acked again on the new stream: nothing more to send, and a second replay finds nothing new.
        spool.ack(10, now_ms=NOW)
        assert spool.depth() == 0
        assert spool.replay(NOW) == 0


def test_replay_of_a_hub_that_has_everything_sends_nothing(tmp_path: Path) -> None:
    with spool_of(tmp_path / "spool.sqlite", 5) as spool:
        spool.ack(5, now_ms=NOW)
        assert spool.replay(NOW - 1000) == 0
        assert spool.pending(0, 100) == []


def test_the_watermark_survives_a_restart(tmp_path: Path) -> None:
    with spool_of(tmp_path / "spool.sqlite", 10) as spool:
        spool.ack(7, now_ms=NOW)
    with Spool(tmp_path / "spool.sqlite", keep_acked_ms=HOUR_MS) as spool:
        assert spool.depth() == 3
        assert [seq for seq, _ in spool.pending(0, 100)] == [8, 9, 10]
        assert spool.replay(0) == 7


def test_acknowledged_samples_older_than_the_keeping_time_are_deleted(tmp_path: Path) -> None:
    with Spool(tmp_path / "spool.sqlite", keep_acked_ms=60_000) as spool:
        for ts in (NOW - 120_000, NOW - 90_000, NOW - 30_000, NOW - 1_000):
            spool.append(sample(ts))
        spool.ack(4, now_ms=NOW)
        assert spool.replay(0) == 2  # the two older than a minute are gone
    with sqlite3.connect(tmp_path / "spool.sqlite") as db:
        assert db.execute("SELECT COUNT(*) FROM samples").fetchone()[0] == 2


def test_a_full_spool_forgets_kept_samples_before_dropping_unsent_ones(tmp_path: Path) -> None:
    with spool_of(tmp_path / "spool.sqlite", 5, max_samples=5) as spool:
        spool.ack(3, now_ms=NOW)
        for ts in range(3):
            spool.append(sample(NOW + ts))
        assert spool.dropped_total() == 0
        assert spool.depth() == 5
        spool.append(sample(NOW + 10))
        assert spool.dropped_total() == 1
        assert [seq for seq, _ in spool.pending(0, 100)] == [5, 6, 7, 8, 9]


def test_a_spool_that_keeps_nothing_deletes_on_ack_as_before(tmp_path: Path) -> None:
    with Spool(tmp_path / "spool.sqlite") as spool:
        for ts in range(5):
            spool.append(sample(NOW + ts))
        assert spool.ack(3) == 3
        assert spool.replay(0) == 0
        assert spool.depth() == 2


def test_an_agent_keeps_acknowledged_samples_an_hour_unless_configured_otherwise() -> None:
    assert load_config(env={}).keep_acked_seconds == 3600
    assert load_config(env={"EVERYST_AGENT_KEEP_ACKED_SECONDS": "0"}).keep_acked_seconds == 0
    with pytest.raises(ConfigError, match="keep_acked_seconds must be between 0 and 604800"):
        load_config(env={"EVERYST_AGENT_KEEP_ACKED_SECONDS": "-5"})
