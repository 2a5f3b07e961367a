"""Fixtures for the browser tests: the live stack, headless Chromium and the figures they measure.

Chromium is Debian's package at /usr/bin/chromium, driven by Playwright; Playwright never
downloads a browser of its own here. The flags keep Chromium off the network: without the
background-networking ones it tries to reach Google's services, which a closed network refuses.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, Playwright, ViewportSize, sync_playwright

from tests.web.live_stack import OWNER_EMAIL, OWNER_PASSWORD, LiveStack, start_live_stack

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
WEB_DIST = REPO / "web" / "dist" / "index.html"
SCREENSHOTS = REPO / ".datafantasi-test" / "screenshots"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LAPTOP: ViewportSize = {"width": 1366, "height": 860}
PHONE: ViewportSize = {"width": 390, "height": 844}

TIMINGS: dict[str, dict[str, float]] = {}
"""View -> first-contentful-paint and data-shown times in ms, from the browser's Performance API."""


@pytest.fixture(scope="session")
def live(
    tmp_path_factory: pytest.TempPathFactory, model_store: tuple[Path, str]
) -> Iterator[LiveStack]:
    if not WEB_DIST.exists():
        pytest.fail(f"{WEB_DIST} is missing: build the web app with `make web` first")
    stack, server = start_live_stack(tmp_path_factory.mktemp("web-data"), model_store)
    yield stack
    server.should_exit = True


@pytest.fixture(scope="session")
def playwright_driver() -> Iterator[Playwright]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)")
    with sync_playwright() as driver:
        yield driver


def browser_context(
    driver: Playwright, profile: Path, viewport: ViewportSize, mobile: bool
) -> BrowserContext:
    """Start Chromium with a fresh profile folder and return its one browser context."""
    return driver.chromium.launch_persistent_context(
        str(profile),
        executable_path=str(CHROMIUM),
        headless=True,
        args=CHROMIUM_ARGS,
        viewport=viewport,
        is_mobile=mobile,
        has_touch=mobile,
        locale="da-DK",
        accept_downloads=False,
    )


@pytest.fixture(scope="session")
def laptop(
    playwright_driver: Playwright, live: LiveStack, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[BrowserContext]:
    profile = tmp_path_factory.mktemp("laptop-profile")
    context = browser_context(playwright_driver, profile, LAPTOP, mobile=False)
    sign_in(context.new_page(), live)
    yield context
    context.close()


@pytest.fixture(scope="session")
def phone(
    playwright_driver: Playwright, live: LiveStack, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[BrowserContext]:
    profile = tmp_path_factory.mktemp("phone-profile")
    context = browser_context(playwright_driver, profile, PHONE, mobile=True)
    sign_in(context.new_page(), live)
    yield context
    context.close()


def sign_in(page: Page, live: LiveStack) -> None:
    page.goto(f"{live.url}/photos")
    page.wait_for_url("**/signin**")
    page.get_by_label("E-mail").fill(OWNER_EMAIL)
    page.get_by_label("Adgangskode").fill(OWNER_PASSWORD)
    page.get_by_role("button", name="Log ind", exact=True).click()
    page.wait_for_selector("#main[data-ready='photos']")
    page.close()


@pytest.fixture(scope="session", autouse=True)
def screenshot_folder() -> Path:
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)
    SCREENSHOTS.mkdir(parents=True)
    return SCREENSHOTS


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not TIMINGS:
        return
    terminalreporter.section("web app: first paint and data shown (ms, measured by Chromium)")
    for view, figures in TIMINGS.items():
        terminalreporter.write_line(
            f"{view:<28} first-contentful-paint {figures['fcp']:7.0f}   "
            f"data shown {figures['ready']:7.0f}"
        )
    (SCREENSHOTS / "timings.json").write_text(json.dumps(TIMINGS, indent=2))
    terminalreporter.write_line(f"screenshots and timings.json in {SCREENSHOTS}")
