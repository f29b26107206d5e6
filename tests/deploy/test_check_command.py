"""`everyst-hub check`, run as an operator would: what is wrong, how to fix it, and the exit status."""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path

import pytest

from tests.support.processes import VENV_BIN, Hub, free_port


def check(hub: Hub, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(VENV_BIN / "everyst-hub"), "check"],
        env={**hub.env(), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def problems(done: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in done.stdout.splitlines() if line.startswith("ERROR")]


@pytest.fixture(scope="module")
def prepared_once(tmp_path_factory: pytest.TempPathFactory) -> Hub:
    """A set-up hub the tests only read (their changes go in the check's environment)."""
    hub = Hub(tmp_path_factory.mktemp("hub"))
    hub.setup()
    return hub


@pytest.fixture
def prepared(tmp_path: Path) -> Hub:
    """A set-up hub of the test's own, to change."""
    hub = Hub(tmp_path / "hub")
    hub.setup()
    return hub


def test_a_prepared_hub_passes_and_only_warns_about_its_unset_public_url(prepared_once: Hub) -> None:
    done = check(prepared_once)
    assert done.returncode == 0, done.stdout + done.stderr
    assert problems(done) == []
    assert "ok      database: the sqlite database" in done.stdout and "fully migrated" in done.stdout
    assert "WARNING public URL: EVERYST_PUBLIC_URL is not set" in done.stdout
    assert "configuration usable: 0 problems, 1 warning" in done.stdout


def test_before_setup_it_says_to_run_setup_and_fails(tmp_path: Path) -> None:
    done = check(Hub(tmp_path / "fresh"))
    assert done.returncode == 1
    assert any("migrations are not applied" in line for line in problems(done)), done.stdout
    assert any("the hub CA is incomplete" in line for line in problems(done)), done.stdout
    assert done.stdout.count("fix: run `everyst-hub setup`") == 2


def test_a_malformed_value_is_named_with_its_fix_and_no_traceback(prepared_once: Hub) -> None:
    done = check(prepared_once, EVERYST_HTTP_PORT="eighty")
    assert done.returncode == 2
    assert "configuration error: EVERYST_HTTP_PORT='eighty' is not a whole number" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_data_dir_that_cannot_be_created_is_reported_without_a_traceback(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    done = check(Hub(blocker / "data"))
    assert done.returncode == 2
    assert f"EVERYST_DATA_DIR={blocker / 'data'} cannot be created" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_public_url_the_certificate_and_allowed_hosts_do_not_name_is_an_error_until_fixed(
    prepared: Hub,
) -> None:
    public = {"EVERYST_PUBLIC_URL": "https://everyst.example.com", "EVERYST_SECURE_COOKIES": "true"}
    done = check(prepared, **public)
    assert done.returncode == 1
    assert any("does not name everyst.example.com" in line for line in problems(done)), done.stdout
    assert "fix: add everyst.example.com to EVERYST_GRPC_SERVER_NAMES" in done.stdout
    assert any("everyst.example.com is not in EVERYST_ALLOWED_HOSTS" in line for line in problems(done))

    fixed = {
        **public,
        "EVERYST_GRPC_SERVER_NAMES": "everyst.example.com",
        "EVERYST_ALLOWED_HOSTS": "everyst.example.com,127.0.0.1",
    }
    prepared.extra_env.update(fixed)
    prepared.manage("setup")  # re-issues the server certificate with the new name
    done = check(prepared)
    assert done.returncode == 0, done.stdout
    assert "ok      public URL: https://everyst.example.com" in done.stdout


def test_a_server_certificate_from_another_ca_is_an_error(prepared: Hub, tmp_path: Path) -> None:
    other = Hub(tmp_path / "other")
    other.setup()
    pki = prepared.data_dir / "pki"
    for name in ("server.pem", "server.key"):
        (pki / name).write_bytes((other.data_dir / "pki" / name).read_bytes())
    done = check(prepared)
    assert done.returncode == 1
    assert any("was not issued by the hub CA" in line for line in problems(done)), done.stdout


def _closed_port() -> int:
    port = free_port()
    with socket.socket() as probe:  # nothing listens there: connecting is refused at once
        assert probe.connect_ex(("127.0.0.1", port)) != 0
    return port


def test_an_unreachable_redis_is_an_error(prepared_once: Hub) -> None:
    done = check(prepared_once, REDIS_URL=f"redis://127.0.0.1:{_closed_port()}/0")
    assert done.returncode == 1
    assert any(line.startswith("ERROR   channel layer: Redis at") for line in problems(done)), done.stdout


def test_an_unreachable_database_is_an_error(prepared_once: Hub) -> None:
    done = check(prepared_once, DATABASE_URL=f"postgres://everyst@127.0.0.1:{_closed_port()}/everyst")
    assert done.returncode == 1
    assert any("cannot connect to the postgresql database" in line for line in problems(done)), done.stdout
    assert "fix: check DATABASE_URL" in done.stdout
