"""GET /metrics: the Prometheus exposition of the hosts the caller may see, and the hub's health.

A real Prometheus scraping a real hub is in tests/e2e/test_prometheus_scrape.py; these check the
exposition itself, in process, with Prometheus's own parser (promtool) where it matters."""

from __future__ import annotations

import shutil
import subprocess
import time
import uuid
from typing import Any

import pytest
from everyst.agent.v1 import agent_pb2
from everyst_hub.inventory.models import Host
from everyst_hub.metrics import latest
from everyst_hub.metrics.services import IncomingBatch, store_samples
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import World, access_token_for


def _sample(ts_ms: int, cpu: float = 42.0) -> agent_pb2.Sample:
    s = agent_pb2.Sample(ts_ms=ts_ms)
    s.cpu.percent, s.cpu.user, s.cpu.system, s.cpu.idle = cpu, cpu - 2, 2.0, 100 - cpu
    s.cpu.per_core.extend([cpu, cpu])
    s.load.load1, s.load.load5, s.load.load15 = 1.5, 1.0, 0.5
    s.memory.total, s.memory.used, s.memory.available = 8 << 30, 2 << 30, 6 << 30
    s.swap.total, s.swap.used = 1 << 30, 1 << 20
    s.disks.add(mount="/", device="/dev/sda1", fstype="ext4", total=100 << 30, used=40 << 30, free=55 << 30)
    s.disks[0].inodes_total, s.disks[0].inodes_used = 1000, 250
    s.disk_io.add(device="sda", read_bps=1024, write_bps=2048, busy_pct=12.5)
    s.net.add(iface="eth0", rx_bps=100, tx_bps=200, errin=3, dropout=4)
    s.temperatures.add(chip="coretemp", label="Package id 0", current=55.0)
    return s


def stream(*hosts: Any, cpu: float = 42.0, age_ms: int = 0) -> int:
    """Store a fresh sample for each host as ingest does, and mark its stream open."""
    now = int(time.time() * 1000) - age_ms
    store_samples(
        [IncomingBatch(h.id, agent_pb2.MetricBatch(seq=1, samples=[_sample(now, cpu)])) for h in hosts]
    )
    Host.objects.filter(id__in=[h.id for h in hosts]).update(connected=True)
    return now


def scrape(api: Any, user: Any) -> Any:
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {access_token_for(user)}")
    return api.get("/metrics")


def series(body: bytes) -> dict[str, list[tuple[dict[str, str], float]]]:
    found: dict[str, list[tuple[dict[str, str], float]]] = {}
    for family in text_string_to_metric_families(body.decode()):
        for s in family.samples:
            found.setdefault(s.name, []).append((s.labels, s.value))
    return found


def hosts_in(body: bytes) -> set[str]:
    return {labels["host"] for values in series(body).values() for labels, _ in values if "host" in labels}


def test_unauthenticated_scrape_gets_401(api: Any, world: World) -> None:
    response = api.get("/metrics")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_bad_bearer_token_gets_401(api: Any, world: World) -> None:
    api.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    assert api.get("/metrics").status_code == 401


def test_a_scraper_accepting_only_text_gets_its_401_as_text(api: Any, world: World) -> None:
    response = api.get("/metrics", HTTP_ACCEPT="text/plain")
    assert response.status_code == 401
    assert response.content.startswith(b"not_authenticated")


def test_viewer_of_group_a_sees_host_a_series_and_not_host_b(api: Any, world: World) -> None:
    stream(world.host_a, world.host_b)
    response = scrape(api, world.viewer_a)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    found = series(response.content)
    assert hosts_in(response.content) == {"host-a"}
    (labels, value), *_ = found["everyst_cpu_usage_ratio"]
    assert labels == {"host": "host-a", "host_id": str(world.host_a.id)}
    assert value == pytest.approx(0.42)


def test_outsider_sees_no_host_at_all(api: Any, world: World) -> None:
    stream(world.host_a, world.host_b)
    response = scrape(api, world.outsider)
    assert response.status_code == 200
    assert hosts_in(response.content) == set()


def test_viewer_gets_no_hub_health_and_the_owner_does(api: Any, world: World) -> None:
    stream(world.host_a)
    assert not any(
        name.startswith(("everyst_hub_", "process_")) for name in series(scrape(api, world.viewer_a).content)
    )
    owner = series(scrape(api, world.owner).content)
    assert owner["everyst_hub_notification_outbox_pending"] == [({}, 0.0)]
    assert "process_resident_memory_bytes" in owner
    assert hosts_in(scrape(api, world.owner).content) == {"host-a", "host-b"}


