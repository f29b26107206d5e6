"""`everyst-hub backup` while agents stream into a real hub, `everyst-hub restore` into a fresh data
dir (and database), and the same agents carry on against the restored hub: same credentials, the
samples the backup missed sent again from their spools, every collected second stored once."""

from __future__ import annotations

import os
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.test_no_data_loss import assert_every_second_once, raw_counts, stored
from tests.support.processes import VENV_BIN, AgentProcess, Hub, wait_until

pytestmark = pytest.mark.e2e

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


def restore(hub: Hub, archive: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    """`everyst-hub restore` with the hub's environment (its data dir and DATABASE_URL)."""
    return subprocess.run(
        [str(VENV_BIN / "everyst-hub"), "restore", str(archive), *extra],
        env=hub.env(),
        capture_output=True,
        text=True,
        timeout=300,
    )


def caught_up(hub: Hub, host_id: str, agent: AgentProcess, token: str) -> bool:
    try:
        newest = hub.get(f"/api/v1/hosts/{host_id}/latest", token)["ts"]
    except Exception:
        return False
    return bool(newest >= time.time() * 1000 - 3000 and agent.status().get("spool_depth", 99) <= 3)


def stored_after(hub: Hub, host_ids: list[str], after_ms: int) -> dict[str, list[int]] | None:
    """Each host's samples stored after `after_ms`, once every host has at least five."""
    found = {h: [ts for ts in stored(hub, h, 0) if ts > after_ms] for h in host_ids}
    return found if all(len(v) >= 5 for v in found.values()) else None


def backup_during_ingest_then_restore(
    tmp_path: Path, env: dict[str, str], restored_env: dict[str, str]
) -> None:
    fast = {"EVERYST_ACCESS_TOKEN_MINUTES": "60", "EVERYST_METRICS_COMPACT_SECONDS": "1"}
    hub = Hub(tmp_path / "hub", extra_env={**fast, **env}).start()
    agents = [
        AgentProcess(tmp_path / f"agent{i}", hub, token=hub.enrollment_token()).start() for i in range(2)
    ]
    restored: Hub | None = None
    try:
        for agent in agents:
            wait_until(lambda a=agent: (a.state_dir / "credentials.json").exists(), 30, "enrollment")
        credentials = [a.credentials() for a in agents]
        host_ids = [c["host_id"] for c in credentials]
        token_before = hub.login()
        wait_until(lambda: all(len(stored(hub, h, 0)) >= 5 for h in host_ids), 30, "first samples")
        first_ms = {h: stored(hub, h, 0)[0] for h in host_ids}

        archive = tmp_path / "everyst-backup.tar.gz"
        hub.manage("backup", str(archive))
        backup_ms = int(time.time() * 1000)
        # The hub goes on storing and acknowledging samples the archive does not have.
        after_backup = wait_until(
            lambda: stored_after(hub, host_ids, backup_ms + 1000),
            30,
            "samples stored after the backup",
            interval=0.5,
        )
        hub.stop()
        time.sleep(3)  # the agents spool meanwhile

        restored = Hub(
            tmp_path / "restored",
            http_port=hub.http_port,
            grpc_port=hub.grpc_port,
            extra_env={**fast, **restored_env},
        )
        result = restore(restored, archive)
        assert result.returncode == 0, result.stdout + result.stderr
        for name in ("secret_key", "jwt_signing_key", "pki/ca.pem", "pki/ca.key"):
            assert (restored.data_dir / name).read_bytes() == (hub.data_dir / name).read_bytes(), name
        restored.start(setup=False)
        # A token signed before the backup still verifies: the signing key came back too.
        token = token_before
        for agent, host_id in zip(agents, host_ids, strict=True):
            wait_until(
                lambda a=agent, h=host_id: caught_up(restored, h, a, token), 60, "the agents to catch up"
            )
        end_ms = int(time.time() * 1000) - 2000
        # Same credentials: no agent enrolled again, and the hub knows the same two agents.
        assert [a.credentials() for a in agents] == credentials
        restored_agents = restored.get("/api/v1/agents", token)
        assert sorted((a["id"], a["host"]["id"]) for a in restored_agents) == sorted(
            (c["agent_id"], c["host_id"]) for c in credentials
        )
        assert all(a["connected"] and a["revoked_at"] is None for a in restored_agents)
        for host_id in host_ids:
            timestamps = stored(restored, host_id, 0)
            assert set(after_backup[host_id]) <= set(timestamps), (
                "samples acknowledged after the backup are missing"
            )
            assert_every_second_once(timestamps, first_ms[host_id], end_ms)
        if "DATABASE_URL" not in env:
            # The raw rollup tier counts each second once too, across the backup and the resend.
            for host_id in host_ids:
                first = first_ms[host_id] - first_ms[host_id] % 15000 + 15000
                last = end_ms - end_ms % 15000
                wait_until(
                    lambda h=host_id, f=first, la=last: (
                        raw_counts(restored, h, f, la) == {b: 15 for b in range(f, la, 15000)}
                    ),
                    60,
                    f"raw-tier rollups of {host_id}",
                )
    finally:
        for agent in agents:
            agent.stop()
        hub.stop()
        if restored is not None:
            restored.stop()


def test_a_hub_restored_from_a_backup_taken_during_ingest_loses_and_duplicates_nothing(
    tmp_path: Path,
) -> None:
    backup_during_ingest_then_restore(tmp_path, {}, {})


def _postgres_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture
def two_databases() -> Iterator[tuple[str, str]]:
    if not _postgres_reachable():
        pytest.skip("PostgreSQL is not running on 127.0.0.1:5432: the pg_dump backup test is skipped")
    import psycopg

    names = [f"everyst_backup_{uuid.uuid4().hex[:8]}" for _ in range(2)]
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        for name in names:
            conn.execute(f'CREATE DATABASE "{name}"')
    yield f"postgres://postgres@127.0.0.1:5432/{names[0]}", f"postgres://postgres@127.0.0.1:5432/{names[1]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        for name in names:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_postgresql_hub_restored_from_pg_dump_loses_and_duplicates_nothing(
    tmp_path: Path, two_databases: tuple[str, str]
) -> None:
    source, target = two_databases
    backup_during_ingest_then_restore(tmp_path, {"DATABASE_URL": source}, {"DATABASE_URL": target})


