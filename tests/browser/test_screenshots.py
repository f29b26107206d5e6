"""The README's screenshots (issue #12 item 9), taken here so they stay current: a real hub, its
real local agent streaming, a finished port scan of loopback, and chromium at 1440x900 in light
and dark. Each page is checked for what it should show before it is shot, so a broken or still
loading page fails the test instead of landing in the README.

The files are always written to docs/screenshots/<page>-<theme>.png: they are committed, and a CI
clone overwriting its own copy is harmless."""

from __future__ import annotations

import re
import socket
import struct
import time
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.browser import log_in
from tests.support.processes import Hub, wait_until

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
VIEWPORT = {"width": 1440, "height": 900}
TIMEOUT_MS = 30_000
# Loopback only: the scan's network, and the addresses the extra listeners open on within it.
NETWORK = "127.0.0.0/29"
LISTENER_ADDRESSES = ("127.0.0.2", "127.0.0.3")
# The host page's live charts cover 5 minutes; a minute of samples makes a line worth showing.
STREAMING_BEFORE_SHOTS = 60.0
PERCENT = re.compile(r"\d+(\.\d+)?\s?%")


def smaller_png(png: bytes) -> bytes:
    """The same image with its pixel data recompressed at zlib's best level in one IDAT chunk.

    Chromium favours encoding speed; this keeps every pixel and trims the files with the standard
    library alone (no image package is a dependency)."""
    signature, pos = png[:8], 8
    before: list[bytes] = []
    after: list[bytes] = []
    data = b""
    while pos < len(png):
        (length,) = struct.unpack(">I", png[pos : pos + 4])
        kind = png[pos + 4 : pos + 8]
        chunk = png[pos : pos + 12 + length]
        if kind == b"IDAT":
            data += png[pos + 8 : pos + 8 + length]
        elif data:
            after.append(chunk)
        else:
            before.append(chunk)
        pos += 12 + length
    packed = zlib.compress(zlib.decompress(data), 9)
    idat = struct.pack(">I", len(packed)) + b"IDAT" + packed + struct.pack(">I", zlib.crc32(b"IDAT" + packed))
    smaller = signature + b"".join(before) + idat + b"".join(after)
    return smaller if len(smaller) < len(png) else png


@pytest.fixture(scope="module")
def token(hub: Hub) -> str:
    return hub.login()


@pytest.fixture(scope="module")
def local_host(hub: Hub, token: str) -> tuple[str, float]:
    """The local agent's host id, and when (monotonic) it was first seen online."""
    return hub.local_host_id(token), time.monotonic()


@pytest.fixture(scope="module")
def host_id(local_host: tuple[str, float]) -> str:
    return local_host[0]


@pytest.fixture(scope="module")
def listeners() -> Iterator[list[socket.socket]]:
    """TCP ports open on two more loopback addresses, so the scanned network holds more than the hub."""
    servers = [socket.create_server((address, 0)) for address in LISTENER_ADDRESSES]
    yield servers
    for server in servers:
        server.close()


@pytest.fixture(scope="module")
def port_scan(hub: Hub, token: str, host_id: str, listeners: list[socket.socket]) -> dict[str, Any]:
    """A finished connect scan of the loopback /29: the well-known ports, the hub's and the listeners'."""
    extra = [hub.http_port, hub.grpc_port, *(s.getsockname()[1] for s in listeners)]
    job = hub.post(
        f"/api/v1/hosts/{host_id}/jobs",
        {
            "tool": "port_scan",
            "params": {
                "target": NETWORK,
                "ports": ",".join(["1-1024", *map(str, extra)]),
                "method": "connect",
            },
        },
        token,
    )
    done = hub.finished_job(job["id"], token)
    assert done["status"] == "finished", done
    return done


@pytest.fixture(scope="module")
def streaming(local_host: tuple[str, float]) -> None:
    """Holds the host page's shots until the local agent has streamed for a while. The other
    pages show nothing that needs history: they are shot (first in this file) during the wait."""
    online_at = local_host[1]
    wait_until(
        lambda: time.monotonic() - online_at >= STREAMING_BEFORE_SHOTS,
        STREAMING_BEFORE_SHOTS + 5,
        "a minute of samples from the local agent",
        interval=1,
    )


@pytest.fixture(params=["light", "dark"])
def themed_page(browser, hub: Hub, local_host: tuple[str, float], request) -> Iterator[tuple[Any, str]]:  # type: ignore[no-untyped-def]
    context = browser.new_context(color_scheme=request.param, viewport=VIEWPORT)
    page = context.new_page()
    log_in(page, hub)
    page.get_by_test_id("live-indicator").wait_for(timeout=10_000)
    yield page, request.param
    context.close()


