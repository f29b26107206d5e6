"""In a real browser against a real hub: an API token is created on the Account page, its secret
is shown once and works for a script, and revoking it there ends it (issue #13 item 4)."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest

from tests.support.browser import log_in
from tests.support.processes import Hub

pytestmark = pytest.mark.browser


def status_with(hub: Hub, secret: str, path: str = "/api/v1/hosts") -> int:
    request = urllib.request.Request(f"{hub.url}{path}", headers={"Authorization": f"Bearer {secret}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def test_a_token_made_on_the_account_page_is_shown_once_works_and_is_revoked_there(hub: Hub, page) -> None:  # type: ignore[no-untyped-def]
    owner = hub.login()
    hub.post("/api/v1/host-groups", {"name": "scraped"}, owner)

    log_in(page, hub)
    page.get_by_test_id("live-indicator").wait_for(timeout=10_000)
    page.goto(f"{hub.url}/account")
    panel = page.get_by_test_id("api-tokens")
    panel.get_by_test_id("api-token-name").fill("grafana scraper")
    panel.get_by_test_id("api-token-group").first.check()
    panel.get_by_test_id("api-token-create").click()
    secret = panel.get_by_test_id("api-token-secret-value").inner_text(timeout=5_000).strip()
    assert secret.startswith("eva_")
    row = panel.get_by_test_id("api-token-row")
    row.first.wait_for(timeout=5_000)
    assert "grafana scraper" in row.first.inner_text() and "Read-only" in row.first.inner_text()

    assert status_with(hub, secret) == 200
    assert status_with(hub, secret, "/metrics") == 200
    assert status_with(hub, secret, "/api/v1/auth/api-tokens") == 403

    page.reload()
    page.get_by_test_id("api-token-row").first.wait_for(timeout=10_000)
    assert page.get_by_test_id("api-token-secret").count() == 0
    assert secret not in page.content()

    page.get_by_test_id("api-token-revoke").first.click()
    page.get_by_test_id("confirm-dialog").get_by_role("button", name="Revoke").click()
    page.get_by_test_id("api-token-revoke").wait_for(state="detached", timeout=5_000)
    assert status_with(hub, secret) == 401
