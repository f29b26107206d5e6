"""Accessibility (issue #12 item 8): axe-core, from npm, checks every route in light and dark
against a real hub, and finds no serious or critical violation."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.browser import log_in
from tests.support.processes import Hub, wait_until

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parents[2] / "frontend" / "node_modules" / "axe-core" / "axe.min.js"

# (name, path, what shows the page has drawn its content)
ROUTES = [
    ("fleet cards", "/", "[data-testid=host-tile]"),
    ("fleet table", "/?view=table", "[data-testid=fleet-row]"),
    ("host", "/hosts/{host}", "[data-testid=host-page]"),
    ("tools", "/tools", "[data-testid=tools-page]"),
    ("network", "/network", "h1"),
    ("alerts", "/alerts", "[data-testid=alerts-page]"),
    ("alerts channels and mail", "/alerts?tab=channels", "[data-testid=mail-form]"),
    ("agents", "/agents", "[data-testid=host-agent-row]"),
    ("users", "/users", "h1"),
    ("groups", "/groups", "h1"),
    ("audit", "/audit", "h1"),
    ("account", "/account", "h1"),
]


def serious(page) -> list[str]:  # type: ignore[no-untyped-def]
    """axe's serious and critical violations on the page as it is, one line per rule and node."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    results = page.evaluate("axe.run(document, { resultTypes: ['violations'] })")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} -> {node['target']} {node.get('failureSummary', '')!r}"
        for v in results["violations"]
        if v["impact"] in ("serious", "critical")
        for node in v["nodes"]
    ]


@pytest.fixture(params=["light", "dark"])
def scheme_page(browser, request) -> Iterator[object]:  # type: ignore[no-untyped-def]
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: `make test` runs npm ci in frontend/")
    # The hub's CSP refuses inline scripts, as it should; axe is injected as one.
    context = browser.new_context(
        color_scheme=request.param, viewport={"width": 1440, "height": 900}, bypass_csp=True
    )
    yield context.new_page(), request.param
    context.close()


def _assert_scheme(page, scheme: str) -> None:  # type: ignore[no-untyped-def]
    dark = page.evaluate("document.documentElement.classList.contains('dark')")
    assert dark == (scheme == "dark")


def test_the_login_page_has_no_serious_accessibility_violation(hub: Hub, scheme_page) -> None:  # type: ignore[no-untyped-def]
    page, scheme = scheme_page
    page.goto(hub.url)
    page.get_by_test_id("login-username").wait_for(timeout=10_000)
    _assert_scheme(page, scheme)
    found = serious(page)
    assert not found, "\n".join(found)


def test_no_route_has_a_serious_accessibility_violation(hub: Hub, scheme_page) -> None:  # type: ignore[no-untyped-def]
    page, scheme = scheme_page
    owner = hub.login()
    host = wait_until(lambda: hub.local_host_id(owner), 15, "the local agent to enroll")
    log_in(page, hub)
    page.get_by_test_id("host-tile").first.wait_for(timeout=10_000)
    found: dict[str, list[str]] = {}
    for name, path, ready in ROUTES:
        page.goto(hub.url + path.format(host=host))
        page.locator(ready).first.wait_for(timeout=15_000)
        # Live data and lazy parts settle (charts, the first samples, queries).
        page.wait_for_timeout(800)
        _assert_scheme(page, scheme)
        violations = serious(page)
        if violations:
            found[name] = violations
    assert not found, json.dumps(found, indent=1)
