from __future__ import annotations

import time

import pytest
from everyst.agent.v1 import agent_pb2
from everyst_hub.metrics.services import IncomingBatch, store_batches

from tests.conftest import access_token_for

pytestmark = pytest.mark.django_db


def as_user(api, user):
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {access_token_for(user)}")
    return api


def sample(ts_ms: int, cpu: float = 12.5) -> agent_pb2.Sample:
    s = agent_pb2.Sample(ts_ms=ts_ms, uptime=100)
    s.cpu.percent = cpu
    s.cpu.per_core.extend([cpu, cpu])
    s.memory.total, s.memory.used, s.memory.percent = 1000, 250, 25.0
    s.disks.add(mount="/", device="/dev/vda1", fstype="ext4", total=100, used=40, free=60, percent=40.0)
    s.net.add(iface="eth0", rx_bps=1000, tx_bps=500)
    return s


def store(host, *timestamps):
    batch = agent_pb2.MetricBatch(seq=1, samples=[sample(ts) for ts in timestamps])
    return store_batches([IncomingBatch(host.id, batch)])


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("owner", {"host-a", "host-b"}),
        ("admin", {"host-a", "host-b"}),
        ("operator_a", {"host-a"}),
        ("viewer_a", {"host-a"}),
        ("outsider", set()),
    ],
)
def test_host_list_shows_only_the_hosts_the_user_may_see(world, api, name, expected):
    response = as_user(api, world.users()[name]).get("/api/v1/hosts")
    assert response.status_code == 200
    assert {h["hostname"] for h in response.json()} == expected


def test_anonymous_gets_401_on_hosts(world, api):
    assert api.get("/api/v1/hosts").status_code == 401


def test_viewer_of_group_a_gets_404_for_a_host_of_group_b(world, api):
    as_user(api, world.viewer_a)
    assert api.get(f"/api/v1/hosts/{world.host_b.id}").status_code == 404
    assert api.get(f"/api/v1/hosts/{world.host_b.id}/latest").status_code == 404
    assert api.get(f"/api/v1/hosts/{world.host_b.id}/samples").status_code == 404


def test_malformed_host_id_is_404_not_500(world, api):
    assert as_user(api, world.owner).get("/api/v1/hosts/not-a-uuid").status_code == 404


def test_latest_sample_is_404_before_the_first_and_then_the_newest(world, api):
    as_user(api, world.viewer_a)
    assert api.get(f"/api/v1/hosts/{world.host_a.id}/latest").status_code == 404
    now = int(time.time() * 1000)
    store(world.host_a, now - 2000, now - 1000, now)
    latest = api.get(f"/api/v1/hosts/{world.host_a.id}/latest").json()
    assert latest["ts"] == now
    assert latest["cpu"]["percent"] == 12.5
    assert latest["disks"][0]["mount"] == "/"
    listed = api.get("/api/v1/hosts").json()
    assert listed[0]["latest"]["ts"] == now


def test_storing_the_same_samples_twice_keeps_one_copy(world):
    from everyst_hub.metrics.models import Sample

    store(world.host_a, 1000, 2000)
    store(world.host_a, 1000, 2000, 3000)
    assert list(Sample.objects.filter(host=world.host_a).values_list("ts", flat=True).order_by("ts")) == [
        1000,
        2000,
        3000,
    ]


def test_samples_since_returns_the_gap_oldest_first(world, api):
    store(world.host_a, *range(1000, 11000, 1000))
    response = as_user(api, world.viewer_a).get(f"/api/v1/hosts/{world.host_a.id}/samples?since=5000")
    assert [s["ts"] for s in response.json()["samples"]] == [6000, 7000, 8000, 9000, 10000]
    limited = api.get(f"/api/v1/hosts/{world.host_a.id}/samples?limit=3").json()["samples"]
    assert [s["ts"] for s in limited] == [8000, 9000, 10000]


def test_bad_range_parameters_get_a_400(world, api):
    as_user(api, world.owner)
    response = api.get(f"/api/v1/hosts/{world.host_a.id}/samples?since=yesterday")
    assert response.status_code == 400
    assert "since" in response.json()["error"]["fields"]
    assert api.get(f"/api/v1/hosts/{world.host_a.id}/samples?limit=999999").status_code == 400


def test_the_declared_host_type_is_exactly_what_the_host_list_answers(world, api):
    # Hosts are built by host_summary (thousands at once); HostWithLatestSerializer declares them.
    import json

    from django.utils import timezone
    from everyst_hub.inventory.models import Host
    from everyst_hub.inventory.serializers import HostWithLatestSerializer

    Host.objects.filter(id=world.host_a.id).update(
        last_seen=timezone.now(), boot_time=1764000000.5, addresses=["10.0.0.2/24"], os="Debian"
    )
    world.host_b.groups.add(world.group_a)
    store(world.host_a, 1_000)
    as_user(api, world.owner)
    answer = api.get("/api/v1/hosts").json()
    assert len(answer) == 2 and any(h["latest"] for h in answer) and any(h["last_seen"] for h in answer)
    hosts = {str(h.id): h for h in Host.objects.prefetch_related("groups")}
    for entry in answer:
        host = hosts[entry["id"]]
        host.latest = entry["latest"]  # type: ignore[attr-defined]
        assert json.loads(json.dumps(HostWithLatestSerializer(host).data)) == entry
