"""History shows what exists (issue #12 item 2): any range is answered from the finest data kept
for each part of it, the part not yet rolled up included, and says where the host's data begins."""

from __future__ import annotations

import time

import pytest
from everyst.agent.v1 import agent_pb2
from everyst_hub.metrics.compactor import Compactor
from everyst_hub.metrics.history import history
from everyst_hub.metrics.models import Rollup
from everyst_hub.metrics.services import IncomingBatch, store_batches

from tests.conftest import access_token_for

pytestmark = pytest.mark.django_db

MINUTE = 60_000
HOUR = 60 * MINUTE
DAY = 24 * HOUR


def sample(ts_ms: int, cpu: float) -> agent_pb2.Sample:
    s = agent_pb2.Sample(ts_ms=ts_ms)
    s.cpu.percent = cpu
    s.memory.used = 1000
    return s


def store(host, samples: list[agent_pb2.Sample], compactor: Compactor | None = None) -> None:
    store_batches([IncomingBatch(host.id, agent_pb2.MetricBatch(seq=1, samples=samples))])
    if compactor is not None:
        compactor.mark(host.id, [s.ts_ms for s in samples])


def now_ms() -> int:
    return int(time.time() * 1000)


def stored_cpu(result: dict) -> list[tuple[int, float]]:
    cpu = result["series"]["cpu"]["avg"]
    return [(ts, v) for ts, v in zip(result["ts"], cpu, strict=True) if v is not None]


@pytest.mark.parametrize("span", [HOUR, DAY, 7 * DAY, 30 * DAY])
def test_a_young_host_shows_its_twenty_minutes_in_every_range(world, span):
    now = now_ms()
    first = now - 20 * MINUTE
    store(world.host_a, [sample(first + i * 1000, 40.0) for i in range(20 * 60)])  # nothing rolled yet
    result = history(world.host_a, now - span, now)
    points = stored_cpu(result)
    assert result["data_start"] == first
    # A sensible scale: the 20 minutes spread over many points, not one sliver at the right edge.
    assert len(points) >= 60
    assert points[0][0] <= first + MINUTE and all(v == 40.0 for _, v in points)
    assert sum(result["count"]) == 20 * 60


def test_the_api_answers_a_30_day_range_of_a_young_host_with_its_samples(world, api):
    now = now_ms()
    first = now - 20 * MINUTE
    store(world.host_a, [sample(first + i * 1000, 12.0) for i in range(20 * 60)])
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {access_token_for(world.viewer_a)}")
    body = api.get(
        f"/api/v1/hosts/{world.host_a.id}/history?start={now - 30 * DAY}&end={now}&series=cpu"
    ).json()
    assert body["data_start"] == first
    assert any(v == 12.0 for v in body["series"]["cpu"]["avg"])


def test_a_host_without_samples_has_no_data_start(world):
    now = now_ms()
    result = history(world.host_a, now - DAY, now)
    assert result["data_start"] is None and result["series"] == {}


def test_a_range_over_rolled_and_unrolled_time_stitches_the_tiers_without_counting_twice(world):
    compactor = Compactor()
    now = now_ms()
    hour = now - now % HOUR
    first = hour - 8 * DAY
    # An hour eight days ago and the two hours before this one, rolled up to the hour tier...
    for h, begins in enumerate([first, hour - 2 * HOUR, hour - HOUR]):
        store(
            world.host_a, [sample(begins + i * 1000, 10.0 * (h + 1)) for i in range(0, 3600, 10)], compactor
        )
    for _ in range(4):
        compactor.compact_once(now_ms=hour + 10_000)
    assert Rollup.objects.filter(host=world.host_a, tier=3).count() == 3
    # ...and the current hour, only in 1 Hz samples (its buckets are not closed yet).
    end = hour + 30 * MINUTE
    recent = [sample(hour + i * 1000, 90.0) for i in range(0, 30 * 60, 10)]
    store(world.host_a, recent)
    result = history(world.host_a, end - 30 * DAY, end)
    assert result["data_start"] == first
    assert result["step_ms"] == HOUR
    assert dict(stored_cpu(result)) == {first: 10.0, hour - 2 * HOUR: 20.0, hour - HOUR: 30.0, hour: 90.0}
    # Every sample is counted once: 360 per rolled hour, plus the current hour's samples.
    assert sum(result["count"]) == 3 * 360 + len(recent)
    assert len(result["ts"]) == len(set(result["ts"])) and result["ts"] == sorted(result["ts"])


def test_the_not_yet_rolled_tail_of_a_raw_tier_range_comes_from_samples(world):
    compactor = Compactor()
    now = now_ms()
    first = now - 3 * HOUR
    samples = [
        sample(first + i * 1000, 5.0 if first + i * 1000 < now - 10 * MINUTE else 50.0)
        for i in range(0, 3 * 3600, 5)
    ]
    store(world.host_a, samples, compactor)
    # The compactor last ran ten minutes ago: the last ten minutes are in samples only.
    compactor.compact_once(now_ms=now - 10 * MINUTE)
    rolled_through = Rollup.objects.filter(host=world.host_a, tier=1).order_by("-ts").first()
    assert rolled_through is not None and rolled_through.ts < now - 10 * MINUTE
    result = history(world.host_a, now - DAY, now)
    assert result["tier"] == "15s"
    assert sum(result["count"]) == len(samples)
    assert stored_cpu(result)[-1][1] == 50.0


def test_data_start_is_the_first_sample_even_after_its_bucket_was_rolled(world):
    compactor = Compactor()
    now = now_ms()
    first = now - 2 * HOUR + 7_000
    store(world.host_a, [sample(first + i * 1000, 1.0) for i in range(600)], compactor)
    for _ in range(3):
        compactor.compact_once(now_ms=now)
    assert history(world.host_a, now - 30 * DAY, now)["data_start"] == first
