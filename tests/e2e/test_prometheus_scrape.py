"""A real Prometheus (Debian's package) scrapes a real hub's /metrics with bearer token files, as
the README's scrape config does; series are checked through Prometheus's own HTTP API."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.processes import AgentProcess, Hub, free_port, wait_until

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        shutil.which("prometheus") is None, reason="prometheus (Debian package prometheus) is not installed"
    ),
]

VIEWER_PASSWORD = "e2e-viewer-password-1"


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[Hub]:
    # JWT access tokens are the only bearer the API takes until API tokens exist: make one last the test.
    hub = Hub(tmp_path / "hub", extra_env={"EVERYST_ACCESS_TOKEN_MINUTES": "60"}).start()
    yield hub
    hub.stop()


@pytest.fixture
def agents(hub: Hub, tmp_path: Path) -> Iterator[dict[str, AgentProcess]]:
    started = {
        name: AgentProcess(
            tmp_path / f"agent-{name}",
            hub,
            token=hub.manage("enrollment_token", "--group", f"group-{name}").strip(),
        ).start()
        for name in ("a", "b")
    }
    yield started
    for agent in started.values():
        agent.stop()


class Prometheus:
    def __init__(self, directory: Path, hub: Hub, tokens: dict[str, str]) -> None:
        self.directory = directory
        self.port = free_port()
        directory.mkdir()
        jobs = []
        for job, token in tokens.items():
            entry: dict[str, Any] = {
                "job_name": job,
                "metrics_path": "/metrics",
                "scrape_interval": "1s",
                "static_configs": [{"targets": [f"127.0.0.1:{hub.http_port}"]}],
            }
            if token:
                (directory / f"{job}.token").write_text(token)
                entry["authorization"] = {
                    "type": "Bearer",
                    "credentials_file": str(directory / f"{job}.token"),
                }
            jobs.append(entry)
        # JSON is YAML: no YAML writer needed.
        config = {"global": {"scrape_interval": "1s", "scrape_timeout": "1s"}, "scrape_configs": jobs}
        (directory / "prometheus.yml").write_text(json.dumps(config))
        check = subprocess.run(
            ["promtool", "check", "config", str(directory / "prometheus.yml")], capture_output=True, text=True
        )
        assert check.returncode == 0, check.stdout + check.stderr
        log = (directory / "prometheus.log").open("ab")
        self.process = subprocess.Popen(
            [
                "prometheus",
                f"--config.file={directory / 'prometheus.yml'}",
                f"--storage.tsdb.path={directory / 'data'}",
                f"--web.listen-address=127.0.0.1:{self.port}",
            ],
            stdout=log,
            stderr=log,
        )

    def api(self, path: str, **params: str) -> Any:
        url = f"http://127.0.0.1:{self.port}/api/v1/{path}?{urllib.parse.urlencode(params)}"
        with urllib.request.urlopen(url, timeout=5) as response:
            body = json.load(response)
        assert body["status"] == "success", body
        return body["data"]

    def query(self, promql: str) -> list[dict[str, Any]]:
        try:
            return list(self.api("query", query=promql)["result"])
        except OSError:
            return []  # not listening yet

    def targets(self) -> dict[str, dict[str, Any]]:
        return {t["labels"]["job"]: t for t in self.api("targets")["activeTargets"]}

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)


def create_viewer_of(hub: Hub, owner: str, group_name: str) -> str:
    groups = {g["name"]: g["id"] for g in hub.get("/api/v1/host-groups", owner)}
    user = hub.post("/api/v1/users", {"username": "viewer_a", "password": VIEWER_PASSWORD}, owner)
    hub.call(
        "PUT",
        f"/api/v1/users/{user['id']}/access",
        owner,
        {"access": [{"group_id": groups[group_name], "role": "viewer"}]},
    )
    return hub.login("viewer_a", VIEWER_PASSWORD)


def test_prometheus_scrapes_each_callers_hosts_and_the_hub_health(
    hub: Hub, agents: dict[str, AgentProcess], tmp_path: Path
) -> None:
    owner = hub.login()
    for agent in agents.values():
        wait_until(lambda a=agent: (a.state_dir / "credentials.json").exists(), 30, "enrollment")
    host_ids = {name: agent.credentials()["host_id"] for name, agent in agents.items()}
    viewer = create_viewer_of(hub, owner, "group-a")
    # The owner's scraper holds a read-only API token for both groups, as the README's config does;
    # the viewer's job a session's access token: both go through the REST API's authentication.
    groups = [g["id"] for g in hub.get("/api/v1/host-groups", owner)]
    api_token = hub.post("/api/v1/auth/api-tokens", {"name": "prometheus", "groups": groups}, owner)["secret"]
    prometheus = Prometheus(
        tmp_path / "prometheus", hub, {"owner": api_token, "viewer": viewer, "anonymous": ""}
    )
    try:
        # Both hosts' CPU, scraped with the owner's token.
        owner_cpu = wait_until(
            lambda: (r := prometheus.query('everyst_cpu_usage_ratio{job="owner"}')) and len(r) == 2 and r,
            60,
            "the owner's scrape of both hosts",
        )
        assert {s["metric"]["host_id"] for s in owner_cpu} == set(host_ids.values())
        assert all(0 <= float(s["value"][1]) <= 1 for s in owner_cpu)
        # The viewer of group A: host A's series only, and none of the hub's own.
        viewer_hosts = wait_until(
            lambda: prometheus.query('count by (host_id) ({job="viewer", host_id!=""})'),
            30,
            "the viewer's scrape",
        )
        time.sleep(3)  # a few more scrapes: host B must still be absent
        viewer_hosts = prometheus.query('count by (host_id) ({job="viewer", host_id!=""})')
        assert [s["metric"]["host_id"] for s in viewer_hosts] == [host_ids["a"]]
        assert prometheus.query('{job="viewer", __name__=~"everyst_hub_.*|process_.*"}') == []
        assert prometheus.query(f'node_load1{{job="viewer", host_id="{host_ids["a"]}"}}')
        assert prometheus.query(f'node_filesystem_size_bytes{{job="viewer", host_id="{host_ids["a"]}"}}')
        # The hub's health, for the owner: two streams, samples being stored.
        streams = prometheus.query('everyst_hub_agent_streams{job="owner"}')
        assert [float(s["value"][1]) for s in streams] == [2.0]
        wait_until(
            lambda: prometheus.query('rate(everyst_hub_ingested_samples_total{job="owner"}[5s]) > 0'),
            30,
            "a positive ingest rate",
        )
        assert prometheus.query('everyst_hub_notification_outbox_pending{job="owner"}')
        assert prometheus.query('everyst_hub_ingest_lag_seconds{job="owner"}')
        # The serving hub counts its garbage collector's CPU time, per generation.
        collector = prometheus.query('everyst_hub_gc_cpu_seconds_total{job="owner"}')
        assert sorted(s["metric"]["generation"] for s in collector) == ["0", "1", "2"]
        # Without a token: the target is down, refused with 401.
        anonymous = prometheus.targets()["anonymous"]
        assert anonymous["health"] == "down"
        assert "401" in anonymous["lastError"]
        assert prometheus.targets()["owner"]["health"] == "up"
    finally:
        prometheus.stop()


def test_promtool_check_metrics_passes_on_a_real_hubs_exposition(
    hub: Hub, agents: dict[str, AgentProcess]
) -> None:
    if shutil.which("promtool") is None:
        pytest.skip("promtool (Debian package prometheus) is not installed")
    owner = hub.login()
    for agent in agents.values():
        wait_until(lambda a=agent: (a.state_dir / "credentials.json").exists(), 30, "enrollment")

    def exposition() -> bytes:
        request = urllib.request.Request(f"{hub.url}/metrics", headers={"Authorization": f"Bearer {owner}"})
        with urllib.request.urlopen(request, timeout=10) as response:
            return bytes(response.read())

    body = wait_until(
        lambda: (b := exposition()).count(b"\neveryst_cpu_usage_ratio{") == 2 and b,
        30,
        "both hosts' samples in the exposition",
    )
    result = subprocess.run(["promtool", "check", "metrics"], input=body, capture_output=True, timeout=30)
    assert result.returncode == 0 and not (result.stdout + result.stderr).strip(), (
        result.stdout + result.stderr
    ).decode()
