"""The `everyst-agent` command: status, enroll and run, in process and as a real process."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from everyst.agent.v1 import agent_pb2
from everyst_agent.cli import main
from everyst_agent.credentials import save_credentials
from everyst_agent.spool import Spool

from tests.agent.conftest import CREDENTIALS, wait_for


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def write_config(tmp_path: Path, port: int = 1, **extra: object) -> Path:
    lines = [f'hub = "127.0.0.1:{port}"', "tls = false", f'state_dir = "{tmp_path}"', "interval = 0.1"]
    lines += [f"{key} = {json.dumps(value)}" for key, value in extra.items()]
    path = tmp_path / "agent.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def agent_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EVERYST_AGENT_")}
    return {**env, "PYTHONPATH": os.pathsep.join(sys.path), "PYTHONUNBUFFERED": "1"}


@contextlib.asynccontextmanager
async def streaming_agent(hub: Any, *args: str) -> AsyncIterator[asyncio.subprocess.Process]:
    """`python *args` (an agent process), once it has streamed two batches to `hub`; killed on
    the way out if it is still running."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, *args, env=agent_env(), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    try:
        await wait_for(
            lambda: hub.streams and len(hub.last.seqs) >= 2, timeout=15, what="batches from the process"
        )
        yield proc
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


def test_status_json_reports_an_unenrolled_agent_with_an_empty_spool(tmp_path, capsys):
    assert main(["status", "--json", "--config", str(write_config(tmp_path))]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["enrolled"] is False and status["agent_id"] is None
    assert status["hub"] == "127.0.0.1:1"
    assert (status["spool_depth"], status["dropped_total"]) == (0, 0)
    assert not (tmp_path / "spool.sqlite").exists()


def test_status_shows_agent_id_spool_depth_and_dropped_total(tmp_path, capsys):
    config = write_config(tmp_path)
    save_credentials(tmp_path / "credentials.json", CREDENTIALS)
    with Spool(tmp_path / "spool.sqlite", max_samples=2) as spool:
        for ts in range(3):
            spool.append(agent_pb2.Sample(ts_ms=ts))
    assert main(["status", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert "enrolled:       yes" in out
    assert "agent id:       agent-1" in out
    assert "spool depth:    2 samples" in out
    assert "dropped total:  1 samples" in out


def test_run_with_a_bad_value_exits_2_and_names_the_field(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("EVERYST_AGENT_INTERVAL", "0")
    assert main(["run", "--config", str(write_config(tmp_path))]) == 2
    err = capsys.readouterr().err
    assert "interval must be between 0.1 and 3600 seconds, got 0 (from EVERYST_AGENT_INTERVAL)" in err


def test_run_without_credentials_or_token_exits_2_and_says_how_to_enroll(tmp_path, capsys):
    assert main(["run", "--config", str(write_config(tmp_path))]) == 2
    assert "not enrolled" in capsys.readouterr().err


def test_enroll_refuses_to_download_a_ca_without_a_fingerprint(tmp_path, capsys):
    code = main(
        ["enroll", "--token", "t", "--hub-url", "http://hub:8000", "--config", str(write_config(tmp_path))]
    )
    assert code == 2
    assert "--hub-url needs --ca-fingerprint" in capsys.readouterr().err


def test_enroll_refuses_to_overwrite_existing_credentials_without_force(tmp_path, capsys):
    save_credentials(tmp_path / "credentials.json", CREDENTIALS)
    assert main(["enroll", "--token", "t", "--config", str(write_config(tmp_path))]) == 2
    assert "already enrolled as agent agent-1" in capsys.readouterr().err


async def enroll_command(config: Path) -> tuple[str, str]:
    """`everyst-agent enroll --token good-token` as a real process, which must succeed; its output."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "everyst_agent",
        "enroll",
        "--token",
        "good-token",
        "--config",
        str(config),
        env=agent_env(),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 0, err.decode()
    return out.decode(), err.decode()


async def test_enroll_command_writes_credentials(fake_hub, tmp_path):
    hub, port = fake_hub
    out, err = await enroll_command(write_config(tmp_path, port))
    assert "as agent agent-1" in out
    assert json.loads((tmp_path / "credentials.json").read_text())["secret"] == "s3cret"


async def test_enroll_command_moves_on_to_the_next_hub_address_when_the_first_cannot_be_reached(
    fake_hub, tmp_path
):
    hub, port = fake_hub
    dead = free_port()
    config = write_config(tmp_path, port)
    live = f"127.0.0.1:{port}"
    config.write_text(config.read_text().replace(f'"{live}"', f'"127.0.0.1:{dead},{live}"'))
    out, err = await enroll_command(config)
    assert f"enrolled with {live} as agent agent-1" in out
    assert f"cannot reach hub 127.0.0.1:{dead}" in err
    assert hub.enroll_requests and (tmp_path / "credentials.json").exists()


async def test_run_enrolls_with_its_token_then_streams_and_exits_0_soon_after_sigterm(fake_hub, tmp_path):
    hub, port = fake_hub
    config = write_config(tmp_path, port, enroll_token="good-token")
    async with streaming_agent(hub, "-m", "everyst_agent", "run", "--config", str(config)) as proc:
        assert hub.enroll_requests and (tmp_path / "credentials.json").exists()
        assert hub.last.metadata["x-everyst-agent-id"] == "agent-1"
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(proc.communicate(), 5)
        assert time.monotonic() - started < 2.5
        assert proc.returncode == 0, err.decode()
        assert "received SIGTERM, stopping" in err.decode()
