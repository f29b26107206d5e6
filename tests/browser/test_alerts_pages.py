"""Alerts and notifications in a real browser (issue #11 items 4 and 7): the real local agent's
samples cross a rule's threshold on a real hub, and the dashboard shows it to who may see it."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.support.browser import log_in
from tests.support.processes import Hub

pytestmark = pytest.mark.browser

PASSPHRASE = "a-long-enough-passphrase"
# A rule fires after its duration; the agent samples every second and the hub evaluates on ingest.
FIRE_TIMEOUT_MS = 30_000


@dataclass
class Lab:
    token: str
    host_id: str
    hostname: str
    group_a: int
    group_b: int


@pytest.fixture(scope="module")
def lab(hub: Hub) -> Lab:
    """The local agent's host in group A; operator_a operates A, viewer_a views it, viewer_b views
    only B, which holds no host."""
    token = hub.login()
    host_id = hub.local_host_id(token)
    hostname = hub.get(f"/api/v1/hosts/{host_id}", token)["hostname"]
    group_a = hub.post("/api/v1/host-groups", {"name": "group A"}, token)["id"]
    group_b = hub.post("/api/v1/host-groups", {"name": "group B"}, token)["id"]
    hub.call("PUT", f"/api/v1/host-groups/{group_a}/hosts", token, {"host_ids": [host_id]})
    for username, group, role in (
        ("operator_a", group_a, "operator"),
        ("viewer_a", group_a, "viewer"),
        ("viewer_b", group_b, "viewer"),
    ):
        user = hub.post("/api/v1/users", {"username": username, "password": PASSPHRASE}, token)
        hub.call(
            "PUT",
            f"/api/v1/users/{user['id']}/access",
            token,
            {"access": [{"group_id": group, "role": role}]},
        )
    return Lab(token, host_id, hostname, group_a, group_b)


def open_as(browser, hub: Hub, username: str):  # type: ignore[no-untyped-def]
    """A fresh browser context signed in as `username`, its live socket up."""
    context = browser.new_context()
    page = context.new_page()
    if username == "owner":
        log_in(page, hub)
    else:
        log_in(page, hub, username=username, password=PASSPHRASE)
    page.locator('[data-testid="live-indicator"][data-state="live"]').wait_for(timeout=15_000)
    return context, page


def breaching_rule(hub: Hub, lab: Lab, name: str) -> dict[str, Any]:
    """A rule the host breaches at once (memory in use is always above 0 %), for 2 s."""
    rule: dict[str, Any] = hub.post(
        "/api/v1/alert-rules",
        {
            "name": name,
            "metric": "memory.percent",
            "comparison": ">",
            "threshold": 0,
            "for_seconds": 2,
            "severity": "critical",
            "host": lab.host_id,
        },
        lab.token,
    )
    return rule


def unread(page) -> int:  # type: ignore[no-untyped-def]
    return int(page.get_by_test_id("notification-unread").get_attribute("data-count"))


def toast_of(page, rule: str, event: str = "firing"):  # type: ignore[no-untyped-def]
    return page.locator(f'[data-testid="toast"][data-event="{event}"]').filter(has_text=rule)


def test_the_toast_and_bell_reach_a_user_who_sees_the_host_and_not_one_who_does_not(  # type: ignore[no-untyped-def]
    hub: Hub, lab: Lab, browser
) -> None:
    operator_context, operator = open_as(browser, hub, "operator_a")
    outsider_context, outsider = open_as(browser, hub, "viewer_b")
    try:
        operator.get_by_test_id("notification-unread").wait_for(state="attached", timeout=10_000)
        before = unread(operator)
        rule = breaching_rule(hub, lab, "Toast memory")

        toast = toast_of(operator, "Toast memory")
        toast.wait_for(timeout=FIRE_TIMEOUT_MS)
        assert toast.get_attribute("data-severity") == "critical"
        assert lab.hostname in toast.inner_text()
        assert operator.get_by_role("status").filter(has=toast).get_attribute("aria-live") == "polite"
        toast.get_by_test_id("toast-dismiss").click()
        toast.wait_for(state="detached", timeout=5_000)
        count = operator.get_by_test_id("notification-unread").element_handle()
        operator.wait_for_function(
            "([el, before]) => Number(el.dataset.count) > before", arg=[count, before], timeout=5_000
        )
        label = operator.get_by_test_id("notification-bell").get_attribute("aria-label")
        assert re.fullmatch(r"Notifications, \d+ unread", label or "")

        # The bell's list has it; marking everything read empties the count.
        operator.get_by_test_id("notification-bell").click()
        item = operator.get_by_test_id("notification-item").filter(has_text="Toast memory").first
        item.wait_for(timeout=10_000)
        assert item.get_attribute("data-read") == "false"
        operator.get_by_test_id("notification-mark-all-read").click()
        operator.locator('[data-testid="notification-unread"][data-count="0"]').wait_for(
            state="attached", timeout=10_000
        )
        assert item.get_attribute("data-read") == "true"

        # The resolve comes as a toast of its own, which hides by itself.
        hub.call("PATCH", f"/api/v1/alert-rules/{rule['id']}", lab.token, {"threshold": 1000})
        resolved = toast_of(operator, "Toast memory", "resolved")
        resolved.wait_for(timeout=FIRE_TIMEOUT_MS)
        resolved.wait_for(state="detached", timeout=20_000)

        # The user of group B heard nothing of a host outside their groups, by frame or by count.
        assert outsider.get_by_test_id("toast").count() == 0
        assert unread(outsider) == 0
        outsider.reload()
        outsider.get_by_test_id("notification-unread").wait_for(state="attached", timeout=10_000)
        outsider.wait_for_timeout(1_000)
        assert unread(outsider) == 0
    finally:
        operator_context.close()
        outsider_context.close()


def test_an_operator_sees_the_alert_on_the_page_tile_and_host_and_acknowledges_it(  # type: ignore[no-untyped-def]
    hub: Hub, lab: Lab, browser
) -> None:
    context, page = open_as(browser, hub, "operator_a")
    try:
        breaching_rule(hub, lab, "Ack memory")
        toast_of(page, "Ack memory").wait_for(timeout=FIRE_TIMEOUT_MS)

        tile = page.locator(f'[data-testid="host-tile"][data-host-id="{lab.host_id}"]')
        badge = tile.get_by_test_id("host-tile-alerts")
        badge.wait_for(timeout=10_000)
        assert int(badge.get_attribute("data-count") or 0) >= 1
        assert badge.get_attribute("data-severity") == "critical"

        page.get_by_test_id("nav-alerts").click()
        row = page.locator('[data-testid="firing-alert-row"][data-rule="Ack memory"]')
        row.wait_for(timeout=10_000)
        assert lab.hostname in row.inner_text()
        row.get_by_test_id("alert-ack").click()
        row.get_by_test_id("alert-acked-by").wait_for(timeout=10_000)
        assert row.get_by_test_id("alert-acked-by").inner_text() == "acknowledged by operator_a"
        assert row.get_by_test_id("alert-ack").count() == 0
        alert_id = row.get_attribute("data-alert-id")
        assert hub.get(f"/api/v1/alerts/{alert_id}", lab.token)["acknowledged_by"] == "operator_a"

        page.goto(f"{hub.url}/hosts/{lab.host_id}")
        banner = page.get_by_test_id("host-alerts-banner")
        banner.wait_for(timeout=10_000)
        assert "Ack memory" in banner.inner_text()
        assert "acknowledged by operator_a" in banner.inner_text()
        # The incident is shaded on the chart of its metric, and only there.
        memory_chart = page.locator('[data-testid="chart-memory"]:not([data-bands="0"])')
        memory_chart.wait_for(timeout=10_000)
        assert "alert period" in (memory_chart.get_attribute("aria-label") or "")
        assert page.get_by_test_id("chart-cpu").get_attribute("data-bands") == "0"
    finally:
        context.close()


def test_an_operator_creates_a_rule_with_its_preview_and_a_silence_on_the_page(  # type: ignore[no-untyped-def]
    hub: Hub, lab: Lab, browser
) -> None:
    context, page = open_as(browser, hub, "operator_a")
    try:
        page.goto(f"{hub.url}/alerts?tab=rules")
        page.get_by_test_id("rule-new").click()
        form = page.get_by_test_id("rule-form")
        # Operators may not write a rule for every host: the choice is not offered.
        assert form.get_by_test_id("rule-scope").locator("option[value=all]").count() == 0
        form.get_by_test_id("rule-name").fill("UI memory rule")
        form.get_by_test_id("rule-metric").select_option("memory.percent")
        form.get_by_test_id("rule-comparison").select_option(">")
        form.get_by_test_id("rule-threshold").fill("0")
        form.get_by_test_id("rule-for").fill("60")
        form.get_by_test_id("rule-severity").select_option("warning")
        form.get_by_test_id("rule-scope").select_option("host")
        form.get_by_test_id("rule-host").select_option(lab.host_id)
        # Every host in scope uses some memory: the preview says this one would fire right now.
        preview = form.get_by_test_id("rule-preview")
        page.wait_for_function("el => el.dataset.count === '1'", arg=preview.element_handle(), timeout=10_000)
        form.get_by_test_id("rule-threshold").fill("101")
        page.wait_for_function("el => el.dataset.count === '0'", arg=preview.element_handle(), timeout=5_000)
        form.get_by_test_id("rule-submit").click()
        row = page.locator('[data-testid="rule-row"][data-rule="UI memory rule"]')
        row.wait_for(timeout=10_000)
        assert lab.hostname in row.inner_text()
        saved = [r for r in hub.get("/api/v1/alert-rules", lab.token) if r["name"] == "UI memory rule"]
        assert saved and saved[0]["threshold"] == 101 and saved[0]["host"] == lab.host_id
        assert saved[0]["for_seconds"] == 60 and saved[0]["severity"] == "warning"

        row.get_by_test_id("rule-toggle").click()
        page.locator('[data-testid="rule-row"][data-rule="UI memory rule"][data-enabled="false"]').wait_for(
            timeout=10_000
        )

        # A network-event rule has no threshold to set and nothing to preview.
        page.get_by_test_id("rule-new").click()
        form = page.get_by_test_id("rule-form")
        form.get_by_test_id("rule-name").fill("UI port rule")
        form.get_by_test_id("rule-source").select_option("network_event")
        form.get_by_test_id("rule-event").select_option("port_opened")
        assert form.get_by_test_id("rule-threshold").count() == 0
        form.get_by_test_id("rule-scope").select_option("host")
        form.get_by_test_id("rule-host").select_option(lab.host_id)
        assert form.get_by_test_id("rule-preview").get_attribute("data-count") == ""
        form.get_by_test_id("rule-submit").click()
        port_rule = page.locator('[data-testid="rule-row"][data-rule="UI port rule"]')
        port_rule.wait_for(timeout=10_000)
        assert "port opened" in port_rule.inner_text()
        saved = [r for r in hub.get("/api/v1/alert-rules", lab.token) if r["name"] == "UI port rule"]
        assert saved[0]["source"] == "network_event" and saved[0]["metric"] == "port_opened"

        page.get_by_test_id("alerts-tab-silences").click()
        page.get_by_test_id("silence-new").click()
        silence_form = page.get_by_test_id("silence-form")
        silence_form.get_by_test_id("silence-group").select_option(str(lab.group_a))
        silence_form.get_by_test_id("silence-label").fill("/var*")
        silence_form.get_by_test_id("silence-comment").fill("kernel upgrade <b>window</b>")
        silence_form.get_by_test_id("silence-submit").click()
        silence = page.locator('[data-testid="silence-row"][data-comment="kernel upgrade <b>window</b>"]')
        silence.wait_for(timeout=10_000)
        # Shown as typed, never as markup.
        assert "kernel upgrade <b>window</b>" in silence.inner_text()
        assert silence.locator("b").count() == 0
        stored = [s for s in hub.get("/api/v1/silences?active=true", lab.token) if s["label"] == "/var*"]
        assert stored and stored[0]["group"] == lab.group_a and stored[0]["created_by"] == "operator_a"

        silence.get_by_test_id("silence-expire").click()
        silence.wait_for(state="detached", timeout=10_000)
        assert not [s for s in hub.get("/api/v1/silences?active=true", lab.token) if s["label"] == "/var*"]
    finally:
        context.close()


def test_a_viewer_sees_the_firing_alerts_but_no_control_to_change_them(  # type: ignore[no-untyped-def]
    hub: Hub, lab: Lab, browser
) -> None:
    breaching_rule(hub, lab, "Viewer memory")
    context, page = open_as(browser, hub, "viewer_a")
    try:
        page.goto(f"{hub.url}/alerts")
        row = page.locator('[data-testid="firing-alert-row"][data-rule="Viewer memory"]')
        row.wait_for(timeout=FIRE_TIMEOUT_MS)
        assert row.get_by_test_id("alert-ack").count() == 0

        page.get_by_test_id("alerts-tab-rules").click()
        page.locator('[data-testid="rule-row"][data-rule="Viewer memory"]').wait_for(timeout=10_000)
        assert page.get_by_test_id("rule-new").count() == 0
        assert page.get_by_test_id("rule-edit").count() == 0
        assert page.get_by_test_id("rule-delete").count() == 0

        page.get_by_test_id("alerts-tab-silences").click()
        page.get_by_text("Active and upcoming silences").wait_for(timeout=10_000)
        assert page.get_by_test_id("silence-new").count() == 0
        assert page.get_by_test_id("alerts-tab-channels").count() == 0
    finally:
        context.close()


class _Receiver(BaseHTTPRequestHandler):
    bodies: list[dict[str, Any]]

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        length = int(self.headers.get("Content-Length") or 0)
        self.server.bodies.append(json.loads(self.rfile.read(length)))  # type: ignore[attr-defined]
        self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def webhook_target() -> Iterator[ThreadingHTTPServer]:
    """An HTTP receiver on loopback that keeps every JSON body posted to it."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    server.bodies = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_an_admin_creates_a_webhook_channel_whose_secret_is_never_shown_and_sends_a_test(  # type: ignore[no-untyped-def]
    hub: Hub, lab: Lab, browser, webhook_target: ThreadingHTTPServer
) -> None:
    secret = "a-signing-secret-of-some-length"
    context, page = open_as(browser, hub, "owner")
    try:
        page.goto(f"{hub.url}/alerts?tab=channels")
        page.get_by_test_id("channel-new").click()
        form = page.get_by_test_id("channel-form")
        form.get_by_test_id("channel-name").fill("ops hook")
        form.get_by_test_id("channel-kind").select_option("webhook")
        form.get_by_test_id("channel-url").fill(f"http://127.0.0.1:{webhook_target.server_address[1]}/hook")
        form.get_by_test_id("channel-secret").fill(secret)
        form.get_by_test_id("channel-submit").click()

        row = page.locator('[data-testid="channel-row"][data-channel="ops hook"]')
        row.wait_for(timeout=10_000)
        assert row.get_by_test_id("channel-has-secret").inner_text() == "a secret is set"
        assert secret not in page.content()

        row.get_by_test_id("channel-edit").click()
        edit = page.get_by_test_id("channel-form")
        edit.get_by_test_id("channel-secret-set").wait_for(timeout=5_000)
        assert edit.get_by_test_id("channel-secret").input_value() == ""
        page.get_by_test_id("channel-dialog").get_by_role("button", name="Cancel").click()

        row.get_by_test_id("channel-test").click()
        result = row.locator('[data-testid="channel-test-result"][data-state="delivered"]')
        result.wait_for(timeout=20_000)
        assert result.inner_text() == "Delivered."
        bodies: list[dict[str, Any]] = webhook_target.bodies  # type: ignore[attr-defined]
        assert [e["event"] for b in bodies for e in b["events"]] == ["test"]
    finally:
        context.close()
