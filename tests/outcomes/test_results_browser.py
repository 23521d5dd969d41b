"""The Results page in real Chromium: an admin signs in, reads the money view, picks a quick range, opens a
chart's data table, submits a bad range and is told which field; at 320 px nothing scrolls sideways."""

from __future__ import annotations

from backend.db import transaction
from bot.services.demo_history import seed_demo_history
from tests.console.kit import make_user, sign_in_page
from tests.test_pages_browser import live_url, page, pytestmark  # noqa: F401 - the browser fixtures


def test_an_admin_reads_results_at_320_px(runtime, demo, live_url, page):  # noqa: F811
    with transaction(runtime.sessions) as s:
        seed_demo_history(s, s.merge(demo), now=runtime.clock())
    make_user(runtime, "ann@acme.example", role="admin", name="Ann")
    page.set_viewport_size({"width": 320, "height": 800})
    sign_in_page(page, live_url + "/admin", "ann@acme.example")
    page.get_by_role("heading", name="What the bot saved you").wait_for()
    assert page.locator("#money-total").inner_text().startswith("\u00a3")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320

    page.get_by_role("link", name="Last 7 days").click()
    page.get_by_role("link", name="Last 7 days").and_(page.locator("[aria-current]")).wait_for()
    first = page.locator("figure.chartbox").first
    assert first.get_by_role("img").count() == 1  # the SVG, named by its <title>
    first.locator("summary").click()
    assert first.locator("table tbody tr").count() == 7  # one row per day of the range
    assert page.evaluate("document.documentElement.scrollWidth") <= 320

    page.fill("#from", "2026-12-09")
    page.fill("#to", "2026-12-02")
    page.get_by_role("button", name="Show").click()
    error = page.locator("#to-error")
    error.wait_for()
    assert "after" in error.inner_text() and page.locator("#to").get_attribute("aria-invalid") == "true"
