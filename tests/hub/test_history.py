"""History tiers: rollups from 1 Hz samples, late data, expiry and the history API."""

from __future__ import annotations

import json
import re
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from everyst.agent.v1 import agent_pb2
from everyst_hub.inventory.models import Host
from everyst_hub.metrics.compactor import Compactor
from everyst_hub.metrics.history import choose_tier, history
from everyst_hub.metrics.models import Rollup, Sample
from everyst_hub.metrics.rollup import decode
from everyst_hub.metrics.serializers import HostHistorySerializer
from everyst_hub.metrics.services import IncomingBatch, store_batches

from tests.conftest import access_token_for

pytestmark = pytest.mark.django_db

HOUR = 3_600_000
DAY = 24 * HOUR


def sample(ts_ms: int, cpu: float) -> agent_pb2.Sample:
    s = agent_pb2.Sample(ts_ms=ts_ms)
    s.cpu.percent = cpu
    s.cpu.per_core.extend([cpu, cpu / 2])
    s.memory.used = 1000
    s.net.add(iface="eth0", rx_bps=cpu * 10, tx_bps=1)
    return s


def ingest(compactor: Compactor, host, samples: list[agent_pb2.Sample]) -> None:
    store_batches([IncomingBatch(host.id, agent_pb2.MetricBatch(seq=1, samples=samples))])
    compactor.mark(host.id, [s.ts_ms for s in samples])


def aligned_now() -> int:
    now = int(time.time() * 1000)
    return now - now % HOUR


def test_raw_buckets_keep_the_average_and_maximum_of_their_samples(world):
    compactor = Compactor()
    start = aligned_now() - HOUR
    ingest(compactor, world.host_a, [sample(start + i * 1000, float(i)) for i in range(15)])
    assert compactor.compact_once(now_ms=start + HOUR) >= 1
    raw = Rollup.objects.get(host=world.host_a, tier=1, ts=start)
    assert raw.n == 15
    series = decode(raw.data)
    assert series["cpu"] == [7, 14]  # average of 0..14 and maximum
    assert series["core.1"] == [3.5, 7]
    assert series["net.eth0.rx"] == [70, 140]


def test_minute_and_hour_rollups_are_built_from_the_tier_below(world):
    compactor = Compactor()
    start = aligned_now() - 2 * HOUR
    ingest(compactor, world.host_a, [sample(start + i * 1000, 50.0) for i in range(120)])
    for _ in range(3):  # each round closes one more tier
        compactor.compact_once(now_ms=start + 2 * HOUR)
    minute = Rollup.objects.get(host=world.host_a, tier=2, ts=start)
    hour = Rollup.objects.get(host=world.host_a, tier=3, ts=start)
    assert minute.n == 60 and hour.n == 120
    assert decode(hour.data)["cpu"] == [50, 50]


def test_late_samples_recompute_their_bucket_without_counting_twice(world):
    compactor = Compactor()
    start = aligned_now() - HOUR
    ingest(compactor, world.host_a, [sample(start + i * 1000, 10.0) for i in range(10)])
    compactor.compact_once(now_ms=start + HOUR)
    # The agent's backlog arrives after an outage, re-sending two samples it had already sent.
    ingest(compactor, world.host_a, [sample(start + i * 1000, 10.0) for i in range(8, 15)])
    compactor.compact_once(now_ms=start + HOUR)
    assert Rollup.objects.get(host=world.host_a, tier=1, ts=start).n == 15


def test_open_buckets_wait_until_they_close(world):
    compactor = Compactor()
    start = aligned_now()
    ingest(compactor, world.host_a, [sample(start + 1000, 1.0)])
    assert compactor.compact_once(now_ms=start + 5_000) == 0
    assert compactor.compact_once(now_ms=start + 20_000) == 1


def test_expiry_removes_what_is_past_each_tiers_retention(world, settings):
    compactor = Compactor()
    now = aligned_now()
    old = now - 3 * HOUR
    ingest(compactor, world.host_a, [sample(old + i * 1000, 1.0) for i in range(15)])
    ingest(compactor, world.host_a, [sample(now - 60_000, 1.0)])
    compactor.compact_once(now_ms=now)
    compactor.expire(now)
    assert list(Sample.objects.values_list("ts", flat=True)) == [now - 60_000]
    assert Rollup.objects.filter(tier=1, ts=old).exists()  # the raw tier keeps 7 days
    compactor.expire(now + 8 * DAY)
    assert not Rollup.objects.filter(tier=1).exists()


