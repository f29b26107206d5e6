"""The dashboard in a real browser: Debian's chromium driven by Playwright, against a real hub."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.processes import Hub

CHROMIUM = "/usr/bin/chromium"
FRONTEND_INDEX = Path(__file__).resolve().parents[2] / "frontend" / "dist" / "index.html"


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    if not FRONTEND_INDEX.exists():
        pytest.fail("frontend/dist is missing: `make test` builds it; run `make frontend`")
    hub = Hub(tmp_path_factory.mktemp("hub")).start("--local-agent")
    yield hub
    hub.stop()


# One chromium for every browser test (each test gets a fresh context, so nothing leaks between
# them): a launch per module cost seconds each time.
@pytest.fixture(scope="package")
def browser() -> Iterator[object]:
    if not shutil.which(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium package")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):  # type: ignore[no-untyped-def]
    context = browser.new_context()
    page = context.new_page()
    yield page
    context.close()
