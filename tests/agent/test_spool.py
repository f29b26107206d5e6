"""The spool: durable, ordered, bounded; seq never goes back, not even across restarts."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from everyst.agent.v1 import agent_pb2
from everyst_agent.spool import Spool, read_stats


def sample(ts: int) -> agent_pb2.Sample:
    s = agent_pb2.Sample(ts_ms=ts)
    s.cpu.percent = ts % 100
    return s


def test_append_hands_out_increasing_seqs_and_pending_keeps_their_order(tmp_path):
    with Spool(tmp_path / "spool.sqlite") as spool:
        seqs = [spool.append(sample(ts)) for ts in (10, 20, 30)]
        assert seqs == [1, 2, 3]
        assert [(seq, s.ts_ms, s.cpu.percent) for seq, s in spool.pending(0, 10)] == [
            (1, 10, 10),
            (2, 20, 20),
            (3, 30, 30),
        ]
        assert spool.depth() == 3


def test_pending_starts_after_the_given_seq_and_respects_the_limit(tmp_path):
    with Spool(tmp_path / "spool.sqlite") as spool:
        for ts in range(10):
            spool.append(sample(ts))
        assert [seq for seq, _ in spool.pending(after_seq=4, limit=3)] == [5, 6, 7]


def test_ack_deletes_every_sample_up_to_the_acked_seq(tmp_path):
    with Spool(tmp_path / "spool.sqlite") as spool:
        for ts in range(5):
            spool.append(sample(ts))
        assert spool.ack(3) == 3
        assert [seq for seq, _ in spool.pending(0, 10)] == [4, 5]
        assert spool.depth() == 2
        assert spool.ack(2) == 0


def test_spool_survives_reopen_and_never_reuses_a_seq(tmp_path):
    path = tmp_path / "spool.sqlite"
    with Spool(path) as spool:
        for ts in range(3):
            spool.append(sample(ts))
        spool.ack(3)
    with Spool(path) as spool:
        assert spool.depth() == 0
        assert spool.append(sample(99)) == 4
        assert spool.last_seq() == 4
    assert path.stat().st_mode & 0o777 == 0o600


def test_spool_drops_oldest_and_counts_them_past_its_bound(tmp_path):
    path = tmp_path / "spool.sqlite"
    with Spool(path, max_samples=5) as spool:
        for ts in range(8):
            spool.append(sample(ts))
        assert spool.depth() == 5
        assert spool.dropped_total() == 3
        assert [seq for seq, _ in spool.pending(0, 10)] == [4, 5, 6, 7, 8]
    with Spool(path, max_samples=5) as spool:
        assert spool.dropped_total() == 3
        spool.append(sample(8))
        assert spool.dropped_total() == 4
    assert read_stats(path) == (5, 4)


def test_committed_appends_survive_kill_9(tmp_path):
    path = tmp_path / "spool.sqlite"
    code = textwrap.dedent(
        f"""
        import sys, time
        from everyst.agent.v1 import agent_pb2
        from everyst_agent.spool import Spool
        spool = Spool({str(path)!r})
        for ts in range(1, 51):
            spool.append(agent_pb2.Sample(ts_ms=ts))
        print("appended", flush=True)
        time.sleep(60)
        """
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, env=env)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == b"appended"
        proc.send_signal(signal.SIGKILL)
        proc.wait(5)
    finally:
        if proc.poll() is None:
            proc.kill()
    with Spool(path) as spool:
        assert spool.depth() == 50
        assert [s.ts_ms for _, s in spool.pending(0, 100)] == list(range(1, 51))
        assert spool.append(sample(0)) == 51


def test_read_stats_neither_creates_nor_locks_a_spool(tmp_path):
    path = tmp_path / "spool.sqlite"
    assert read_stats(path) is None
    assert not path.exists()
    with Spool(path) as spool:
        spool.append(sample(1))
        assert read_stats(Path(path)) == (1, 0)
        spool.append(sample(2))