@pytest.mark.parametrize(
    ("span", "tier"),
    [(5 * 60_000, "1s"), (HOUR, "1s"), (6 * HOUR, "15s"), (DAY, "15s"), (7 * DAY, "1h"), (30 * DAY, "1h")],
)
def test_ranges_are_served_from_a_tier_that_keeps_them_and_gives_at_most_1000_points(span, tier):
    now = int(time.time() * 1000)
    assert choose_tier(now - span, now, 1000, now).name == tier


def test_history_shows_gaps_as_gaps(world):
    compactor = Compactor()
    start = aligned_now() - HOUR
    ingest(compactor, world.host_a, [sample(start + i * 1000, 5.0) for i in range(60)])
    ingest(compactor, world.host_a, [sample(start + 600_000 + i * 1000, 9.0) for i in range(60)])
    compactor.compact_once(now_ms=start + HOUR)
    result = history(world.host_a, start, start + 900_000, points=15)
    assert result["step_ms"] == 60_000
    cpu = result["series"]["cpu"]["avg"]
    assert len(cpu) == len(result["ts"]) == 15
    assert cpu[0] == 5 and cpu[10] == 9
    assert cpu[1:10] == [None] * 9
    assert result["count"][0] == 60 and result["count"][5] == 0
    # The API declares this form with HostHistorySerializer: the same JSON.
    assert json.dumps(HostHistorySerializer(result).data) == json.dumps(result)


def test_history_api_filters_series_and_checks_access(world, api):
    compactor = Compactor()
    start = aligned_now() - HOUR
    ingest(compactor, world.host_a, [sample(start + i * 1000, 5.0) for i in range(30)])
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {access_token_for(world.viewer_a)}")
    url = f"/api/v1/hosts/{world.host_a.id}/history?start={start}&end={start + 60_000}&series=cpu,net"
    body = api.get(url).json()
    assert set(body["series"]) == {
        "cpu",
        "cpu.user",
        "cpu.system",
        "cpu.iowait",
        "cpu.steal",
        "net.eth0.rx",
        "net.eth0.tx",
    }
    assert api.get(f"/api/v1/hosts/{world.host_b.id}/history?start=1&end=2").status_code == 404
    bad = api.get(f"/api/v1/hosts/{world.host_a.id}/history?start=10&end=5")
    assert bad.status_code == 400 and "end" in bad.json()["error"]["fields"]


def test_raw_buckets_summed_at_ingest_match_a_full_recompute(world):
    compactor = Compactor()
    start = aligned_now() - HOUR
    samples = [sample(start + i * 1000, float(i)) for i in range(15)]
    store_batches([IncomingBatch(world.host_a.id, agent_pb2.MetricBatch(seq=1, samples=samples))])
    compactor.add(world.host_a.id, samples, now_ms=start + 15_000)
    compactor.add(world.host_a.id, samples[:3], now_ms=start + 15_000)  # re-delivered: counted once
    assert len(compactor.partials[1][(world.host_a.id, start)].parts) == 15
    assert compactor.compact_once(now_ms=start + HOUR) >= 1
    summed = Rollup.objects.get(host=world.host_a, tier=1, ts=start)
    assert summed.n == 15
    assert decode(summed.data)["cpu"] == [7, 14]
    assert decode(summed.data)["net.eth0.rx"] == [70, 140]


def test_a_bucket_summed_from_part_of_its_samples_is_recomputed_from_the_database(world):
    compactor = Compactor()
    start = aligned_now() - HOUR
    # Samples stored before a restart (or by another replica) were never summed here.
    early = [sample(start + i * 1000, 1.0) for i in range(10)]
    store_batches([IncomingBatch(world.host_a.id, agent_pb2.MetricBatch(seq=1, samples=early))])
    later = [sample(start + i * 1000, 31.0) for i in range(10, 15)]
    store_batches([IncomingBatch(world.host_a.id, agent_pb2.MetricBatch(seq=2, samples=later))])
    compactor.add(world.host_a.id, later, now_ms=start + 15_000)
    compactor.compact_once(now_ms=start + HOUR)
    raw = Rollup.objects.get(host=world.host_a, tier=1, ts=start)
    assert raw.n == 15
    assert decode(raw.data)["cpu"] == [11, 31]
    # A late sample after the bucket was rolled: recomputed, not summed into a new partial.
    late = [sample(start + 14_500, 1.0)]
    store_batches([IncomingBatch(world.host_a.id, agent_pb2.MetricBatch(seq=3, samples=late))])
    compactor.add(world.host_a.id, late, now_ms=start + HOUR)
    assert not compactor.partials[1]
    compactor.compact_once(now_ms=start + HOUR)
    assert Rollup.objects.get(host=world.host_a, tier=1, ts=start).n == 16


