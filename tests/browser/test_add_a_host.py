"""Adding a host from the Agents page (issue #12 item 4), in a real browser against a real hub: the
page waits for the agent and says, live, which host enrolled with its token, with a link to it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.browser import log_in
from tests.support.processes import AgentProcess, Hub, wait_until

pytestmark = pytest.mark.browser


def test_the_agents_page_shows_the_host_that_enrolls_with_its_new_token_without_a_reload(  # type: ignore[no-untyped-def]
    hub: Hub, page, tmp_path: Path
) -> None:
    log_in(page, hub)
    page.get_by_test_id("host-tile").first.wait_for(timeout=10_000)
    page.goto(f"{hub.url}/agents")
    page.get_by_label("Description").fill("new web server")
    page.get_by_test_id("enroll-create").click()
    page.get_by_test_id("enroll-result").wait_for(timeout=5_000)
    command = page.get_by_test_id("enroll-command").inner_text()
    assert command.startswith("curl ") and "\n" not in command.strip()
    waiting = page.get_by_test_id("enroll-waiting")
    assert "Waiting for the agent" in waiting.inner_text()
    assert page.get_by_test_id("enroll-enrolled-host").count() == 0
    # A reload would lose this marker (and the raw token with it).
    page.evaluate("window.__sameDocument = true")

    token = page.get_by_test_id("enroll-token").inner_text().strip()
    agent = AgentProcess(tmp_path / "host-x", hub, token=token).start()
    try:
        link = page.get_by_test_id("enroll-enrolled-host")
        link.wait_for(timeout=20_000)
        owner = hub.login()
        listed = next(
            t for t in hub.get("/api/v1/enrollment-tokens", owner) if t["description"] == "new web server"
        )
        [enrolled] = listed["enrolled_hosts"]
        assert link.inner_text() == enrolled["hostname"]
        assert f"{enrolled['hostname']} enrolled" in page.get_by_test_id("enroll-enrolled").inner_text()
        assert "Waiting for the agent" not in waiting.inner_text()
        assert page.evaluate("window.__sameDocument") is True

        link.click()
        page.wait_for_url(f"{hub.url}/hosts/{enrolled['id']}", timeout=5_000)
        page.get_by_role("heading", name=enrolled["hostname"]).first.wait_for(timeout=10_000)
    finally:
        agent.stop()


def test_an_enrollment_missed_while_away_shows_once_the_page_is_back(  # type: ignore[no-untyped-def]
    hub: Hub, page, tmp_path: Path
) -> None:
    log_in(page, hub)
    page.get_by_test_id("host-tile").first.wait_for(timeout=10_000)
    page.goto(f"{hub.url}/agents")
    page.get_by_label("Uses (hosts that may enroll)").fill("2")
    page.get_by_test_id("enroll-create").click()
    page.get_by_test_id("enroll-result").wait_for(timeout=5_000)
    token = page.get_by_test_id("enroll-token").inner_text().strip()
    # The socket is cut, so only the token list can tell the page about the enrollment.
    page.context.set_offline(True)
    agent = AgentProcess(tmp_path / "away", hub, token=token).start()
    try:
        wait_until(lambda: agent.status().get("enrolled"), 30, f"the agent to enroll:\n{agent.log()}")
        page.context.set_offline(False)
        page.get_by_test_id("enroll-enrolled-host").wait_for(timeout=30_000)
        assert "Waiting for one more host" in page.get_by_test_id("enroll-waiting").inner_text()
    finally:
        agent.stop()
