"""The Tools and Network pages in a real browser, driving the real local agent against loopback only."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator

import pytest

from tests.support.browser import log_in
from tests.support.processes import Hub, free_port

pytestmark = pytest.mark.browser

TIMEOUT_MS = 30_000


@pytest.fixture(scope="module")
def token(hub: Hub) -> str:
    return hub.login()


@pytest.fixture(scope="module")
def host_id(hub: Hub, token: str) -> str:
    return hub.local_host_id(token)


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    """A TCP port open on loopback for as long as the test keeps it."""
    server = socket.create_server(("127.0.0.1", free_port()))
    yield server
    server.close()


def scan_loopback(hub: Hub, token: str, host_id: str, ports: list[int]) -> dict[str, object]:
    job = hub.post(
        f"/api/v1/hosts/{host_id}/jobs",
        {
            "tool": "port_scan",
            "params": {"target": "127.0.0.1", "ports": ",".join(map(str, ports)), "method": "connect"},
        },
        token,
    )
    done = hub.finished_job(job["id"], token)
    assert done["status"] == "finished", done
    return done


def test_an_operator_runs_a_port_scan_and_watches_it_to_its_results(  # type: ignore[no-untyped-def]
    hub: Hub, host_id: str, page
) -> None:
    closed = free_port()
    log_in(page, hub)
    page.get_by_test_id("live-indicator").wait_for(timeout=10_000)
    page.goto(f"{hub.url}/tools?host={host_id}&tool=port_scan")
    page.get_by_label("Hosts or subnets").fill("127.0.0.1")
    page.get_by_label("Ports", exact=True).select_option("list")
    page.get_by_label("Port list").fill(f"{hub.http_port},{hub.grpc_port},{closed}")
    page.get_by_label("Method").select_option("connect")
    page.get_by_test_id("tool-run").click()

    progress = page.locator('[data-testid="tool-progress"][data-status="finished"]')
    progress.wait_for(timeout=TIMEOUT_MS)
    assert progress.get_attribute("data-percent") == "100"
    assert page.get_by_role("progressbar").get_attribute("aria-valuenow") == "100"
    rows = page.get_by_test_id("tool-rows")
    assert rows.get_attribute("data-count") == "2"
    text = rows.inner_text()
    assert str(hub.http_port) in text and str(hub.grpc_port) in text and str(closed) not in text

    job_id = page.get_by_test_id("tool-job").get_attribute("data-job-id")
    past = page.locator(f'[data-testid="job-row"][data-job-id="{job_id}"]')
    past.wait_for(timeout=10_000)
    assert past.get_attribute("data-status") == "finished"

    # A reload finds the run again from the store, results included.
    page.reload()
    page.locator('[data-testid="tool-progress"][data-status="finished"]').wait_for(timeout=10_000)
    assert page.get_by_test_id("tool-rows").get_attribute("data-count") == "2"


def test_a_running_tool_is_cancelled_from_the_page(hub: Hub, host_id: str, page) -> None:  # type: ignore[no-untyped-def]
    log_in(page, hub)
    page.get_by_test_id("live-indicator").wait_for(timeout=10_000)
    page.goto(f"{hub.url}/tools?host={host_id}&tool=ping")
    page.get_by_label("Hosts").fill("127.0.0.1")
    page.get_by_label("Count").fill("600")
    page.get_by_label("Interval (s)").fill("0.5")
    page.get_by_test_id("tool-run").click()

    page.locator('[data-testid="tool-progress"][data-status="running"]').wait_for(timeout=TIMEOUT_MS)
    # Replies show while the ping runs: the count of probes so far climbs, in ping's own words.
    page.get_by_test_id("tool-found").filter(has_text=re.compile(r"^· [1-9]\d* probes? so far$")).wait_for(
        timeout=TIMEOUT_MS
    )
    page.get_by_test_id("tool-cancel").click()
    page.locator('[data-testid="tool-progress"][data-status="cancelled"]').wait_for(timeout=TIMEOUT_MS)
    assert page.get_by_test_id("tool-cancel").count() == 0
    job_id = page.get_by_test_id("tool-job").get_attribute("data-job-id")
    page.locator(f'[data-testid="job-row"][data-job-id="{job_id}"][data-status="cancelled"]').wait_for(
        timeout=10_000
    )


def test_the_network_page_shows_devices_ports_and_what_each_scan_changed(  # type: ignore[no-untyped-def]
    hub: Hub, token: str, host_id: str, listener: socket.socket, page
) -> None:
    port = listener.getsockname()[1]
    scan_loopback(hub, token, host_id, [hub.http_port, port])
    listener.close()
    scan_loopback(hub, token, host_id, [hub.http_port, port])

    log_in(page, hub)
    page.get_by_test_id("live-indicator").wait_for(timeout=10_000)
    page.goto(f"{hub.url}/network?host={host_id}")
    page.get_by_test_id("network-list-item").filter(has_text="127.0.0.1/32").click()

    device = page.get_by_test_id("network-device-row").filter(has_text="127.0.0.1")
    device.wait_for(timeout=10_000)
    assert str(hub.http_port) in device.inner_text()
    assert str(port) not in device.inner_text()  # closed by the second scan
    page.get_by_test_id("network-topology-node").first.wait_for(timeout=5_000)

    # The device table's search narrows the rows.
    page.get_by_test_id("network-device-search").fill("10.99.")
    device.wait_for(state="detached", timeout=5_000)
    page.get_by_test_id("network-device-search").fill("127.0.0")
    device.wait_for(timeout=5_000)

    # Scan history, newest first: the second scan closed the listener's port.
    scans = page.get_by_test_id("network-scan")
    scans.first.wait_for(timeout=5_000)
    assert scans.count() >= 2
    assert "1 × port closed" in scans.first.inner_text()
    scans.first.click()
    change = page.get_by_test_id("network-event").filter(has_text=str(port))
    change.wait_for(timeout=5_000)
    assert "closed" in change.inner_text().lower()

    # The device's own port history: the hub's port open, the listener's closed.
    device.click()
    ports = page.get_by_test_id("network-device-port")
    ports.first.wait_for(timeout=5_000)
    by_port = {row.inner_text().split("/")[0].strip(): row.inner_text() for row in ports.all()}
    assert "open" in by_port[str(hub.http_port)]
    assert "closed" in by_port[str(port)]


def test_a_viewer_sees_past_results_but_cannot_run_tools(  # type: ignore[no-untyped-def]
    hub: Hub, token: str, host_id: str, browser
) -> None:
    scanned = scan_loopback(hub, token, host_id, [hub.http_port])
    group = hub.post("/api/v1/host-groups", {"name": "watched"}, token)
    hub.call("PUT", f"/api/v1/host-groups/{group['id']}/hosts", token, {"host_ids": [host_id]})
    user = hub.post("/api/v1/users", {"username": "watcher", "password": "a-long-enough-passphrase"}, token)
    hub.call(
        "PUT",
        f"/api/v1/users/{user['id']}/access",
        token,
        {"access": [{"group_id": group["id"], "role": "viewer"}]},
    )

    context = browser.new_context()
    page = context.new_page()
    try:
        log_in(page, hub, username="watcher", password="a-long-enough-passphrase")
        page.get_by_test_id("live-indicator").wait_for(timeout=10_000)
        page.goto(f"{hub.url}/tools?host={host_id}&tool=port_scan")
        note = page.get_by_test_id("tool-run-note")
        note.wait_for(timeout=10_000)
        assert "Operators can run tools" in note.inner_text()
        assert page.get_by_test_id("tool-run").is_disabled()

        row = page.locator(f'[data-testid="job-row"][data-job-id="{scanned["id"]}"]')
        row.click()
        page.locator('[data-testid="tool-progress"][data-status="finished"]').wait_for(timeout=10_000)
        assert str(hub.http_port) in page.get_by_test_id("tool-rows").inner_text()

        page.goto(f"{hub.url}/network?host={host_id}")
        page.get_by_test_id("network-list-item").filter(has_text="127.0.0.1/32").click()
        page.get_by_test_id("network-device-row").first.wait_for(timeout=10_000)
        assert page.get_by_test_id("network-discover-target").count() == 0
        assert page.get_by_role("button", name="Scan top 100 ports").count() == 0
    finally:
        context.close()
