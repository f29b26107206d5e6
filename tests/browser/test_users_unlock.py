"""In a real browser against a real hub: the Users page unlocks a throttled login (issue #10
item 7), and the API docs page works under its Content-Security-Policy (item 6)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pytest

from tests.support.browser import log_in
from tests.support.processes import Hub

pytestmark = pytest.mark.browser

PASSPHRASE = "a-long-enough-passphrase"


def try_login(hub: Hub, username: str, password: str) -> int:
    request = urllib.request.Request(
        f"{hub.url}/api/v1/auth/login",
        data=json.dumps({"username": username, "password": password}).encode(),
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def test_an_admin_unlocks_a_throttled_login_from_the_users_page(hub: Hub, page) -> None:  # type: ignore[no-untyped-def]
    owner = hub.login()
    hub.post("/api/v1/users", {"username": "throttled", "password": PASSPHRASE, "role": "member"}, owner)
    for _ in range(5):
        assert try_login(hub, "throttled", "wrong-password") == 401
    assert try_login(hub, "throttled", PASSPHRASE) == 429

    log_in(page, hub)
    page.get_by_test_id("live-indicator").wait_for(timeout=10_000)
    page.goto(f"{hub.url}/users")
    row = page.locator('[data-testid="user-row"][data-username="throttled"]')
    row.get_by_test_id("user-login-failures").wait_for(timeout=5_000)
    assert "5 recent failed logins" in row.get_by_test_id("user-login-failures").inner_text()
    row.get_by_test_id("user-unlock").click()
    row.get_by_test_id("user-message").wait_for(timeout=5_000)
    assert row.get_by_test_id("user-unlock").count() == 0
    assert try_login(hub, "throttled", PASSPHRASE) == 200
    audit = hub.get("/api/v1/audit?action=login.unlocked", owner)
    events: list[Any] = audit["results"] if isinstance(audit, dict) else audit
    assert any(e["action"] == "login.unlocked" for e in events)


def test_the_api_docs_page_renders_under_its_content_security_policy(hub: Hub, page) -> None:  # type: ignore[no-untyped-def]
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    response = page.goto(f"{hub.url}/api/docs")
    assert response is not None and "script-src 'self'" in response.headers["content-security-policy"]
    page.locator(".swagger-ui .info .title").wait_for(timeout=10_000)
    page.locator(".opblock").first.wait_for(timeout=10_000)  # the schema was fetched and drawn
    assert violations == []
