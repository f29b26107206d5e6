"""The rule editor offers the agent-dropping, failed-scheduled-job and TLS-expiry sources (issue
#11), with only the fields each of them uses, and saves what the hub expects."""

from __future__ import annotations

import pytest

from tests.support.browser import log_in
from tests.support.processes import Hub

pytestmark = pytest.mark.browser


def saved_rule(hub: Hub, token: str, name: str) -> dict[str, object]:
    (rule,) = [r for r in hub.get("/api/v1/alert-rules", token) if r["name"] == name]
    return rule


def test_an_admin_writes_agent_dropping_failed_job_and_tls_expiry_rules_in_the_editor(  # type: ignore[no-untyped-def]
    hub: Hub, browser
) -> None:
    token = hub.login()
    context = browser.new_context()
    page = context.new_page()
    try:
        log_in(page, hub)
        page.locator('[data-testid="live-indicator"][data-state="live"]').wait_for(timeout=15_000)
        page.goto(f"{hub.url}/alerts?tab=rules")

        page.get_by_test_id("rule-new").click()
        form = page.get_by_test_id("rule-form")
        form.get_by_test_id("rule-name").fill("UI dropping rule")
        form.get_by_test_id("rule-source").select_option("agent_dropping")
        # Samples dropped, within a window, clearing after a quiet time: no direction, no bound.
        assert form.get_by_test_id("rule-comparison").count() == 0
        assert form.get_by_test_id("rule-clear-threshold").count() == 0
        assert form.get_by_test_id("rule-threshold").input_value() == "0"
        form.get_by_test_id("rule-threshold").fill("10")
        form.get_by_test_id("rule-for").fill("60")
        form.get_by_test_id("rule-clear-for").fill("120")
        assert form.get_by_test_id("rule-preview").get_attribute("data-count") == ""
        form.get_by_test_id("rule-submit").click()
        row = page.locator('[data-testid="rule-row"][data-rule="UI dropping rule"]')
        row.wait_for(timeout=10_000)
        assert "samples dropped" in row.inner_text()
        rule = saved_rule(hub, token, "UI dropping rule")
        assert (rule["source"], rule["comparison"], rule["threshold"]) == ("agent_dropping", ">", 10)
        assert (rule["for_seconds"], rule["clear_seconds"], rule["host"], rule["group"]) == (
            60,
            120,
            None,
            None,
        )

        page.get_by_test_id("rule-new").click()
        form = page.get_by_test_id("rule-form")
        form.get_by_test_id("rule-name").fill("UI failed scan rule")
        form.get_by_test_id("rule-source").select_option("job_failed")
        assert form.get_by_test_id("rule-threshold").count() == 0
        form.get_by_test_id("rule-match").fill("port_scan")
        form.get_by_test_id("rule-submit").click()
        row = page.locator('[data-testid="rule-row"][data-rule="UI failed scan rule"]')
        row.wait_for(timeout=10_000)
        assert "port_scan" in row.inner_text()
        rule = saved_rule(hub, token, "UI failed scan rule")
        assert (rule["source"], rule["match"], rule["metric"]) == ("job_failed", "port_scan", "")

        page.get_by_test_id("rule-new").click()
        form = page.get_by_test_id("rule-form")
        form.get_by_test_id("rule-name").fill("UI certificate rule")
        form.get_by_test_id("rule-source").select_option("tls_expiry")
        assert form.get_by_test_id("rule-comparison").count() == 0
        assert form.get_by_test_id("rule-threshold").input_value() == "14"
        form.get_by_test_id("rule-threshold").fill("21")
        form.get_by_test_id("rule-match").fill("*:443")
        form.get_by_test_id("rule-submit").click()
        row = page.locator('[data-testid="rule-row"][data-rule="UI certificate rule"]')
        row.wait_for(timeout=10_000)
        assert "under 21 days" in row.inner_text()
        rule = saved_rule(hub, token, "UI certificate rule")
        assert (rule["source"], rule["comparison"], rule["threshold"], rule["match"]) == (
            "tls_expiry",
            "<",
            21,
            "*:443",
        )
    finally:
        context.close()
