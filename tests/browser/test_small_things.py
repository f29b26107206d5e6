"""Small things that read as broken (issue #12 item 6), in a real browser against a real hub with
its local agent: what each page is called, the login page's first visit, the Users page's own
row, Past runs that keep counting, ping's words and table, readable parameters and audit
targets, the Network empty state, and a way to the API docs."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.support.browser import log_in
from tests.support.processes import Hub

pytestmark = pytest.mark.browser

TIMEOUT_MS = 30_000


@pytest.fixture(scope="module")
def token(hub: Hub) -> str:
    return hub.login()


@pytest.fixture(scope="module")
def host_id(hub: Hub, token: str) -> str:
    return hub.local_host_id(token)


@pytest.fixture(scope="module")
def ping_job(hub: Hub, token: str, host_id: str) -> dict[str, Any]:
    job = hub.post(
        f"/api/v1/hosts/{host_id}/jobs",
        {"tool": "ping", "params": {"target": "127.0.0.1", "count": 3, "interval": 0.2, "timeout": 1}},
        token,
    )
    done = hub.finished_job(job["id"], token)
    assert done["status"] == "finished", done
    return done


def signed_in(page: Any, hub: Hub) -> Any:
    log_in(page, hub)
    page.get_by_test_id("live-indicator").wait_for(timeout=10_000)
    return page


def test_the_login_page_makes_no_failing_request_and_logs_no_error(hub: Hub, browser: Any) -> None:
    context = browser.new_context()
    page = context.new_page()
    errors: list[str] = []
    failed: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.goto(hub.url)
    page.get_by_test_id("login-username").wait_for(timeout=10_000)
    page.wait_for_load_state("networkidle")
    page.reload()  # a second visit of a browser that never signed in: still nothing refused
    page.get_by_test_id("login-username").wait_for(timeout=10_000)
    page.wait_for_load_state("networkidle")
    assert failed == [] and errors == []
    assert page.title() == "Sign in · Everyst"
    context.close()


def test_a_signed_in_browser_still_resumes_its_session_on_reload_and_not_after_logout(
    hub: Hub, page: Any
) -> None:
    signed_in(page, hub)
    page.reload()
    page.get_by_test_id("live-indicator").wait_for(timeout=10_000)
    assert page.get_by_test_id("login-username").count() == 0
    page.get_by_role("button", name="Log out").click()
    page.get_by_test_id("login-username").wait_for(timeout=10_000)
    refused: list[str] = []
    page.on("response", lambda r: refused.append(r.url) if r.status >= 400 else None)
    page.reload()
    page.get_by_test_id("login-username").wait_for(timeout=10_000)
    page.wait_for_load_state("networkidle")
    assert refused == []


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_login_page_follows_the_systems_colour_scheme(hub: Hub, browser: Any, scheme: str) -> None:
    context = browser.new_context(color_scheme=scheme)
    page = context.new_page()
    page.goto(hub.url)
    page.get_by_test_id("login-username").wait_for(timeout=10_000)
    is_dark = page.evaluate("document.documentElement.classList.contains('dark')")
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert is_dark == (scheme == "dark")
    channels = [int(c) for c in re.findall(r"\d+", background)[:3]]
    assert (sum(channels) / 3 > 128) == (scheme == "light"), background
    context.close()


def test_every_page_names_its_tab(hub: Hub, token: str, host_id: str, page: Any) -> None:
    hostname = next(h["hostname"] for h in hub.get("/api/v1/hosts", token) if h["id"] == host_id)
    signed_in(page, hub)
    expected = {
        "/": "Fleet · Everyst",
        "/tools": "Tools · Everyst",
        "/network": "Network · Everyst",
        "/alerts": "Alerts · Everyst",
        "/agents": "Agents · Everyst",
        "/users": "Users · Everyst",
        "/groups": "Host groups · Everyst",
        "/audit": "Audit log · Everyst",
        "/account": "Account · Everyst",
        f"/hosts/{host_id}": f"{hostname} · Everyst",
        "/no-such-page": "Page not found · Everyst",
    }
    for path, title in expected.items():
        page.goto(f"{hub.url}{path}")
        page.wait_for_function("t => document.title === t", arg=title, timeout=10_000)
    # Client-side navigation renames the tab too, from a host page back to the fleet.
    page.goto(f"{hub.url}/hosts/{host_id}")
    page.wait_for_function("t => document.title === t", arg=f"{hostname} · Everyst", timeout=10_000)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Fleet").click()
    page.wait_for_function("() => document.title === 'Fleet · Everyst'", timeout=10_000)


def test_the_users_page_shows_last_login_and_no_way_to_lock_yourself_out(
    hub: Hub, token: str, page: Any
) -> None:
    hub.post(
        "/api/v1/users",
        {"username": "second_admin", "password": "a-long-enough-passphrase", "role": "admin"},
        token,
    )
    signed_in(page, hub)
    page.goto(f"{hub.url}/users")
    own = page.locator('[data-testid="user-row"][data-username="owner"]')
    other = page.locator('[data-testid="user-row"][data-username="second_admin"]')
    other.get_by_test_id("user-disable").wait_for(timeout=10_000)
    assert own.get_by_test_id("user-disable").count() == 0
    assert own.get_by_test_id("user-delete").count() == 0
    assert own.get_by_test_id("user-role").evaluate("e => e.tagName") != "SELECT"
    assert own.get_by_test_id("user-role").inner_text() == "Owner"
    assert other.get_by_test_id("user-delete").count() == 1
    assert other.get_by_test_id("user-role").evaluate("e => e.tagName") == "SELECT"
    own_login = own.get_by_test_id("user-last-login")
    assert own_login.inner_text() != "never" and own_login.get_attribute("datetime")
    assert other.get_by_test_id("user-last-login").inner_text() == "never"


def test_past_runs_keep_counting_how_long_ago_they_started(
    hub: Hub, host_id: str, ping_job: dict[str, Any], page: Any
) -> None:
    signed_in(page, hub)
    page.goto(f"{hub.url}/tools?host={host_id}")
    started = page.locator(f'[data-testid="job-row"][data-job-id="{ping_job["id"]}"]').get_by_test_id(
        "job-started"
    )
    started.wait_for(timeout=10_000)
    first = started.inner_text()
    assert re.fullmatch(r"just now|\d+ s ago", first), first
    page.wait_for_function(
        "([el, was]) => el.textContent !== was", arg=[started.element_handle(), first], timeout=5_000
    )
    assert re.fullmatch(r"\d+ s ago", started.inner_text())


def test_a_ping_result_shows_its_parameters_as_a_list_and_each_header_over_its_column(
    hub: Hub, host_id: str, ping_job: dict[str, Any], page: Any
) -> None:
    signed_in(page, hub)
    page.goto(f"{hub.url}/tools?host={host_id}&job={ping_job['id']}")
    page.locator('[data-testid="tool-progress"][data-status="finished"]').wait_for(timeout=TIMEOUT_MS)
    params = page.get_by_test_id("job-params").inner_text()
    assert "{" not in params and '"' not in params
    assert re.search(r"count:\s*3", params) and re.search(r"timeout:\s*1 s", params), params
    table = page.get_by_test_id("tool-rows")
    misplaced = table.evaluate(
        """t => {
            const heads = [...t.querySelectorAll('thead th')];
            const cells = [...t.querySelectorAll('tbody tr:first-child td')];
            return heads.flatMap((th, i) => {
                const td = cells[i];
                const h = th.getBoundingClientRect(), c = td.getBoundingClientRect();
                const hAlign = getComputedStyle(th).textAlign, cAlign = getComputedStyle(td).textAlign;
                // The header's text must start (or end) where its column's text does.
                return hAlign === cAlign && Math.abs(h.left - c.left) < 1 && Math.abs(h.right - c.right) < 1
                    ? [] : [`${th.textContent}: header ${hAlign}, cells ${cAlign}`];
            });
        }"""
    )
    assert misplaced == []


def test_audit_targets_read_as_a_type_and_a_quoted_name(hub: Hub, token: str, page: Any) -> None:
    hub.post("/api/v1/enrollment-tokens", {"description": "ui-review test token"}, token)
    signed_in(page, hub)
    page.goto(f"{hub.url}/audit")
    row = page.locator('[data-testid="audit-row"][data-action="enrollment_token.created"]').first
    row.wait_for(timeout=10_000)
    assert row.get_by_test_id("audit-target").inner_text() == "Enrollment token “ui-review test token”"


def test_the_network_empty_state_shows_all_of_its_text(hub: Hub, host_id: str, page: Any) -> None:
    signed_in(page, hub)
    page.goto(f"{hub.url}/network?host={host_id}")
    page.get_by_test_id("network-empty").wait_for(timeout=10_000)
    clipped = page.get_by_test_id("network-list").evaluate(
        """panel => {
            const out = [];
            for (const el of panel.querySelectorAll('*')) {
                if (el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX !== 'visible') {
                    out.push(el.outerHTML.slice(0, 80));
                }
            }
            const ctx = document.createElement('canvas').getContext('2d');
            for (const input of panel.querySelectorAll('input[placeholder]')) {
                const s = getComputedStyle(input);
                ctx.font = `${s.fontSize} ${s.fontFamily}`;
                const room = input.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight);
                const text = input.placeholder;
                if (ctx.measureText(text).width > room) out.push(`placeholder: ${text}`);
            }
            return out;
        }"""
    )
    assert clipped == []


def test_the_api_docs_are_linked_from_every_page(hub: Hub, host_id: str, page: Any) -> None:
    signed_in(page, hub)
    for path in ("/", f"/hosts/{host_id}", "/tools"):
        page.goto(f"{hub.url}{path}")
        assert page.get_by_test_id("api-docs-link").get_attribute("href") == "/api/docs"
    page.get_by_test_id("api-docs-link").click()
    page.locator(".swagger-ui .info .title").wait_for(timeout=10_000)
    assert page.url == f"{hub.url}/api/docs"