def shoot(page, name: str, theme: str) -> Path:  # type: ignore[no-untyped-def]
    """Checks the page is in the theme and done loading, then saves the viewport (not the full page)."""
    assert page.evaluate("document.documentElement.classList.contains('dark')") == (theme == "dark")
    assert page.get_by_test_id("live-indicator").get_attribute("data-state") == "live"
    # Spinners are the one thing a loading page shows that a loaded one never does.
    page.wait_for_function("() => document.querySelectorAll('.animate-spin').length === 0", timeout=10_000)
    page.mouse.move(0, VIEWPORT["height"] - 1)  # no hover state or tooltip in the picture
    page.evaluate("document.activeElement instanceof HTMLElement && document.activeElement.blur()")
    png = page.screenshot(animations="disabled", caret="hide")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}-{theme}.png"
    path.write_bytes(smaller_png(png))
    return path


def test_the_fleet_screenshot_shows_the_local_host_updating_live(hub: Hub, themed_page) -> None:  # type: ignore[no-untyped-def]
    page, theme = themed_page
    tile = page.get_by_test_id("host-tile").first
    tile.wait_for(timeout=10_000)
    updated = tile.get_by_test_id("host-tile-updated")
    first = updated.get_attribute("data-ts")
    page.wait_for_function(
        "([el, before]) => el.getAttribute('data-ts') !== before",
        arg=[updated.element_handle(), first],
        timeout=10_000,
    )
    assert PERCENT.fullmatch(tile.get_by_test_id("host-tile-cpu").inner_text().strip())
    shoot(page, "fleet", theme)


def test_the_tools_screenshot_shows_the_finished_port_scan_and_its_open_ports(  # type: ignore[no-untyped-def]
    hub: Hub, port_scan: dict[str, Any], listeners: list[socket.socket], themed_page
) -> None:
    page, theme = themed_page
    page.goto(f"{hub.url}/tools?tool=port_scan&job={port_scan['id']}")
    page.locator('[data-testid="tool-progress"][data-status="finished"]').wait_for(timeout=TIMEOUT_MS)
    rows = page.get_by_test_id("tool-rows")
    rows.wait_for(timeout=TIMEOUT_MS)
    text = rows.inner_text()
    assert str(hub.http_port) in text and str(hub.grpc_port) in text
    for listener in listeners:
        assert str(listener.getsockname()[1]) in text
    page.locator(f'[data-testid="job-row"][data-job-id="{port_scan["id"]}"]').wait_for(timeout=10_000)
    # The run's results are the picture: its panel goes to the top, just under the sticky header.
    page.evaluate(
        """() => {
            const job = document.querySelector('[data-testid="tool-job"]');
            const header = document.querySelector('header');
            window.scrollTo(0, job.getBoundingClientRect().top + window.scrollY - header.offsetHeight - 16);
        }"""
    )
    shoot(page, "tools", theme)


def test_the_network_screenshot_shows_the_scanned_loopback_devices(  # type: ignore[no-untyped-def]
    hub: Hub, host_id: str, port_scan: dict[str, Any], listeners: list[socket.socket], themed_page
) -> None:
    page, theme = themed_page
    page.goto(f"{hub.url}/network?host={host_id}")
    page.get_by_test_id("network-list-item").filter(has_text=NETWORK).click()
    devices = page.get_by_test_id("network-device-row")
    hub_row = devices.filter(has_text="127.0.0.1")
    hub_row.wait_for(timeout=TIMEOUT_MS)
    assert str(hub.http_port) in hub_row.inner_text()
    for address, listener in zip(LISTENER_ADDRESSES, listeners, strict=True):
        assert str(listener.getsockname()[1]) in devices.filter(has_text=address).inner_text()
    page.get_by_test_id("network-topology-node").first.wait_for(timeout=10_000)
    page.get_by_test_id("network-scan").first.wait_for(timeout=10_000)
    shoot(page, "network", theme)


def test_the_host_screenshot_shows_live_values_and_a_minute_of_charts(  # type: ignore[no-untyped-def]
    hub: Hub, host_id: str, streaming: None, themed_page
) -> None:
    page, theme = themed_page
    page.goto(f"{hub.url}/hosts/{host_id}")
    current = page.get_by_test_id("host-current")
    current.wait_for(timeout=TIMEOUT_MS)
    assert PERCENT.search(current.inner_text())
    chart = page.get_by_test_id("chart-cpu")
    chart.locator("canvas").first.wait_for(timeout=TIMEOUT_MS)
    # The chart has drawn its axes, so its line is on the canvas too.
    page.wait_for_function(
        "el => (el.getAttribute('data-x-ticks') || '').split('|').length >= 2",
        arg=chart.element_handle(),
        timeout=TIMEOUT_MS,
    )
    shoot(page, "host", theme)
