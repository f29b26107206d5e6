"""Phone layout (issue #12 item 1): at 390×844 no page of the dashboard scrolls sideways, and every
page of the main navigation is reachable through the menu button. Real chromium, a real hub with
its local agent; the routes are read from the router so a new page cannot be forgotten."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from tests.support.browser import log_in
from tests.support.processes import Hub

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
ROUTER = Path(__file__).resolve().parents[2] / "frontend" / "src" / "app" / "App.tsx"
NAV = ["Fleet", "Tools", "Network", "Alerts", "Agents", "Users", "Groups", "Audit"]
ALERT_TABS = ["firing", "history", "rules", "silences", "channels"]

# How wide the page is, and the outermost elements sticking out of the viewport (to say which).
OVERFLOW = """() => {
  const width = window.innerWidth;
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    const parent = el.parentElement?.getBoundingClientRect();
    if (r.right > width + 0.5 && r.width > 0 && (!parent || parent.right <= width + 0.5)) {
      const name = `${el.tagName.toLowerCase()}[${el.getAttribute('data-testid') ?? ''}]`;
      out.push(`${name}.${String(el.className).slice(0, 50)} ${Math.round(r.right)}`);
    }
  }
  return {scrollWidth: document.documentElement.scrollWidth, innerWidth: width, culprits: out.slice(0, 6)};
}"""


def router_paths() -> set[str]:
    source = ROUTER.read_text()
    paths = set(re.findall(r"path: '([^']+)'", source))
    if re.search(r"index: true", source):
        paths.add("")
    return paths


@pytest.fixture(scope="module")
def token(hub: Hub) -> str:
    return hub.login()


@pytest.fixture(scope="module")
def host_id(hub: Hub, token: str) -> str:
    return hub.local_host_id(token)


@pytest.fixture(scope="module")
def network_id(hub: Hub, token: str, host_id: str) -> int:
    """A network with a device and an open port: a port scan of the hub's own HTTP port on 127.0.0.1."""
    job = hub.post(
        f"/api/v1/hosts/{host_id}/jobs",
        {
            "tool": "port_scan",
            "params": {"target": "127.0.0.1", "ports": str(hub.http_port), "method": "connect"},
        },
        token,
    )
    assert hub.finished_job(job["id"], token)["status"] == "finished"
    answer = hub.get(f"/api/v1/hosts/{host_id}/networks", token)
    items = answer if isinstance(answer, list) else next(v for v in answer.values() if isinstance(v, list))
    return int(next(n["id"] for n in items if n["cidr"] == "127.0.0.1/32"))


def pages_to_visit(host_id: str, network_id: int) -> dict[str, list[str]]:
    """Every route of the router, with the addresses that show its fullest states."""
    return {
        "": ["/", "/?view=table"],
        "hosts/:id": [f"/hosts/{host_id}", f"/hosts/{host_id}?range=1h", f"/hosts/{host_id}?range=7d"],
        "agents": ["/agents"],
        "account": ["/account"],
        "users": ["/users"],
        "groups": ["/groups"],
        "audit": ["/audit"],
        "tools": ["/tools", f"/tools?host={host_id}&tool=port_scan"],
        "network": ["/network", f"/network?host={host_id}&network={network_id}"],
        "alerts": [f"/alerts?tab={tab}" for tab in ALERT_TABS],
        "*": ["/no-such-page"],
    }


def sideways(page: Any, address: str) -> list[str]:
    """The page's overflow, or nothing when it fits."""
    page.wait_for_load_state("networkidle")  # lazily loaded pages and their first answers
    page.wait_for_timeout(300)  # live frames settle
    measured = page.evaluate(OVERFLOW)
    if measured["scrollWidth"] <= measured["innerWidth"]:
        return []
    return [f"{address}: {measured}"]


def test_no_page_scrolls_sideways_on_a_phone(hub: Hub, browser: Any, host_id: str, network_id: int) -> None:
    visits = pages_to_visit(host_id, network_id)
    assert router_paths() == {*visits, "/login"}, "a route was added: visit it here too"
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    try:
        page.goto(f"{hub.url}/login")
        page.get_by_test_id("login-username").wait_for(timeout=10_000)
        wide = sideways(page, "/login")
        log_in(page, hub)
        page.get_by_test_id("live-indicator").wait_for(timeout=10_000)
        for addresses in visits.values():
            for address in addresses:
                page.goto(f"{hub.url}{address}")
                page.locator("main#main").wait_for(timeout=10_000)
                if address.startswith("/hosts/"):
                    page.get_by_test_id("chart-cpu").locator("canvas").first.wait_for(timeout=15_000)
                if "network=" in address:
                    page.get_by_test_id("network-device-row").first.wait_for(timeout=10_000)
                wide += sideways(page, address)
    finally:
        context.close()
    assert wide == [], "\n".join(wide)


def test_every_page_of_the_navigation_is_reachable_through_the_menu(hub: Hub, browser: Any) -> None:
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    try:
        log_in(page, hub)
        page.get_by_test_id("live-indicator").wait_for(timeout=10_000)
        button = page.get_by_test_id("nav-menu-button")
        assert page.get_by_role("navigation", name="Main", exact=True).is_hidden()
        for label in NAV:
            assert button.get_attribute("aria-expanded") == "false"
            button.click()
            assert button.get_attribute("aria-expanded") == "true"
            menu = page.get_by_test_id("nav-menu")
            link = menu.get_by_role("link", name=label, exact=True)
            assert link.is_visible()
            href = link.get_attribute("href")
            link.click()
            # A page may add its own parameters (Tools picks a host): the path is what was asked for.
            page.wait_for_url(lambda url, href=href: urlparse(url).path == href)
            assert menu.is_hidden()
            assert sideways(page, href or label) == []

        # Escape closes the menu and gives focus back to its button; focus starts in the menu.
        button.click()
        assert page.evaluate("document.activeElement?.closest('[data-testid=nav-menu]') !== null")
        page.keyboard.press("Escape")
        assert page.get_by_test_id("nav-menu").is_hidden()
        assert button.get_attribute("aria-expanded") == "false"
        assert page.evaluate("document.activeElement?.getAttribute('data-testid')") == "nav-menu-button"
    finally:
        context.close()


def test_on_a_phone_the_host_page_shows_live_figures_and_the_cpu_chart_before_the_facts(
    hub: Hub, browser: Any, host_id: str
) -> None:
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    try:
        log_in(page, hub)
        page.get_by_test_id("live-indicator").wait_for(timeout=10_000)
        page.goto(f"{hub.url}/hosts/{host_id}")
        chart = page.get_by_test_id("chart-cpu")
        chart.locator("canvas").first.wait_for(timeout=15_000)
        facts = page.get_by_test_id("host-facts")
        chart_top = chart.bounding_box()["y"]
        assert chart_top < facts.bounding_box()["y"]
        assert chart_top < PHONE["height"] * 1.5, f"the CPU chart starts {chart_top} px down"
    finally:
        context.close()
