"""Host takeover at enrollment, with real processes: a hub and real agents on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.processes import AgentProcess, Hub, wait_until

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    hub = Hub(tmp_path_factory.mktemp("hub")).start()
    yield hub
    hub.stop()


def machine_id(agent: AgentProcess) -> str:
    return agent.config_path.read_text().split("machine_id = ")[1].split("\n")[0].strip('"')


def enrolled(agent: AgentProcess) -> bool:
    return (agent.state_dir / "credentials.json").exists()


def ended(agent: AgentProcess) -> bool:
    return agent.process is not None and agent.process.poll() is not None


def test_an_agent_with_a_stolen_machine_id_is_refused_and_replace_agent_moves_the_host(
    hub: Hub, tmp_path: Path
) -> None:
    admin = hub.login()
    victim = AgentProcess(tmp_path / "victim", hub, token=hub.enrollment_token()).start()
    intruder: AgentProcess | None = None
    successor: AgentProcess | None = None
    try:
        wait_until(lambda: enrolled(victim), 15, f"enrollment:\n{victim.log()}")
        host_id = victim.credentials()["host_id"]
        wait_until(lambda: hub.get(f"/api/v1/hosts/{host_id}", admin)["online"], 15, "the victim online")

        # The attack: a token bound to another group, and the victim's /etc/machine-id.
        group_token = hub.post("/api/v1/enrollment-tokens", {"group_name": "group-b"}, admin)["token"]
        intruder = AgentProcess(
            tmp_path / "intruder", hub, token=group_token, extra={"machine_id": machine_id(victim)}
        ).start()
        wait_until(lambda: ended(intruder), 20, f"the intruder to give up:\n{intruder.log()}")
        assert "already enrolled as host" in intruder.log(), intruder.log()
        assert not enrolled(intruder)

        host = hub.get(f"/api/v1/hosts/{host_id}", admin)
        assert host["groups"] == [] and host["online"], host
        [refused] = hub.get("/api/v1/audit?action=agent.enrollment_refused", admin)["results"]
        assert refused["ip"] == "127.0.0.1"
        assert refused["details"]["machine_id"] == machine_id(victim)
        assert refused["details"]["reason"] == "machine_enrolled"
        assert not ended(victim), victim.log()

        # The explicit admin act: a replacement token, used from a reinstalled machine.
        replacement = hub.post(f"/api/v1/hosts/{host_id}/replace-agent", {}, admin)
        successor = AgentProcess(tmp_path / "successor", hub, token=replacement["token"]).start()
        wait_until(lambda: enrolled(successor), 15, f"the successor:\n{successor.log()}")
        assert successor.credentials()["host_id"] == host_id
        wait_until(lambda: "revoked" in victim.log(), 15, f"the victim to be told:\n{victim.log()}")
        agents = {a["id"]: a for a in hub.get("/api/v1/agents", admin) if a["host"]["id"] == host_id}
        assert agents[victim.credentials()["agent_id"]]["revoked_at"] is not None
        assert agents[successor.credentials()["agent_id"]]["revoked_at"] is None
        wait_until(lambda: hub.get(f"/api/v1/hosts/{host_id}", admin)["online"], 15, "the successor online")
    finally:
        for agent in (successor, intruder, victim):
            if agent is not None:
                agent.stop()
