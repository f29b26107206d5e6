"""Weight and caching in a real browser (issue #12 item 7): a first visit that signs in and lands
on the fleet moves under 200 KB over the wire, and the dashboard's files come compressed and
immutable."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.browser import log_in
from tests.support.processes import Hub

pytestmark = pytest.mark.browser

BUDGET_BYTES = 200_000


class WireMeter:
    """Bytes each HTTP response took on the wire (headers and compressed body), from Chromium's
    own accounting (CDP Network.loadingFinished encodedDataLength); WebSocket frames are not
    responses and are not counted."""

    def __init__(self, page: Any) -> None:
        self.urls: dict[str, str] = {}
        self.bytes: dict[str, int] = {}
        session = page.context.new_cdp_session(page)
        session.on(
            "Network.requestWillBeSent", lambda e: self.urls.__setitem__(e["requestId"], e["request"]["url"])
        )
        session.on(
            "Network.loadingFinished",
            lambda e: self.bytes.__setitem__(e["requestId"], e["encodedDataLength"]),
        )
        session.send("Network.enable")
        self.session = session

    def by_url(self) -> dict[str, int]:
        return {self.urls.get(rid, rid): n for rid, n in self.bytes.items()}

    def total(self) -> int:
        return sum(self.bytes.values())


def first_visit(page: Any, hub: Hub) -> None:
    log_in(page, hub)
    page.get_by_test_id("live-indicator").wait_for(timeout=10_000)
    page.get_by_test_id("host-tile").first.wait_for(timeout=15_000)
    page.wait_for_load_state("networkidle")


def test_a_first_visit_that_signs_in_to_the_fleet_moves_under_200_kb(hub: Hub, browser: Any) -> None:
    context = browser.new_context()
    page = context.new_page()
    meter = WireMeter(page)
    assets: list[dict[str, str]] = []
    page.on("response", lambda r: assets.append({"url": r.url, **r.headers}) if "/assets/" in r.url else None)
    first_visit(page, hub)
    total = meter.total()
    breakdown = sorted(meter.by_url().items(), key=lambda kv: -kv[1])
    print(f"\nfirst load of / with login: {total} B over the wire ({total / 1000:.1f} kB)")
    for url, size in breakdown:
        print(f"  {size:>8} B  {url.removeprefix(hub.url)}")
    assert total < BUDGET_BYTES, breakdown
    assert assets, "the dashboard loaded no hashed files"
    for headers in assets:
        assert headers.get("content-encoding") == "br", headers
        assert "immutable" in headers.get("cache-control", ""), headers
        assert "accept-encoding" in headers.get("vary", "").lower(), headers
    context.close()