def _stream(compactor: Compactor, host, start: int, seconds: int, cpu=lambda i: float(i % 97)) -> None:
    """Store and sum samples second by second, compacting every 5 s, as a running hub does."""
    for i in range(seconds):
        ts = start + i * 1000
        samples = [sample(ts, cpu(i))]
        store_batches([IncomingBatch(host.id, agent_pb2.MetricBatch(seq=i, samples=samples))])
        compactor.add(host.id, samples, now_ms=ts)
        if i % 5 == 0:
            compactor.compact_once(now_ms=ts + 500)


def _rollups(host, tier: int) -> dict[int, tuple[int, dict]]:
    return {r.ts: (r.n, decode(r.data)) for r in Rollup.objects.filter(host=host, tier=tier)}


def test_minute_and_hour_rollups_summed_as_children_roll_match_a_full_recompute(world):
    compactor = Compactor()
    start = aligned_now() - HOUR - 60_000  # the last minute of one hour, then the next minute
    _stream(compactor, world.host_a, start, 125)
    with CaptureQueriesContext(connection) as queries:
        compactor.compact_once(now_ms=start + HOUR * 2)  # closes everything, hours included
    # Nothing read the stored 15 s or minute rows back: the parents came from running sums.
    assert not [q for q in queries if "SELECT" in q["sql"] and '"data"' in q["sql"]]
    summed = {tier: _rollups(world.host_a, tier) for tier in (2, 3)}
    assert sorted(summed[2]) == [start, start + 60_000, start + 120_000] and sorted(summed[3]) == [
        start - HOUR + 60_000,
        start + 60_000,
    ]
    assert summed[2][start][0] == 60 and summed[3][start + 60_000][0] == 65

    Rollup.objects.filter(tier__in=(2, 3)).delete()
    fresh = Compactor()  # no running sums: every parent is recomputed from the tier below
    fresh.mark(world.host_a.id, range(start, start + 125_000, 1000))
    fresh.compact_once(now_ms=start + HOUR * 2)
    for tier in (2, 3):
        recomputed = _rollups(world.host_a, tier)
        assert recomputed.keys() == summed[tier].keys()
        for ts, (n, series) in recomputed.items():
            assert summed[tier][ts][0] == n
            assert summed[tier][ts][1].keys() == series.keys()
            for key, pair in series.items():  # each path rounds its stored values once more
                assert summed[tier][ts][1][key] == pytest.approx(pair, rel=2e-3)


def test_a_minute_is_rolled_once_after_its_last_raw_bucket(world):
    compactor = Compactor()
    start = aligned_now() - HOUR
    _stream(compactor, world.host_a, start, 61)
    assert not Rollup.objects.filter(tier=2).exists()  # its last 15 s are not rolled yet
    _stream(compactor, world.host_a, start + 61_000, 10)  # ...until 5 s after the minute ends
    minute = Rollup.objects.get(host=world.host_a, tier=2, ts=start)
    assert minute.n == 60
    assert decode(minute.data)["cpu"] == [29.5, 59]


def test_a_raw_bucket_rolled_again_makes_its_minute_recompute_from_the_database(world):
    compactor = Compactor()
    start = aligned_now() - HOUR
    _stream(compactor, world.host_a, start, 50, cpu=lambda i: 10.0)
    # A late sample for a 15 s bucket already rolled (the agent's backlog): the bucket is rolled
    # again, which its minute's running sum cannot take back.
    late = [sample(start + 7_500, 100.0)]
    store_batches([IncomingBatch(world.host_a.id, agent_pb2.MetricBatch(seq=99, samples=late))])
    compactor.add(world.host_a.id, late, now_ms=start + 50_000)
    _stream(compactor, world.host_a, start + 50_000, 20, cpu=lambda i: 10.0)
    minute = Rollup.objects.get(host=world.host_a, tier=2, ts=start)
    assert minute.n == 61
    assert decode(minute.data)["cpu"] == [pytest.approx((60 * 10 + 100) / 61, rel=1e-3), 100]


# ---------------------------------------------------------------------------- storage layout


def _metric_tables_plan(sql: str) -> list[str]:
    with connection.cursor() as cursor:
        # Placeholders (of an executemany) bind NULL: the plan does not depend on the values.
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", [None] * sql.count("%s"))
        return [row[-1] for row in cursor.fetchall() if "metrics_" in row[-1]]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite storage layout")
