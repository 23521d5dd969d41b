"""Undo in real Chromium, on a 320 px phone: an admin saves the brand name, finds the change in the History, taps
its Undo button (found by its accessible name), reads the result at the top of the page, and the name is back;
the page never scrolls sideways."""

from __future__ import annotations

from sqlalchemy import select

from backend import models as m
from bot.core.merchant_config import MerchantConfig
from tests.console.kit import make_user, sign_in_page
from tests.test_pages_browser import live_url, page, pytestmark  # noqa: F401 - the browser fixtures


def _brand(runtime) -> str:  # noqa: ANN001
    with runtime.sessions() as s:
        return MerchantConfig.of(s.scalar(select(m.Merchant).where(m.Merchant.slug == "demo"))).brand_name


def test_an_admin_undoes_a_brand_change_from_the_history_on_a_phone(runtime, demo, live_url, page):  # noqa: F811
    before = _brand(runtime)
    make_user(runtime, "ann@acme.example", role="admin", name="Ann")
    page.set_viewport_size({"width": 320, "height": 720})
    sign_in_page(page, live_url + "/console/login?next=/admin/settings", "ann@acme.example")
    page.get_by_role("heading", name="History", exact=True).wait_for()

    brand = page.locator("#section-brand")
    brand.get_by_label("Name", exact=True).fill("Acme Renamed")
    brand.get_by_role("button", name="Save").click()
    page.get_by_role("alert").filter(has_text="saved").wait_for()
    assert _brand(runtime) == "Acme Renamed"

    undo = page.get_by_role("button", name="Undo change").first
    assert "brand" in (undo.get_attribute("aria-label") or "")
    undo.click()
    page.get_by_role("alert").filter(has_text="Undid change").wait_for()
    assert _brand(runtime) == before
    assert page.locator("#history").get_by_text("undo #").count() >= 1  # the undo is in the history too
    assert page.evaluate("document.documentElement.scrollWidth") <= 320  # no sideways scrolling at 320 px
