"""The demo page can pay, in a real browser (Debian's Chromium through Playwright): the web chat shows the payment
link as a link, the /pay page's Pay button pays in the sandbox, and the "done" text reaches the outbox."""

from __future__ import annotations

from tests.dialogues.aftersales_kit import latest_code
from tests.payments.kit import EVERY_DAY, OWN, payments, set_merchant
from tests.test_pages_browser import live_url, page, pytestmark  # noqa: F401 - the same server, browser and skip


def say(browser_page, text: str) -> str:  # noqa: ANN001
    log = browser_page.locator("#log li.bot")
    before = log.count()
    browser_page.fill("#text", text)
    browser_page.click("#send button[type=submit]")
    log.nth(before).wait_for()
    return log.nth(before).inner_text()


def test_the_demo_chat_links_to_the_pay_page_and_pay_applies_the_change(live_url, page, runtime):  # noqa: F811
    set_merchant(runtime, rules=EVERY_DAY)
    page.goto(live_url + "/demo")
    assert "Trail running shoes" in say(page, "PB100000001GB M1 4BT")
    say(page, "I need to reschedule")
    say(page, "3")
    say(page, "yes")
    assert "Pay here:" in say(page, latest_code(runtime, OWN))
    link = page.locator("#log li.bot a[href^='/pay/']").last
    link.click()
    page.wait_for_url("**/pay/**")
    assert "£3.50" in page.locator("#amount").inner_text()
    page.get_by_role("button", name="Pay £3.50").click()
    page.wait_for_load_state()
    assert "The change is made" in page.locator("#status").inner_text()
    assert [p.status for p in payments(runtime)] == ["applied"]
    page.goto(live_url + "/demo")
    page.locator("#outbox li", has_text="Thank you, your payment is in.").first.wait_for()
