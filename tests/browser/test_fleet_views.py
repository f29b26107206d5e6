"""The fleet page for a fleet of hundreds (issue #12 item 5), in a real browser against a real hub:
cards that are links as a whole, and a sortable table with 5-minute CPU sparklines, its view and
order kept in the URL. (Sorting and rate smoothing are unit-tested in fleet-table.test.ts; how
2,000 streaming hosts feel is `make bench --only fleet_ui`.)"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from playwright.sync_api import expect

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
    # The URL changes first; the header follows in the render after it.
    expect(page.locator("th[aria-sort='descending']")).to_contain_text("Uptime", timeout=5_000)
    page.reload()
    rows.first.wait_for(timeout=10_000)
    assert page.locator("th[aria-sort='descending']").inner_text().startswith("Uptime")


LARGE_FLEET = 320


@pytest.fixture(scope="module")
def large_fleet_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    """A hub of its own with LARGE_FLEET hosts enrolled as real agents enroll (bench-00000 ...),
    none of them streaming: how many cards the page mounts does not depend on their data."""
    from tests.bench.sim import enroll_chunk

    hub = Hub(tmp_path_factory.mktemp("large-fleet-hub")).start()
    # In a thread of its own: its asyncio loop cannot run in the one Playwright's sync API holds.
    with ThreadPoolExecutor(1) as thread:
        thread.submit(
            enroll_chunk,
            f"127.0.0.1:{hub.grpc_port}",
            hub.ca_file.read_bytes(),
            hub.enrollment_token(uses=LARGE_FLEET),
            "browser-large-fleet",
            list(range(LARGE_FLEET)),
        ).result(timeout=120)
    yield hub
    hub.stop()


def test_the_cards_of_a_large_fleet_mount_only_the_screenful_yet_scrolling_and_search_reach_every_host(  # type: ignore[no-untyped-def]
    large_fleet_hub: Hub, page
) -> None:
    log_in(page, large_fleet_hub)
    page.get_by_text(f"{LARGE_FLEET} hosts").wait_for(timeout=15_000)
    tiles = page.get_by_test_id("host-tile")
    tiles.first.wait_for(timeout=10_000)

    def names() -> list[str]:
        return [name.strip() for name in tiles.locator("h3").all_inner_texts()]

    mounted = tiles.count()
    assert 0 < mounted <= LARGE_FLEET // 4, f"{mounted} of {LARGE_FLEET} cards are in the DOM"
    assert names()[0] == "bench-00000" and "bench-00319" not in names()
    # Assistive technology still hears the list's true size and each card's place in it.
    first_item = page.get_by_test_id("host-grid").locator("li").first
    assert first_item.get_attribute("aria-setsize") == str(LARGE_FLEET)
    assert first_item.get_attribute("aria-posinset") == "1"
    # A card's fixed height holds all of its content, an offline card's longer footer included.
    assert tiles.evaluate_all("els => els.filter(el => el.scrollHeight > el.clientHeight).length") == 0

    page.get_by_test_id("host-grid").evaluate("el => el.scrollIntoView({ block: 'end' })")
    wait_until(lambda: "bench-00319" in names(), 5, "the last host's card after scrolling to the end")
    assert "bench-00000" not in names() and tiles.count() <= LARGE_FLEET // 4
    last = tiles.filter(has_text="bench-00319")
    assert last.is_visible() and last.evaluate("el => el.parentElement.getAttribute('aria-posinset')") == str(
        LARGE_FLEET
    )

    page.get_by_test_id("fleet-search").fill("bench-00250")
    wait_until(lambda: names() == ["bench-00250"], 5, "the one matching card, far down the list unfiltered")
    tiles.first.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"{large_fleet_hub.url}/hosts/**", timeout=5_000)
