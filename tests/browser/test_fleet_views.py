"""The fleet page for a fleet of hundreds (issue #12 item 5), in a real browser against a real hub:
cards that are links as a whole, and a sortable table with 5-minute CPU sparklines, its view and
order kept in the URL. (Sorting and rate smoothing are unit-tested in fleet-table.test.ts; how
2,000 streaming hosts feel is `make bench --only fleet_ui`.)"""

from __future__ import annotations

import pytest

from tests.support.browser import log_in
from tests.support.processes import AgentProcess, Hub, wait_until

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def two_more_agents(hub: Hub, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    agents = [
        AgentProcess(tmp_path_factory.mktemp(f"fleet-{i}"), hub, token=hub.enrollment_token()).start()
        for i in range(2)
    ]
    owner = hub.login()
    wait_until(lambda: len(hub.get("/api/v1/hosts", owner)) >= 3, 30, "three hosts to enroll")
    yield agents
    for agent in agents:
        agent.stop()


def test_a_whole_card_is_one_keyboard_focusable_link_with_nothing_interactive_inside(  # type: ignore[no-untyped-def]
    hub: Hub, page
) -> None:
    log_in(page, hub)
    tile = page.get_by_test_id("host-tile").first
    tile.wait_for(timeout=10_000)
    assert tile.evaluate("el => el.tagName") == "A"
    assert tile.evaluate("el => el.querySelectorAll('a, button, input, select, [tabindex]').length") == 0
    host_id = tile.get_attribute("data-host-id")
    tile.focus()
    assert page.evaluate("document.activeElement.dataset.testid") == "host-tile"
    page.keyboard.press("Enter")
    page.wait_for_url(f"{hub.url}/hosts/{host_id}", timeout=5_000)


def test_the_table_view_lists_every_host_with_a_live_sparkline_and_stays_on_reload(  # type: ignore[no-untyped-def]
    hub: Hub, page, two_more_agents
) -> None:
    log_in(page, hub)
    page.get_by_test_id("host-tile").first.wait_for(timeout=10_000)
    page.get_by_test_id("fleet-view-table").click()
    page.wait_for_url("**/?view=table", timeout=5_000)
    rows = page.get_by_test_id("fleet-row")
    wait_until(lambda: rows.count() == 3, 10, "a row per host")
    assert page.get_by_test_id("host-tile").count() == 0
    # Backfilled from the history API, then a point per 5 s of live samples: a line, not a dot.
    wait_until(
        lambda: all(
            int(s.get_attribute("data-points") or 0) >= 2
            for s in page.get_by_test_id("fleet-sparkline").all()
        ),
        20,
        "a sparkline of several points in every row",
    )
    assert rows.first.get_by_test_id("fleet-row-cpu").inner_text().strip().endswith("%")
    assert "B/s" in rows.first.get_by_test_id("fleet-row-rx").inner_text()

    page.reload()
    rows.first.wait_for(timeout=10_000)
    assert page.get_by_test_id("fleet-view-table").get_attribute("aria-pressed") == "true"


def test_table_columns_sort_both_ways_and_the_order_is_kept_in_the_url(  # type: ignore[no-untyped-def]
    hub: Hub, page, two_more_agents
) -> None:
    log_in(page, hub)
    page.get_by_test_id("host-tile").first.wait_for(timeout=10_000)
    page.goto(f"{hub.url}/?view=table")
    rows = page.get_by_test_id("fleet-row")
    wait_until(lambda: rows.count() == 3, 10, "a row per host")

    def order() -> list[str | None]:
        return [row.get_attribute("data-host-id") for row in rows.all()]

    ascending = order()
    page.get_by_test_id("fleet-sort-name").click()
    page.wait_for_url("**dir=desc**", timeout=5_000)
    wait_until(lambda: order() == ascending[::-1], 5, "the rows in reverse")
    assert page.locator("th[aria-sort='descending']").inner_text().startswith("Host")

    page.get_by_test_id("fleet-sort-uptime").click()
    page.wait_for_url("**col=uptime**", timeout=5_000)
    assert page.locator("th[aria-sort='descending']").inner_text().startswith("Uptime")
    page.reload()
    rows.first.wait_for(timeout=10_000)
    assert page.locator("th[aria-sort='descending']").inner_text().startswith("Uptime")
