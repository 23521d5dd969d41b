"""The sandbox path end to end: a shopper accepts a fee, gets a link, presses Pay on our /pay page, and the change
is applied once and texted; Cancel, expiry, a free option and a second press change nothing more."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from backend import models as m
from tests.conftest import PUBLIC_URL, TWILIO_TOKEN
from tests.dialogues.aftersales_kit import audits, changes, latest_code, talk, text_of
from tests.helpers import sms_form, twilio_post
from tests.payments.kit import EVERY_DAY, OWN, TRACKING, path_of, pay_link, payments, set_merchant, texts_to

DONE = "Thank you, your payment is in. Done:"


@pytest.fixture
def every_day(runtime, demo):  # noqa: ANN001, ANN201
    set_merchant(runtime, rules=EVERY_DAY)


def sms(client, body: str) -> str:  # noqa: ANN001
    """One SMS through Twilio's webhook (signed as Twilio signs); the reply's text from the TwiML."""
    response = twilio_post(client, "/twilio/sms", sms_form(body, sender=OWN), token=TWILIO_TOKEN,
                           public_url=PUBLIC_URL)
    assert response.status_code == 200, response.get_data(as_text=True)
    return html.unescape(" ".join(re.findall(r"<Message[^>]*>(.*?)</Message>", response.get_data(as_text=True),
                                             re.S)))


def accept_paid_window(runtime) -> str:  # noqa: ANN001
    talk(runtime, OWN, "I need to reschedule")
    talk(runtime, OWN, "3")  # tomorrow 17:00-21:00, £3.50 extra
    talk(runtime, OWN, "yes")
    return text_of(talk(runtime, OWN, latest_code(runtime, OWN)))


def test_sms_fee_link_pay_applies_once_and_texts_done(runtime, client, every_day):
    assert "(£3.50 extra)" in sms(client, "I need to reschedule")
    ask = sms(client, "3")
    assert "costs £3.50" in ask and "link to pay" in ask
    assert "code" in sms(client, "yes")
    assert payments(runtime) == []  # the one-time code comes before any link
    reply = sms(client, latest_code(runtime, OWN))
    assert "That's £3.50. Pay here: " in reply and "(valid 30 minutes)" in reply and "as soon as it's paid" in reply
    assert changes(runtime, "reschedule_delivery") == []  # nothing applied before payment
    [payment] = payments(runtime)
    assert payment.status == "open" and payment.amount == 3.5 and payment.currency == "GBP"
    assert payment.action["kind"] == "reschedule_delivery" and payment.action["fee_accepted"] is True

    path = path_of(pay_link(reply), PUBLIC_URL)
    page = client.get(path)
    assert page.status_code == 200 and "Pay £3.50" in page.get_data(as_text=True)
    pressed = client.post(path, data={"choice": "pay"})
    assert pressed.status_code == 303
    [change] = changes(runtime, "reschedule_delivery")
    assert change.status == "accepted" and change.idempotency_key == payment.idempotency_key
    [done] = texts_to(runtime, OWN, DONE)
    assert change.reference in done
    [payment] = payments(runtime)
    assert payment.status == "applied" and payment.paid_at and payment.applied_at
    assert "The change is made" in client.get(path).get_data(as_text=True)

    assert client.post(path, data={"choice": "pay"}).status_code == 303  # pressed again: nothing more happens
    assert len(changes(runtime, "reschedule_delivery")) == 1 and len(texts_to(runtime, OWN, DONE)) == 1
    assert [a.action for a in audits(runtime, "payment_paid")] == ["payment_paid"]
    assert [a.result for a in audits(runtime, "payment_applied")] == ["applied"]


def test_rest_web_chat_pays_the_same_way(runtime, client, every_day):
    def say(text: str) -> str:
        response = client.post("/webhooks/rest/webhook", json={"sender": "web-pay-test", "message": text})
        assert response.status_code == 200
        return "\n".join(r.get("text", "") for r in response.get_json())

    assert "Trail running shoes" in say(f"{TRACKING} M1 4BT")
    say("I need to reschedule")
    say("3")
    say("yes")
    reply = say(latest_code(runtime, OWN))
    path = path_of(pay_link(reply), PUBLIC_URL)
    assert client.post(path, data={"choice": "pay"}).status_code == 303
    [change] = changes(runtime, "reschedule_delivery")
    with runtime.sessions() as s:
        told = s.scalars(select(m.Message.body).where(m.Message.channel == "rest", m.Message.direction == "out"))
        assert any(DONE in b and change.reference in b for b in told)


def test_cancel_changes_nothing_and_the_link_still_works(runtime, client, every_day):
    path = path_of(pay_link(accept_paid_window(runtime)), PUBLIC_URL)
    cancelled = client.post(path, data={"choice": "cancel"}, follow_redirects=True)
    assert "Nothing was paid and nothing was changed" in cancelled.get_data(as_text=True)
    assert [p.status for p in payments(runtime)] == ["open"] and changes(runtime, "reschedule_delivery") == []
    assert client.post(path, data={"choice": "nonsense"}).status_code == 422
    assert client.post(path, data={"choice": "pay"}).status_code == 303
    assert [p.status for p in payments(runtime)] == ["applied"]


def test_an_unpaid_link_expires_politely_and_can_no_longer_pay(runtime, client, every_day):
    path = path_of(pay_link(accept_paid_window(runtime)), PUBLIC_URL)
    later = runtime.clock() + timedelta(minutes=31)
    runtime.set_clock(lambda: later)
    runtime.enqueue("expire_payments")
    [payment] = payments(runtime)
    assert payment.status == "expired"
    [told] = texts_to(runtime, OWN, "has expired")
    assert "nothing was changed" in told and "To try again" in told and TRACKING in told
    page = client.get(path).get_data(as_text=True)
    assert "expired" in page and "Pay £3.50" not in page
    client.post(path, data={"choice": "pay"})
    assert changes(runtime, "reschedule_delivery") == [] and payments(runtime)[0].paid_at is None
    runtime.enqueue("expire_payments")  # again: told once
    assert len(texts_to(runtime, OWN, "has expired")) == 1


def test_a_free_option_is_applied_at_once_with_no_payment(runtime, every_day):
    talk(runtime, OWN, "I need to reschedule")
    ask = text_of(talk(runtime, OWN, "2"))
    assert "costs" not in ask
    talk(runtime, OWN, "yes")
    done = text_of(talk(runtime, OWN, latest_code(runtime, OWN)))
    [change] = changes(runtime, "reschedule_delivery")
    assert change.reference in done and "Pay here" not in done and payments(runtime) == []


def test_a_link_we_did_not_sign_is_not_found(client, every_day):
    assert client.get("/pay/not-a-token").status_code == 404
    assert client.post("/pay/not-a-token", data={"choice": "pay"}).status_code == 404


def test_the_sandbox_takes_no_payment_when_the_bot_texts_real_shoppers(settings):
    """Play money on a live installation would let anyone 'pay' with a click: refused, not defaulted to."""
    import dataclasses

    from bot.core.payments import PaymentsNotConfigured
    from bot.runtime import payment_providers

    assert payment_providers(settings)(None).name == "sandbox"  # the embedded default: no real sending
    live = dataclasses.replace(settings, twilio_account_sid="AC" + "0" * 32)
    assert live.twilio_sending_enabled
    with pytest.raises(PaymentsNotConfigured):
        payment_providers(live)(None)
    with pytest.raises(PaymentsNotConfigured):
        payment_providers(live)({"provider": "sandbox"})


def test_a_paid_option_with_no_way_to_pay_is_refused_politely_and_nothing_changes(runtime, every_day, monkeypatch):
    monkeypatch.delenv("STRIPE_SECRET_KEY", raising=False)
    set_merchant(runtime, payments={"provider": "stripe"})  # chosen, but its secrets aren't in the environment
    reply = accept_paid_window(runtime)
    assert "can't take payments" in reply and "Nothing was changed" in reply
    assert payments(runtime) == [] and changes(runtime, "reschedule_delivery") == []
    assert [a.result for a in audits(runtime, "payment")] == ["unavailable"]


def test_the_pay_page_wears_the_merchants_brand(runtime, client, every_day):
    set_merchant(runtime, brand_name="Trailhead Supply",  # where the settings schema stores brand.name
                 brand={"primary_colour": "#7C2D12", "logo_url": "https://cdn.trailhead.example/logo.png"})
    page = client.get(path_of(pay_link(accept_paid_window(runtime)), PUBLIC_URL)).get_data(as_text=True)
    assert "Trailhead Supply" in page and "--brand-primary: #7c2d12" in page
    assert 'src="https://cdn.trailhead.example/logo.png"' in page
