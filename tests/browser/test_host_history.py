"""History that shows what exists and charts people can read (issue #12 items 2 and 3), in a real
browser against a real hub whose local agent enrolled moments ago: a young host's long ranges
show its data, the range and a zoom live in the address, legends show the newest values, ticks
are round and unique, memory is stacked, processes sort and filter."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from tests.support.browser import log_in
from tests.support.processes import Hub, wait_until

pytestmark = pytest.mark.browser

TIMEOUT_MS = 15_000
BINARY_UNITS = {"B": 1, "KiB": 1024, "MiB": 1024**2, "GiB": 1024**3, "TiB": 1024**4}


@pytest.fixture(scope="module")
def host_id(hub: Hub) -> str:
    token = hub.login()
    host = hub.local_host_id(token)
    # Some seconds of history, so a range has more than one point.
    wait_until(
        lambda: len(hub.get(f"/api/v1/hosts/{host}/samples", token)["samples"]) >= 10, 30, "ten samples"
    )
    return host


def open_host(page: Any, hub: Hub, host_id: str, query: str = "") -> None:
    page.goto(f"{hub.url}/hosts/{host_id}{query}")
    page.get_by_test_id("chart-cpu").locator("canvas").first.wait_for(timeout=TIMEOUT_MS)


def query_of(page: Any) -> dict[str, list[str]]:
    return parse_qs(urlparse(page.url).query)


def pressed_range(page: Any) -> str | None:
    return page.locator('[data-testid="range-picker"] button[aria-pressed="true"]').get_attribute(
        "data-range"
    )


def test_a_young_hosts_seven_and_thirty_days_show_its_data_and_where_it_begins(
    hub: Hub, host_id: str, page: Any
) -> None:
    log_in(page, hub)
    page.get_by_test_id("live-indicator").wait_for(timeout=10_000)
    for key in ("7d", "30d", "1h"):
        open_host(page, hub, host_id, f"?range={key}")
        begins = page.get_by_test_id("history-data-start")
        begins.wait_for(timeout=TIMEOUT_MS)
        assert "data since" in begins.inner_text()
        assert "No cpu data" not in page.get_by_test_id("host-page").inner_text()
        # A sensible scale: the resolution is fine enough for seconds-old data, not an hour a point.
        assert int(page.get_by_test_id("history-resolution").get_attribute("data-step-ms")) <= 15_000


def test_the_range_and_a_zoom_live_in_the_address_and_survive_a_reload(
    hub: Hub, host_id: str, page: Any
) -> None:
    log_in(page, hub)
    page.get_by_test_id("live-indicator").wait_for(timeout=10_000)
    open_host(page, hub, host_id)
    page.locator('[data-testid="range-picker"] button[data-range="24h"]').click()
    page.wait_for_url(re.compile(r"[?&]range=24h"))
    page.reload()
    page.get_by_test_id("history-resolution").wait_for(timeout=TIMEOUT_MS)
    assert pressed_range(page) == "24h"

    # Drag across the CPU chart: the chosen window becomes the address's from and to.
    overlay = page.get_by_test_id("chart-cpu").locator(".u-over")
    box = overlay.bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] * 0.3, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.5, y, steps=5)
    page.mouse.move(box["x"] + box["width"] * 0.8, y, steps=5)
    page.mouse.up()
    page.wait_for_url(re.compile(r"[?&]from=\d+&to=\d+"))
    params = query_of(page)
    start, end = int(params["from"][0]), int(params["to"][0])
    # The middle half of the 24 hours (give or take the chart's margins), not the whole day.
    assert 0 < end - start < 0.7 * 24 * 3_600_000
    page.get_by_test_id("history-resolution").wait_for(timeout=TIMEOUT_MS)
    assert pressed_range(page) == "custom"

    page.reload()
    page.get_by_test_id("history-resolution").wait_for(timeout=TIMEOUT_MS)
    assert query_of(page) == {"from": [str(start)], "to": [str(end)]}
    assert pressed_range(page) == "custom"
    page.go_back()  # the zoom was a step of its own: back is the 24 hours again
    page.wait_for_url(re.compile(r"[?&]range=24h"))


def test_legends_show_the_latest_values_without_hovering_and_charts_state_them(
    hub: Hub, host_id: str, page: Any
) -> None:
    log_in(page, hub)
    page.get_by_test_id("live-indicator").wait_for(timeout=10_000)
    for query in ("", "?range=1h"):
        open_host(page, hub, host_id, query)
        chart = page.get_by_test_id("chart-cpu")
        total = chart.locator(".u-legend .u-series").nth(1).locator(".u-value")
        page.wait_for_function(
            "el => /%$/.test(el.textContent)", arg=total.element_handle(), timeout=TIMEOUT_MS
        )
        summary = page.get_by_test_id("chart-cpu-summary").inner_text()
        assert re.search(r"Latest .*Total \d+(\.\d+)?%", summary), summary


def tick_labels(chart: Any, axis: str) -> list[str]:
    chart.page.wait_for_function(
        f"el => (el.dataset.{axis}Ticks ?? '').length > 0", arg=chart.element_handle(), timeout=TIMEOUT_MS
    )
    return (chart.get_attribute(f"data-{axis}-ticks") or "").split("|")


def test_ticks_are_round_and_never_repeated(hub: Hub, host_id: str, page: Any) -> None:
    log_in(page, hub)
    page.get_by_test_id("live-indicator").wait_for(timeout=10_000)
    for query in ("", "?range=1h"):
        open_host(page, hub, host_id, query)
        for test_id in ("chart-cpu", "chart-memory", "chart-load", "chart-net"):
            chart = page.get_by_test_id(test_id).first
            for axis in ("x", "y"):
                labels = tick_labels(chart, axis)
                assert len(labels) == len(set(labels)) >= 2, (test_id, axis, labels)
        cpu = tick_labels(page.get_by_test_id("chart-cpu"), "y")
        assert all(re.fullmatch(r"\d+%", label) for label in cpu), cpu
        assert all(int(label[:-1]) % 10 == 0 for label in cpu), cpu
        # Memory ticks step by a power of two of one binary unit.
        memory = tick_labels(page.get_by_test_id("chart-memory"), "y")
        units = {label.split(" ")[1] for label in memory}
        assert len(units) == 1, memory
        values = [float(label.split(" ")[0]) for label in memory]
        step = values[1] - values[0]
        assert step > 0 and (step * BINARY_UNITS[units.pop()]) in {2**n for n in range(60)}, memory


def test_memory_is_stacked_up_to_the_hosts_total(hub: Hub, host_id: str, page: Any) -> None:
    log_in(page, hub)
    page.get_by_test_id("live-indicator").wait_for(timeout=10_000)
    open_host(page, hub, host_id)
    chart = page.get_by_test_id("chart-memory")
    assert chart.get_attribute("data-stacked") == "true"
    legend = chart.locator(".u-legend .u-series")
    page.wait_for_function(
        "el => /B$/.test(el.textContent)",
        arg=legend.nth(1).locator(".u-value").element_handle(),
        timeout=TIMEOUT_MS,
    )
    labels = [legend.nth(i).locator(".u-label").inner_text() for i in range(1, legend.count())]
    assert labels == ["Free", "Buffers", "Cached", "Used"]
    # Each layer's own value in the legend; together they are the host's memory.
    values = []
    for i in range(1, legend.count()):
        number, unit = legend.nth(i).locator(".u-value").inner_text().split(" ")
        values.append(float(number) * BINARY_UNITS[unit])
    total = hub.get(f"/api/v1/hosts/{host_id}", hub.login())["latest"]["memory"]["total"]
    assert abs(sum(values) - total) / total < 0.02


def test_processes_sort_by_a_column_and_filter(hub: Hub, host_id: str, page: Any) -> None:
    log_in(page, hub)
    page.get_by_test_id("live-indicator").wait_for(timeout=10_000)
    open_host(page, hub, host_id)
    table = page.get_by_test_id("table-processes")
    table.locator("tbody tr").first.wait_for(timeout=TIMEOUT_MS)
    pid_header = table.locator("th", has=page.locator('button[data-sort="pid"]'))
    table.locator('button[data-sort="pid"]').click()  # numbers start with the largest
    assert pid_header.get_attribute("aria-sort") == "descending"
    pids = [int(p) for p in table.locator("tbody tr td:nth-child(2)").all_inner_texts()]
    assert pids == sorted(pids, reverse=True) and len(pids) >= 2
    table.locator('button[data-sort="pid"]').click()
    assert pid_header.get_attribute("aria-sort") == "ascending"
    # The list is live (a new top-processes reading every second): sorted, not the same rows.
    ascending = [int(p) for p in table.locator("tbody tr td:nth-child(2)").all_inner_texts()]
    assert ascending == sorted(ascending) and len(ascending) >= 2

    name_header = table.locator("th", has=page.locator('button[data-sort="name"]'))
    table.locator('button[data-sort="name"]').click()  # names start from A
    assert name_header.get_attribute("aria-sort") == "ascending"
    assert pid_header.get_attribute("aria-sort") == "none"

    name = table.locator("tbody tr td:first-child").first.inner_text()
    page.get_by_test_id("process-filter").fill(name)
    rows = table.locator("tbody tr").all_inner_texts()
    assert rows and all(name.lower() in row.lower() for row in rows)
    page.get_by_test_id("process-filter").fill("no-such-process-zz")
    assert table.locator("tbody tr").count() == 0
    assert "No process matches" in table.inner_text()
