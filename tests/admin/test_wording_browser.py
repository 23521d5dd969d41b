"""The must-show path in real Chromium: an admin signs in, opens the neighbour confirmation's wording, types new
words and sees the live preview (sample values, segment count), saves, and the shopper's next SMS reply uses the
new words; a text with {unknown_variable} is refused naming it; Revert brings the previous text back."""

from __future__ import annotations

from sqlalchemy import select

from backend import models as m
from tests.conftest import PUBLIC_URL, TWILIO_TOKEN
from tests.console.kit import PASSWORD, make_user
from tests.helpers import sms_form, twilio_post
from tests.test_pages_browser import live_url, page, pytestmark  # noqa: F401 - the browser fixtures

NEIGHBOUR = "utter_neighbour_summary"  # the confirmation's words: "Just to check: <this> Reply YES ..."
SHOPPER = "+447700900123"  # PB100000001GB, Trail running shoes
NEW = "if nobody answers, we'll hand your {parcel} to {who} next door."


def _ask_for_neighbour(client) -> str:  # noqa: ANN001
    response = twilio_post(client, "/twilio/sms", sms_form("can you leave my parcel with number 22 if I'm out",
                                                           sender=SHOPPER), token=TWILIO_TOKEN, public_url=PUBLIC_URL)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_an_admin_rewords_the_neighbour_confirmation_and_the_shopper_reads_it(runtime, demo, client, live_url,  # noqa: F811
                                                                            page):  # noqa: F811
    before = _ask_for_neighbour(client)
    assert "the driver will leave your Trail running shoes with number 22" in before
    twilio_post(client, "/twilio/sms", sms_form("no", sender=SHOPPER), token=TWILIO_TOKEN, public_url=PUBLIC_URL)

    make_user(runtime, "ann@acme.example", role="admin", name="Ann")
    page.goto(live_url + "/admin/templates")
    page.fill("#email", "ann@acme.example")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.get_by_role("heading", name="Wording", exact=True).wait_for()

    page.get_by_label("Filter by name or words").fill("neighbour_summ")
    assert page.locator(".template-row:not([hidden])").count() == 1  # the box filters as you type
    page.get_by_role("link", name=NEIGHBOUR).click()
    page.get_by_role("heading", name=NEIGHBOUR).wait_for()

    sms = page.locator("#slot-sms")
    sms.get_by_label("Text for SMS").fill(NEW)
    preview = sms.locator(".preview[data-live=on] .filled")
    preview.wait_for()  # the live preview, from the API, without a reload
    # The summary goes out inside the confirmation: the preview is the whole text the shopper receives.
    assert ("Just to check: if nobody answers, we'll hand your Hiking boots (+1 more) to your neighbour "
            "at number 16 next door.") in preview.inner_text()
    assert "GSM-7" in sms.locator(".preview .cost").inner_text()
    assert "2 SMS segments" in sms.locator(".preview .cost").inner_text()
    sms.get_by_role("button", name="Save").click()
    page.get_by_role("alert").filter(has_text="Saved the SMS text").wait_for()

    after = _ask_for_neighbour(client)  # the shopper's next reply, through the signed Twilio webhook
    assert "we'll hand your Trail running shoes to number 22 next door" in after
    assert "the driver will leave" not in after
    twilio_post(client, "/twilio/sms", sms_form("no", sender=SHOPPER), token=TWILIO_TOKEN, public_url=PUBLIC_URL)

    sms = page.locator("#slot-sms")
    sms.get_by_label("Text for SMS").fill("we'll hand it to {who}, {unknown_variable}")
    sms.locator(".preview .problems", has_text="unknown variable {unknown_variable}").wait_for()  # live, too
    sms.get_by_role("button", name="Save").click()
    page.get_by_role("alert").filter(has_text="Not saved: unknown variable {unknown_variable}").wait_for()
    with runtime.sessions() as s:
        merchant = s.scalar(select(m.Merchant).where(m.Merchant.slug == "demo"))
        assert merchant.settings["responses"][NEIGHBOUR] == {"sms": NEW}  # the refused text changed nothing

    row = page.locator("table.history tbody tr").first  # newest first: the save above
    assert NEW in row.inner_text()
    row.get_by_role("button", name="Revert").click()
    page.get_by_role("alert").filter(has_text="Reverted change").wait_for()
    assert page.locator("#text-sms").input_value() == "if you're out, the driver will leave your {parcel} with {who}."
    assert page.locator("table.history tbody tr").first.inner_text().count("(revert)") == 1
    assert "the driver will leave your Trail running shoes with number 22" in _ask_for_neighbour(client)

    page.set_viewport_size({"width": 320, "height": 700})
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
