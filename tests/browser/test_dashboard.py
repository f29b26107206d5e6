"""The dashboard in a real browser: Debian's chromium driven by Playwright."""

from __future__ import annotations

import pytest

from tests.support.browser import log_in
from tests.support.processes import Hub, wait_until

pytestmark = pytest.mark.browser


def test_owner_logs_in_and_sees_the_host_tile_change_live(hub: Hub, page) -> None:  # type: ignore[no-untyped-def]
    wait_until(lambda: hub.get("/api/v1/hosts", hub.owner_token()), 10, "the local agent to enroll")
    log_in(page, hub)
    tile = page.get_by_test_id("host-tile").first
    tile.wait_for(timeout=10_000)
    updated = tile.get_by_test_id("host-tile-updated")
    first = updated.get_attribute("data-ts")
    page.wait_for_function(
        "([el, before]) => el.getAttribute('data-ts') !== before",
        arg=[updated.element_handle(), first],
        timeout=10_000,
    )
    assert updated.get_attribute("data-ts") != first
    cpu = tile.get_by_test_id("host-tile-cpu").inner_text()
    assert cpu.strip().endswith("%")
    assert page.get_by_test_id("live-indicator").get_attribute("data-state") == "live"


def test_a_wrong_password_shows_an_error_and_no_dashboard(hub: Hub, page) -> None:  # type: ignore[no-untyped-def]
    log_in(page, hub, password="definitely-wrong")
    error = page.get_by_test_id("login-error")
    error.wait_for(timeout=5_000)
    assert "Invalid username or password" in error.inner_text()
    assert page.get_by_test_id("host-tile").count() == 0


def test_the_host_page_draws_a_live_cpu_chart(hub: Hub, page) -> None:  # type: ignore[no-untyped-def]
    log_in(page, hub)
    page.get_by_test_id("host-tile").first.click()
    page.get_by_test_id("host-page").wait_for(timeout=10_000)
    chart = page.get_by_test_id("chart-cpu")
    chart.locator("canvas").first.wait_for(timeout=10_000)
    assert chart.locator("canvas").count() >= 1


def test_logout_returns_to_the_login_page(hub: Hub, page) -> None:  # type: ignore[no-untyped-def]
    log_in(page, hub)
    page.get_by_test_id("host-tile").first.wait_for(timeout=10_000)
    page.get_by_test_id("logout").click()
    page.get_by_test_id("login-username").wait_for(timeout=5_000)
    page.reload()
    page.get_by_test_id("login-username").wait_for(timeout=5_000)


def test_the_owner_creates_a_user_who_then_sees_no_admin_pages(hub: Hub, page, browser) -> None:  # type: ignore[no-untyped-def]
    log_in(page, hub)
    page.get_by_test_id("host-tile").first.wait_for(timeout=10_000)
    page.goto(f"{hub.url}/users")
    page.get_by_test_id("user-create-username").fill("newviewer")
    page.get_by_test_id("user-create-password").fill("a-long-enough-passphrase")
    page.get_by_test_id("user-create").click()
    page.locator('[data-testid="user-row"][data-username="newviewer"]').wait_for(timeout=5_000)

    context = browser.new_context()
    other = context.new_page()
    other.goto(hub.url)
    other.get_by_test_id("login-username").fill("newviewer")
    other.get_by_test_id("login-password").fill("a-long-enough-passphrase")
    other.get_by_test_id("login-submit").click()
    other.get_by_test_id("live-indicator").wait_for(timeout=10_000)
    assert other.get_by_role("link", name="Users").count() == 0
    assert other.get_by_test_id("host-tile").count() == 0  # no group: no hosts
    context.close()


def test_an_admin_creates_an_enrollment_token_and_sees_the_install_command(hub: Hub, page) -> None:  # type: ignore[no-untyped-def]
    log_in(page, hub)
    page.get_by_test_id("host-tile").first.wait_for(timeout=10_000)
    page.goto(f"{hub.url}/agents")
    page.get_by_test_id("enroll-create").click()
    command = page.get_by_test_id("enroll-command")
    command.wait_for(timeout=5_000)
    text = command.inner_text()
    assert "/install.sh | sudo sh -s --" in text and "--token" in text and "--ca-fingerprint" in text
    # This hub has no EVERYST_PUBLIC_URL and serves plain HTTP on loopback: the page says all three.
    warnings = page.get_by_test_id("enroll-warnings").inner_text()
    assert "EVERYST_PUBLIC_URL is not set" in warnings and "loopback" in warnings and "plain HTTP" in warnings
    assert page.get_by_test_id("agent-row").count() >= 1