def test_names_follow_node_exporter_where_the_meaning_is_the_same(api: Any, world: World) -> None:
    stream(world.host_a)
    found = series(scrape(api, world.owner).content)
    fs = {
        "host": "host-a",
        "host_id": str(world.host_a.id),
        "device": "/dev/sda1",
        "mountpoint": "/",
        "fstype": "ext4",
    }
    assert (fs, float(100 << 30)) in found["node_filesystem_size_bytes"]
    assert (fs, float(60 << 30)) in found["node_filesystem_free_bytes"]
    assert (fs, float(55 << 30)) in found["node_filesystem_avail_bytes"]
    assert (fs, 750.0) in found["node_filesystem_files_free"]
    assert found["node_load1"][0][1] == 1.5
    eth0 = {"host": "host-a", "host_id": str(world.host_a.id), "device": "eth0"}
    assert (eth0, 3.0) in found["node_network_receive_errs_total"]
    assert (eth0, 4.0) in found["node_network_transmit_drop_total"]
    assert found["everyst_network_receive_bytes_per_second"] == [(eth0, 100.0)]
    assert found["node_hwmon_temp_celsius"][0] == (
        {"host": "host-a", "host_id": str(world.host_a.id), "chip": "coretemp", "sensor": "Package id 0"},
        55.0,
    )
    modes = {labels["mode"]: v for labels, v in found["everyst_cpu_mode_ratio"]}
    assert modes["idle"] == pytest.approx(0.58)


def test_an_offline_host_is_down_and_has_no_values(api: Any, world: World) -> None:
    stream(world.host_a, world.host_b)
    Host.objects.filter(id=world.host_b.id).update(connected=False)
    found = series(scrape(api, world.owner).content)
    up = {labels["host"]: v for labels, v in found["everyst_host_up"]}
    assert up == {"host-a": 1.0, "host-b": 0.0}
    assert {labels["host"] for labels, _ in found["everyst_cpu_usage_ratio"]} == {"host-a"}


def test_a_host_this_process_has_not_seen_is_read_from_the_database(api: Any, world: World) -> None:
    # A restarted hub, or a host streaming to another replica: the sample is only in the database.
    stream(world.host_a, cpu=77.0)
    latest.forget({world.host_a.id})
    found = series(scrape(api, world.owner).content)
    assert [v for labels, v in found["everyst_cpu_usage_ratio"] if labels["host"] == "host-a"] == [
        pytest.approx(0.77)
    ]


def test_a_newer_sample_stored_elsewhere_wins_over_the_cached_one(api: Any, world: World) -> None:
    stream(world.host_a, cpu=10.0, age_ms=1000)
    stale = latest.snapshot()[world.host_a.id]
    stream(world.host_a, cpu=90.0)
    latest.forget({world.host_a.id})
    latest.remember({world.host_a.id: stale})
    found = series(scrape(api, world.owner).content)
    assert [v for labels, v in found["everyst_cpu_usage_ratio"] if labels["host"] == "host-a"] == [
        pytest.approx(0.9)
    ]


@pytest.mark.skipif(
    shutil.which("promtool") is None, reason="promtool (Debian package prometheus) is not installed"
)
def test_the_exposition_passes_promtool_check_metrics(api: Any, world: World) -> None:
    # Label values with the characters the format escapes.
    Host.objects.filter(id=world.host_b.id).update(hostname='b "quoted" \\ back\nslash')
    stream(world.host_a, world.host_b)
    body = scrape(api, world.owner).content
    assert hosts_in(body) == {"host-a", 'b "quoted" \\ back\nslash'}
    result = subprocess.run(["promtool", "check", "metrics"], input=body, capture_output=True, timeout=30)
    assert result.returncode == 0, (result.stdout + result.stderr).decode()
    # promtool prints lint problems (names, units, help) on stdout and still exits 0 on some.
    assert not (result.stdout + result.stderr).strip(), (result.stdout + result.stderr).decode()


def test_a_scrape_of_2000_hosts_reads_no_sample_from_the_database(
    api: Any, world: World, django_assert_max_num_queries: Any
) -> None:
    hosts = Host.objects.bulk_create(
        [Host(hostname=f"bulk-{i:04}", machine_id=uuid.uuid4().hex) for i in range(2000)]
    )
    for start in range(0, len(hosts), 500):
        stream(*hosts[start : start + 500])
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {access_token_for(world.owner)}")
    started = time.perf_counter()
    # Authentication (user row, token check), the host list, the outbox count: no query per host.
    with django_assert_max_num_queries(6):
        response = api.get("/metrics")
    elapsed = time.perf_counter() - started
    assert response.status_code == 200
    assert len(hosts_in(response.content)) == 2002
    print(f"\nscrape of 2,002 hosts: {elapsed * 1000:.0f} ms, {len(response.content) / 1e6:.1f} MB")


def test_an_admins_api_token_scrapes_its_groups_hosts_and_the_hub_health(api: Any, world: World) -> None:
    from everyst_hub.accounts.api_tokens import create_api_token

    stream(world.host_a, world.host_b)
    created = create_api_token(
        world.admin, name="prometheus", role="read", group_ids=[world.group_a.id], expires_in_days=30, ip=None
    )
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {created.secret}")
    response = api.get("/metrics")
    assert response.status_code == 200
    assert hosts_in(response.content) == {"host-a"}
    assert "everyst_hub_notification_outbox_pending" in series(response.content)


def test_a_viewers_api_token_gets_no_hub_health(api: Any, world: World) -> None:
    from everyst_hub.accounts.api_tokens import create_api_token

    stream(world.host_a)
    created = create_api_token(
        world.viewer_a, name="grafana", role="read", group_ids=[world.group_a.id], expires_in_days=30, ip=None
    )
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {created.secret}")
    body = api.get("/metrics").content
    assert hosts_in(body) == {"host-a"}
    assert not any(name.startswith(("everyst_hub_", "process_")) for name in series(body))
