"""The Agents page in a real browser: each host's agent state, Replace agent, refused enrollments."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.browser import log_in
from tests.support.processes import AgentProcess, Hub, wait_until

pytestmark = pytest.mark.browser


def test_an_admin_sees_a_refused_enrollment_and_gets_a_replacement_token_for_a_host(  # type: ignore[no-untyped-def]
    hub: Hub, page, tmp_path: Path
) -> None:
    wait_until(lambda: hub.get("/api/v1/agents", hub.owner_token()), 15, "the local agent to enroll")
    # An agent that tries to enroll with a token the hub never issued, and gives up.
    prober = AgentProcess(tmp_path / "prober", hub, token="evt_not-a-real-token").start()
    process = prober.process
    assert process is not None
    try:
        wait_until(lambda: process.poll() is not None, 20, f"a refusal:\n{prober.log()}")
    finally:
        prober.stop()

    log_in(page, hub)
    page.get_by_test_id("host-tile").first.wait_for(timeout=10_000)
    page.goto(f"{hub.url}/agents")
    refused = page.get_by_test_id("refused-enrollment-row").first
    refused.wait_for(timeout=10_000)
    assert "unknown token" in refused.inner_text() and "127.0.0.1" in refused.inner_text()

    row = page.get_by_test_id("host-agent-row").first
    assert row.get_attribute("data-state") in {"connected", "offline"}
    row.get_by_test_id("host-agent-replace").click()
    page.get_by_test_id("confirm-accept").click()
    result = page.get_by_test_id("enroll-result")
    result.wait_for(timeout=5_000)
    assert "Replacement token created" in result.inner_text()
    command = page.get_by_test_id("enroll-command").inner_text()
    assert "--token" in command and "/install.sh | sudo sh -s --" in command
    tokens = page.get_by_test_id("enroll-token-row")
    tokens.first.wait_for(timeout=5_000)
    assert "replaces the agent of" in tokens.first.inner_text()