def test_metric_tables_are_keyed_by_their_natural_key_stored_once():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tbl_name, type, name, sql FROM sqlite_master WHERE tbl_name IN "
            "('metrics_sample', 'metrics_rollup') ORDER BY tbl_name, type"
        )
        rows = cursor.fetchall()
    tables = {name: sql for tbl, kind, name, sql in rows if kind == "table"}
    assert tables["metrics_rollup"].endswith('PRIMARY KEY ("host_id", "tier", "ts")) WITHOUT ROWID')
    # Samples (~1 KB) keep a rowid: in a WITHOUT ROWID b-tree their large rows would overflow.
    assert tables["metrics_sample"].endswith('PRIMARY KEY ("host_id", "ts"))')
    # No second copy of the key (unique index) and no index on time: only the key's b-tree.
    assert [name for _, kind, name, sql in rows if kind == "index" and sql is not None] == []


@pytest.mark.skipif(connection.vendor != "sqlite", reason="EXPLAIN QUERY PLAN is SQLite's")
def test_expiry_and_recovery_search_the_primary_key_instead_of_scanning(world):
    compactor = Compactor()
    now = aligned_now()
    ingest(compactor, world.host_a, [sample(now - 3 * HOUR + i * 1000, 1.0) for i in range(30)])
    ingest(compactor, world.host_b, [sample(now - 60_000 + i * 1000, 1.0) for i in range(30)])
    compactor.compact_once(now_ms=now)
    with CaptureQueriesContext(connection) as queries:
        compactor.expire(now + 8 * DAY)
        compactor.recover()
    # What the dropped (tier, ts) index used to serve is a full scan now, so it must not be asked.
    assert _metric_tables_plan('DELETE FROM "metrics_rollup" WHERE "tier" = 1 AND "ts" < 0') == [
        "SCAN metrics_rollup"
    ]
    # executemany is captured once, as "<n> times: <sql with placeholders>".
    statements: list[tuple[int, str]] = []
    for query in queries.captured_queries:
        many = re.match(r"(\d+) times: (.*)", query["sql"], re.S)
        times, sql = (int(many[1]), many[2]) if many else (1, query["sql"])
        if "metrics_" in sql:
            statements.append((times, sql))
    deletes = [(times, sql) for times, sql in statements if sql.startswith("DELETE")]
    # Per host with rows: one for its samples (host_a's already went in compact_once's own
    # expiry) and one per rollup tier.
    assert sum(times for times, sql in deletes if "metrics_sample" in sql) == 1
    assert sum(times for times, sql in deletes if "metrics_rollup" in sql) == 2 * len(compactor.tiers)
    for _, sql in statements:
        plan = _metric_tables_plan(sql)
        assert plan, sql
        for step in plan:
            # The key: the WITHOUT ROWID table's PRIMARY KEY, or the rowid table's key index.
            on_key = "USING PRIMARY KEY" in step or "INDEX sqlite_autoindex_metrics_" in step
            assert step.startswith("SEARCH ") and on_key, (sql, plan)
    # 8 days on: the samples and the 15 s tier are gone, the minute and hour tiers are kept.
    assert not Sample.objects.exists()
    assert sorted(set(Rollup.objects.values_list("tier", flat=True))) == [2, 3]


def test_deleting_a_host_deletes_its_samples_and_rollups(world):
    compactor = Compactor()
    start = aligned_now() - HOUR
    for host in (world.host_a, world.host_b):
        ingest(compactor, host, [sample(start + i * 1000, 2.0) for i in range(30)])
    compactor.compact_once(now_ms=start + HOUR)
    assert Rollup.objects.filter(host=world.host_a).exists()
    world.host_a.delete()
    assert not Sample.objects.filter(host_id=world.host_a.id).exists()
    assert not Rollup.objects.filter(host_id=world.host_a.id).exists()
    assert Sample.objects.filter(host=world.host_b).count() == 30
    Host.objects.filter(pk=world.host_b.pk).delete()  # queryset delete, as an admin action would
    assert not Sample.objects.exists() and not Rollup.objects.exists()


def test_recovery_after_a_restart_redirties_recent_raw_buckets(world):
    start = aligned_now() - HOUR
    store_batches(
        [
            IncomingBatch(
                world.host_a.id,
                agent_pb2.MetricBatch(seq=1, samples=[sample(int(time.time() * 1000) - 20_000, 3.0)]),
            )
        ]
    )
    restarted = Compactor()
    restarted.recover()
    assert {host for host, _ in restarted.dirty[1]} == {world.host_a.id}
    assert start < min(b for _, b in restarted.dirty[1])
