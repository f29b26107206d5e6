"""`everyst-hub serve --local-agent` owns only the local agent's hub settings: what the user adds to
var/local-agent/agent.toml survives restarts, and the agent enforces it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.processes import Hub, free_port

pytestmark = pytest.mark.e2e

USER_SETTINGS = """
# Mine: this machine never scans itself.
scope_deny = [
    "127.0.0.0/8",
]
max_concurrent_jobs = 1
"""


def test_the_users_scope_deny_survives_a_restart_and_the_agent_refuses_a_denied_scan(tmp_path: Path) -> None:
    hub = Hub(tmp_path / "hub").start("--local-agent")
    try:
        hub.local_host_id(hub.login())
        hub.stop()
        config = hub.data_dir / "local-agent" / "agent.toml"
        config.write_text(config.read_text() + USER_SETTINGS)
        # The hub's own settings are still the hub's: a new gRPC port reaches the agent.
        hub.grpc_port = free_port()
        hub.start("--local-agent", setup=False)
        token = hub.login()
        host_id = hub.local_host_id(token)

        text = config.read_text()
        assert USER_SETTINGS in text, text
        assert f'hub = "127.0.0.1:{hub.grpc_port}"' in text, text
        assert "enroll_token =" not in text, "a used enrollment token stays in the file"
        job = hub.post(
            f"/api/v1/hosts/{host_id}/jobs",
            {"tool": "port_scan", "params": {"target": "127.0.0.1", "ports": str(hub.http_port)}},
            token,
        )
        ended = hub.finished_job(job["id"], token)
        assert ended["status"] == "failed", ended
        assert "outside this agent's scope" in ended["message"], ended
    finally:
        hub.stop()