def test_restore_refuses_a_non_empty_data_dir_unless_forced(tmp_path: Path) -> None:
    hub = Hub(tmp_path / "hub")
    hub.setup()
    archive = tmp_path / "backup.tar.gz"
    hub.manage("backup", str(archive))
    before = (hub.data_dir / "secret_key").read_bytes()
    (hub.data_dir / "secret_key").write_text("changed since the backup")
    refused = restore(hub, archive)
    assert refused.returncode == 2 and "not empty" in refused.stderr
    assert (hub.data_dir / "secret_key").read_text() == "changed since the backup"
    forced = restore(hub, archive, "--force")
    assert forced.returncode == 0, forced.stderr
    assert (hub.data_dir / "secret_key").read_bytes() == before
    assert oct(os.stat(hub.data_dir / "secret_key").st_mode & 0o777) == "0o600"


def test_backup_refuses_to_overwrite_an_archive(tmp_path: Path) -> None:
    hub = Hub(tmp_path / "hub")
    hub.setup()
    archive = tmp_path / "backup.tar.gz"
    archive.write_text("an older backup")
    with pytest.raises(RuntimeError, match="exists already"):
        hub.manage("backup", str(archive))
    assert archive.read_text() == "an older backup"


def test_the_settings_file_comes_back_in_place_in_the_data_dir_and_beside_it_from_elsewhere(
    tmp_path: Path,
) -> None:
    outside = tmp_path / "etc" / "hub.env"
    outside.parent.mkdir()
    outside.write_text("EVERYST_METRICS_RECENT_HOURS=3\n")
    hub = Hub(tmp_path / "hub", extra_env={"EVERYST_ENV_FILE": str(outside)})
    hub.setup()
    archive = tmp_path / "outside.tar.gz"
    hub.manage("backup", str(archive))
    restored = Hub(tmp_path / "restored", extra_env={"EVERYST_ENV_FILE": str(tmp_path / "none.env")})
    result = restore(restored, archive)
    assert result.returncode == 0, result.stderr
    assert (restored.data_dir / "settings-from-backup" / "hub.env").read_text() == outside.read_text()
    assert str(outside) in result.stdout

    inside = hub.data_dir / "hub.env"
    inside.write_text("EVERYST_METRICS_RECENT_HOURS=4\n")
    hub.extra_env["EVERYST_ENV_FILE"] = str(inside)
    archive = tmp_path / "inside.tar.gz"
    hub.manage("backup", str(archive))
    again = Hub(tmp_path / "again", extra_env={"EVERYST_ENV_FILE": str(tmp_path / "none.env")})
    assert restore(again, archive).returncode == 0
    assert (again.data_dir / "hub.env").read_text() == inside.read_text()
