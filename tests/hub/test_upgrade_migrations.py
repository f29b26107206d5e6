"""Upgrades (issue #13 item 7): a database created by a released hub, with its data, is migrated
by today's `everyst-hub setup` (as an upgraded hub does) and keeps everything. Real processes on a
fresh SQLite database of their own; tests/support/release_db.py records each release's leaves."""

from __future__ import annotations

import base64
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.support.release_db import RELEASES

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
T = 1_700_000_000_000  # the sample's time in release_db.fill


def run(args: list[str], data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("EVERYST_", "DATABASE_URL", "DJANGO_"))},
        "EVERYST_DATA_DIR": str(data_dir),
        "EVERYST_ENV_FILE": os.devnull,
        "EVERYST_GRPC_TLS": "false",
        "PYTHONPATH": str(REPO),
    }
    return subprocess.run(args, cwd=REPO, env=env, capture_output=True, text=True, timeout=240)


def one(db: sqlite3.Connection, sql: str, *params: Any) -> Any:
    return db.execute(sql, params).fetchone()


@pytest.mark.parametrize("release", sorted(RELEASES))
def test_a_database_of_a_released_hub_keeps_its_data_through_setup(tmp_path: Path, release: str) -> None:
    created = run([str(BIN / "python"), "-m", "tests.support.release_db", release], tmp_path)
    assert created.returncode == 0, created.stderr
    stored = json.loads(created.stdout.strip().splitlines()[-1])

    upgraded = run([str(BIN / "everyst-hub"), "setup"], tmp_path)
    assert upgraded.returncode == 0, upgraded.stderr
    assert "owner account created" not in upgraded.stdout  # the release's owner is still there
    unapplied = run([str(BIN / "everyst-hub"), "migrate", "--check"], tmp_path)
    assert unapplied.returncode == 0, unapplied.stdout + unapplied.stderr

    db = sqlite3.connect(tmp_path / "everyst.sqlite3")
    owner = one(
        db,
        "SELECT username, username_key, role, password, token_generation FROM accounts_user WHERE id = ?",
        stored["owner"],
    )
    # The release's mixed-case username keeps its spelling and gains its normalised key.
    assert owner == ("Owner", "owner", "owner", stored["owner_password"], 0)
    assert one(db, "SELECT theme FROM accounts_user WHERE id = ?", stored["member"]) == ("dark",)
    assert one(db, "SELECT hostname, agent_version FROM inventory_host WHERE id = ?", stored["host"]) == (
        "web-1",
        "0.1.0",
    )
    assert one(
        db,
        "SELECT COUNT(*) FROM inventory_host_groups WHERE host_id = ? AND hostgroup_id = ?",
        stored["host"],
        stored["group"],
    ) == (1,)
    assert one(
        db,
        "SELECT role FROM inventory_hostgroupaccess WHERE user_id = ? AND group_id = ?",
        stored["member"],
        stored["group"],
    ) == ("viewer",)
    agent = one(db, "SELECT secret_hash FROM inventory_agent WHERE id = ?", stored["agent"].replace("-", ""))
    assert agent == ("a" * 64,)
    sample = one(db, "SELECT data FROM metrics_sample WHERE host_id = ? AND ts = ?", stored["host"], T)
    assert sample == (base64.b64decode(stored["sample"]),)
    assert one(db, "SELECT n FROM metrics_rollup WHERE host_id = ?", stored["host"]) == (60,)
    assert one(db, "SELECT tool, status FROM tools_tooljob WHERE id = ?", stored["job"].replace("-", "")) == (
        "discover",
        "finished",
    )
    assert one(db, "SELECT ip FROM network_device WHERE id = ?", stored["device"]) == ("10.0.0.7",)
    # The upgrade brings the default alert rules, once each.
    names = [row[0] for row in db.execute("SELECT name FROM alerts_alertrule WHERE builtin")]
    assert names and len(names) == len(set(names))
    assert one(db, "SELECT COUNT(*) FROM audit_auditevent WHERE action = 'user.created'") == (1,)
    # Tables of features newer than the release exist, empty.
    assert one(db, "SELECT COUNT(*) FROM accounts_apitoken") == (0,)
    db.close()
