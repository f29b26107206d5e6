"""Scale-out is configuration only: two hub processes on PostgreSQL + Redis share one fleet."""

from __future__ import annotations

import json
import shutil
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.live import live_socket, next_frame
from tests.support.processes import AgentProcess, Hub, wait_until

pytestmark = pytest.mark.scaleout

PG = ("127.0.0.1", 5432)
REDIS = ("127.0.0.1", 6379)


def reachable(address: tuple[str, int]) -> bool:
    try:
        with socket.create_connection(address, timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture(scope="module")
def database_url() -> Iterator[str]:
    if not reachable(PG):
        pytest.skip("PostgreSQL is not running on 127.0.0.1:5432: scale-out test skipped")
    import psycopg

    name = f"everyst_scaleout_{uuid.uuid4().hex[:8]}"
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield f"postgres://postgres@127.0.0.1:5432/{name}"
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def redis_url() -> str:
    if not reachable(REDIS):
        pytest.skip("Redis is not running on 127.0.0.1:6379: scale-out test skipped")
    return "redis://127.0.0.1:6379/7"


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
