"""Pages in a real browser: Debian's Chromium driven by Playwright against the app on a real port."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator

import pytest
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]

pytestmark = pytest.mark.skipif(
    not os.path.exists(CHROMIUM) and not os.environ.get("CI"),
    reason="Debian's chromium is not installed (scripts/test installs it)",
)


@pytest.fixture
def live_url(app, demo) -> Iterator[str]:  # noqa: ANN001
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def page() -> Iterator:  # noqa: ANN001
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        pg = browser.new_page()
        pg.set_default_timeout(15000)
        yield pg
        browser.close()


def test_demo_web_chat_verifies_then_shows_status(live_url, page):
    page.goto(live_url + "/demo")
    page.fill("#text", "where is PB100000001GB")
    page.click("button[type=submit]")
    page.locator("#log li.bot").first.wait_for()
    assert "postcode" in page.locator("#log li.bot").last.inner_text().lower()
    page.fill("#text", "m1 4bt")
    page.click("button[type=submit]")
    page.locator("#log li.bot").nth(1).wait_for()
    answer = page.locator("#log li.bot").nth(1).inner_text()
    assert "Trail running shoes" in answer and "PB100000001GB" in answer


def test_demo_chat_shows_choices_as_buttons_that_answer(live_url, page):
    """The REST channel's buttons (a reply's choices) are tappable in the web chat; a tap answers the question."""
    page.goto(live_url + "/demo")
    page.fill("#text", "can I collect PB100000001GB from a pickup point instead")
    page.click("button[type=submit]")
    page.locator("#log li.bot").first.wait_for()
    page.fill("#text", "M1 4BT")
    page.click("button[type=submit]")
    locker = page.locator("#log .choices button", has_text="Ancoats Parcel Locker")
    locker.wait_for()
    assert page.locator("#log .choices button").count() == 3
    locker.click()
    page.locator("#log li.you", has_text="Ancoats Parcel Locker").wait_for()
    page.locator("#log li.bot", has_text="Just to check").wait_for()
    # the used set of buttons goes away; the confirmation brings its own: Yes / No
    assert page.locator("#log .choices").count() == 1
    assert page.locator("#log .choices button").all_inner_texts() == ["Yes", "No"]
    page.locator("#log .choices button", has_text="Yes").click()
    page.locator("#log li.bot", has_text="6-digit code").wait_for()
    page.set_viewport_size({"width": 320, "height": 640})  # a small phone: no sideways scrolling
    assert page.evaluate("document.documentElement.scrollWidth") <= 320


def test_demo_chat_shows_shopper_text_as_text_not_html(live_url, page):
    page.goto(live_url + "/demo")
    page.fill("#text", "<img src=x onerror=window.hacked=1>")
    page.click("button[type=submit]")
    page.locator("#log li.bot").first.wait_for()
    assert page.evaluate("window.hacked") is None
    assert page.locator("#log li.you").first.inner_text() == "<img src=x onerror=window.hacked=1>"


def test_tracking_link_opens_a_status_page(live_url, page, runtime):  # noqa: ANN001
    url = runtime.links.tracking_url("demo", "PB100000002GB").replace(runtime.links.base_url, live_url)
    page.goto(url)
    assert "out for delivery" in page.locator("#status").inner_text()
    assert "Acacia" not in page.content()
    bad = page.goto(url[:-3] + "xyz")
    assert bad.status == 404
