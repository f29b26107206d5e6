"""Scale-out is configuration only: two hub processes on PostgreSQL + Redis share one fleet."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.live import live_socket, next_frame
from tests.support.processes import AgentProcess, Hub, wait_until
from tests.support.scaleout import fresh_database, redis_database

pytestmark = pytest.mark.scaleout


@pytest.fixture(scope="module")
def database_url() -> Iterator[str]:
    with fresh_database("everyst_scaleout") as url:
        yield url


@pytest.fixture(scope="module")
def redis_url() -> str:
    return redis_database(7)


@pytest.fixture(scope="module")
def hubs(tmp_path_factory: pytest.TempPathFactory, database_url: str, redis_url: str) -> Iterator[list[Hub]]:
    shared = {"DATABASE_URL": database_url, "REDIS_URL": redis_url}
    first = Hub(tmp_path_factory.mktemp("hub1"), extra_env=shared).start()
    # Replicas share the CA and keys so agents may reach any of them.
    second_dir = tmp_path_factory.mktemp("hub2")
    for name in ("pki", "secret_key", "jwt_signing_key"):
        source = first.data_dir / name
        target = second_dir / name
        if source.is_dir():
            shutil.copytree(source, target)
        else:
            target.write_bytes(source.read_bytes())
    second = Hub(second_dir, extra_env=shared).start(setup=False)
    yield [first, second]
    for hub in (first, second):
        hub.stop()


def test_samples_streamed_to_hub_one_reach_a_websocket_client_on_hub_two(
    hubs: list[Hub], tmp_path: Path
) -> None:
    first, second = hubs
    agent = AgentProcess(tmp_path / "agent", first, token=first.enrollment_token()).start()
    try:
        wait_until(lambda: (tmp_path / "agent" / "credentials.json").exists(), 20, "enrollment")
        host_id = agent.credentials()["host_id"]
        with live_socket(second) as ws:
            ws.send(json.dumps({"type": "subscribe", "topic": "fleet"}))
            sample = next_frame(ws, "sample", timeout=15, host=host_id)["sample"]
        assert 0 <= sample["cpu"]["percent"] <= 100
        hosts = second.get("/api/v1/hosts", second.login())
        assert [h["id"] for h in hosts] == [host_id]
    finally:
        agent.stop()
