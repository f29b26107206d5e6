"""Steps the browser tests share."""

from __future__ import annotations

from tests.support.processes import OWNER_PASSWORD, Hub


def log_in(page, hub: Hub, password: str = OWNER_PASSWORD, username: str = "owner") -> None:  # type: ignore[no-untyped-def]
    page.goto(hub.url)
    page.get_by_test_id("login-username").fill(username)
    page.get_by_test_id("login-password").fill(password)
    page.get_by_test_id("login-submit").click()
