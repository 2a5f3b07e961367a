"""The API documentation page in headless Chromium: Swagger UI renders the OpenAPI document."""

from __future__ import annotations

from playwright.sync_api import BrowserContext

from tests.web.conftest import SCREENSHOTS
from tests.web.live_stack import LiveStack


def test_docs_page_lists_operations(laptop: BrowserContext, live: LiveStack) -> None:
    page = laptop.new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))

    page.goto(f"{live.url}/docs")
    page.wait_for_selector(".opblock", timeout=30_000)
    page.screenshot(path=SCREENSHOTS / "laptop-api-docs.png")
    operations = page.locator(".opblock").count()
    body = page.locator("body").inner_text()
    page.close()

    assert operations > 20
    assert "Unable to render" not in body
    assert "Authorize" in body
    assert all(url.startswith(live.url) for url in requested)
