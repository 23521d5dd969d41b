"""The console in real Chromium: an agent signs in, a handoff arrives in the queue live (no reload), they take
it over, reply, and hand it back; all through the page's own forms and its server-sent events."""

from __future__ import annotations

from sqlalchemy import select

from backend import models as m
from tests.conftest import PUBLIC_URL, TWILIO_TOKEN
from tests.console.kit import PASSWORD, make_user
from tests.helpers import sms_form, twilio_post
from tests.test_pages_browser import live_url, page, pytestmark  # noqa: F401 - the browser fixtures

SHOPPER = "+447700900456"


def test_an_agent_takes_a_live_handoff_replies_and_hands_back(runtime, demo, client, live_url, page):  # noqa: F811
    make_user(runtime)
    page.goto(live_url + "/console")
    page.fill("#email", "sam@acme.example")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.get_by_role("heading", name="Conversations").wait_for()
    assert page.locator("#queue tr[data-id]").count() == 0
    page.locator("body[data-live=on]").wait_for()  # the page's event stream is open before the shopper writes

    twilio_post(client, "/twilio/sms", sms_form("I want to speak to someone please", sender=SHOPPER),
                token=TWILIO_TOKEN, public_url=PUBLIC_URL)
    row = page.locator("#queue tr[data-id]", has_text=SHOPPER)
    row.wait_for()  # arrived without a reload
    assert page.locator("#live").inner_text().startswith("A shopper is waiting for a person")

    row.get_by_role("link", name=SHOPPER).click()
    page.get_by_role("button", name="Take over").click()
    page.get_by_label("Reply to the shopper (sent by sms)").fill("Hello, Sam here. Let me check that for you.")
    page.get_by_role("button", name="Send").click()
    page.locator("#transcript .msg.person", has_text="Sam here").wait_for()
    page.locator("body[data-live=on]").wait_for()

    twilio_post(client, "/twilio/sms", sms_form("thanks, it's the rain jacket", sender=SHOPPER),
                token=TWILIO_TOKEN, public_url=PUBLIC_URL)
    page.locator("#transcript .msg.in", has_text="rain jacket").wait_for()  # live, in the open conversation

    page.get_by_role("button", name="Hand back to the bot").click()
    page.get_by_role("heading", name="Conversations").wait_for()
    page.set_viewport_size({"width": 320, "height": 700})
    assert page.evaluate("document.documentElement.scrollWidth") <= 320

    with runtime.sessions() as s:
        conv = s.scalar(select(m.Conversation).where(m.Conversation.address == SHOPPER))
        sent = s.scalars(select(m.Message.body).where(m.Message.recipient == SHOPPER,
                                                      m.Message.author.is_not(None))).all()
    assert conv.status == "bot"
    assert sent == ["Hello, Sam here. Let me check that for you."]


def test_the_search_box_finds_a_shopper_on_a_320px_screen(runtime, demo, live_url, page):  # noqa: F811
    """A shopper phones; on a small phone Sam types their number as they say it and opens their conversation:
    the box and its button fit the screen, nothing scrolls sideways, and Enter searches (a plain GET form)."""
    with runtime.sessions() as s:
        s.add_all([m.Conversation(merchant_id=demo.id, channel="sms", address=SHOPPER, status="resolved", state={}),
                   m.Conversation(merchant_id=demo.id, channel="sms", address="+447700900999", status="waiting",
                                  state={})])
        s.commit()
    make_user(runtime)
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(live_url + "/console")
    page.fill("#email", "sam@acme.example")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    box = page.get_by_label("Find a shopper's conversation")
    box.fill("07700 900456")
    box.press("Enter")
    row = page.locator("#queue tr[data-id]", has_text=SHOPPER)
    row.wait_for()
    assert page.locator("#queue tr[data-id]").count() == 1 and "Resolved" in row.inner_text()
    search = page.get_by_role("button", name="Search").bounding_box()
    assert search is not None and search["x"] + search["width"] <= 320
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    assert page.get_by_label("Find a shopper's conversation").input_value() == "07700 900456"
    row.get_by_role("link", name=SHOPPER).click()
    page.wait_for_url("**/console/c/*")
