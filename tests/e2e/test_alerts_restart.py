"""A hub SIGKILLed mid-incident: after the restart (and the agent's spooled backlog replayed) the
incident is neither fired again nor forgotten, and it still resolves once."""

from __future__ import annotations

import signal
import time
from pathlib import Path
from typing import Any

import pytest

from tests.support.processes import AgentProcess, Hub, wait_until

pytestmark = pytest.mark.e2e


def alerts_of(hub: Hub, token: str, rule_id: int) -> list[dict[str, Any]]:
    return [a for a in hub.get("/api/v1/alerts", token) if a["rule"]["id"] == rule_id]


def notifications_of(hub: Hub, token: str, alert_id: int) -> list[str]:
    return sorted(n["event"] for n in hub.get("/api/v1/notifications", token) if n["alert"] == alert_id)


def test_a_hub_killed_mid_incident_neither_repeats_nor_forgets_it(tmp_path: Path) -> None:
    hub = Hub(tmp_path / "hub", extra_env={"EVERYST_ALERTS_TICK_SECONDS": "0.5"}).start()
    agent = AgentProcess(tmp_path / "agent", hub, token=hub.enrollment_token()).start()
    try:
        token = hub.login()
        host_id = wait_until(
            lambda: [h["id"] for h in hub.get("/api/v1/hosts", token)], 30, "the agent's host"
        )[0]
        # Any running machine uses some memory: this rule breaches on every sample.
        rule = hub.post(
            "/api/v1/alert-rules",
            {
                "name": "memory in use",
                "metric": "memory.percent",
                "threshold": 0,
                "for_seconds": 2,
                "host": host_id,
            },
            token,
        )
        (firing,) = wait_until(lambda: alerts_of(hub, token, rule["id"]), 30, "the incident to fire")
        assert firing["state"] == "firing"

        hub.stop(signal.SIGKILL)
        time.sleep(3)  # the agent spools breaching samples meanwhile
        hub.start(setup=False)
        token = hub.login()
        wait_until(
            lambda: [h for h in hub.get("/api/v1/hosts", token) if h["online"]], 30, "the agent to reconnect"
        )
        time.sleep(3)  # backlog and fresh samples, all still breaching
        assert [(a["id"], a["state"]) for a in alerts_of(hub, token, rule["id"])] == [
            (firing["id"], "firing")
        ]
        # The kill may have come between storing the incident and storing its notifications: the
        # restarted hub then tells it once, after UNSENT_AFTER (15 s). Either way, exactly once.
        wait_until(lambda: notifications_of(hub, token, firing["id"]), 30, "the firing notification")
        time.sleep(2)
        assert notifications_of(hub, token, firing["id"]) == ["firing"]

        hub.call("PATCH", f"/api/v1/alert-rules/{rule['id']}", token, {"threshold": 101})
        wait_until(
            lambda: alerts_of(hub, token, rule["id"])[0]["state"] == "resolved", 30, "the incident to resolve"
        )
        time.sleep(2)
        (resolved,) = alerts_of(hub, token, rule["id"])
        assert resolved["id"] == firing["id"] and resolved["started_at"] == firing["started_at"]
        assert notifications_of(hub, token, firing["id"]) == ["firing", "resolved"]
    finally:
        agent.stop()
        hub.stop()
