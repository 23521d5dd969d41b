"""Stripe Checkout, mocked only at the HTTP layer (api.stripe.com through `responses`), its webhooks signed here
exactly as Stripe signs them: the session asked for, a signed webhook applying the change once, a bad signature
refused with nothing changed, expiry, a carrier refusing after payment (refunded), a late payment (refunded)."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from urllib.parse import parse_qs

import pytest
import responses
from sqlalchemy import select

from backend import models as m
from bot.services.payments import fee_totals
from tests.conftest import PUBLIC_URL
from tests.dialogues.aftersales_kit import changes, edit_shipment, latest_code, talk, text_of
from tests.payments.kit import (
    EVERY_DAY,
    OWN,
    TRACKING,
    path_of,
    pay_link,
    payments,
    session_event,
    set_merchant,
    stripe_signature,
    texts_to,
)

KEY, WHSEC = "sk_test_parcelbot_not_real", "whsec_parcelbot_test"
SESSIONS = "https://api.stripe.com/v1/checkout/sessions"
REFUNDS = "https://api.stripe.com/v1/refunds"
CHECKOUT_URL = "https://checkout.stripe.com/c/pay/cs_test_a1"
DONE = "Thank you, your payment is in. Done:"


@pytest.fixture
def stripe_shop(runtime, demo, monkeypatch):  # noqa: ANN001, ANN201
    monkeypatch.setenv("STRIPE_SECRET_KEY", KEY)
    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", WHSEC)
    set_merchant(runtime, rules=EVERY_DAY, payments={"provider": "stripe"})


@pytest.fixture
def stripe_api():  # noqa: ANN201
    with responses.RequestsMock(assert_all_requests_are_fired=False) as api:
        api.post(SESSIONS, json={"id": "cs_test_a1", "object": "checkout.session", "url": CHECKOUT_URL,
                                 "status": "open", "payment_status": "unpaid"})
        api.post(REFUNDS, json={"id": "re_test_1", "object": "refund", "amount": 350, "currency": "gbp",
                                "status": "succeeded"})
        yield api


def to_checkout(runtime, client) -> str:  # noqa: ANN001
    """Accept the £3.50 evening slot, give the code, open the link: returns the /pay path."""
    talk(runtime, OWN, "I need to reschedule")
    talk(runtime, OWN, "3")
    talk(runtime, OWN, "yes")
    path = path_of(pay_link(text_of(talk(runtime, OWN, latest_code(runtime, OWN)))), PUBLIC_URL)
    opened = client.get(path)
    assert opened.status_code == 303 and opened.headers["Location"] == CHECKOUT_URL
    return path


def webhook(client, body: bytes, signature: str | None = None):  # noqa: ANN001, ANN201
    headers = {"Stripe-Signature": signature if signature is not None else stripe_signature(body, WHSEC)}
    return client.post("/webhooks/stripe", data=body, headers=headers, content_type="application/json")


def sent(api, url: str) -> list:  # noqa: ANN001
    return [c.request for c in api.calls if c.request.url.startswith(url)]


def test_the_checkout_session_asks_the_right_amount_currency_expiry_and_metadata(runtime, client, stripe_shop,
                                                                                 stripe_api):
    path = to_checkout(runtime, client)
    [request] = sent(stripe_api, SESSIONS)
    form = parse_qs(request.body)
    [payment] = payments(runtime)
    assert request.headers["Authorization"] == f"Bearer {KEY}"
    assert request.headers["Idempotency-Key"] == f"parcelbot-pay-{payment.merchant_id}-{payment.idempotency_key}"
    assert form["mode"] == ["payment"]
    assert form["line_items[0][price_data][unit_amount]"] == ["350"]
    assert form["line_items[0][price_data][currency]"] == ["gbp"]
    assert form["metadata[payment_id]"] == [str(payment.id)]
    assert form["payment_intent_data[metadata][payment_id]"] == [str(payment.id)]
    created = payment.created_at.timestamp()
    assert 30 * 60 <= int(form["expires_at"][0]) - created <= 32 * 60  # Stripe's minimum, our 30 minutes
    # Back to a pay link for this payment (signed again when the session was made: a second later, another token)
    for field, query in (("success_url", "?done=1"), ("cancel_url", "?cancelled=1")):
        back_url = form[field][0]
        assert back_url.startswith(PUBLIC_URL + "/pay/") and back_url.endswith(query), back_url
        token = back_url[len(PUBLIC_URL + "/pay/"):-len(query)]
        assert runtime.links.load("pay", token, 3600, fields=("p",)) == {"p": str(payment.id)}
    assert payment.provider == "stripe" and payment.provider_ref == "cs_test_a1"
    assert client.get(path).status_code == 303 and len(sent(stripe_api, SESSIONS)) == 1  # created once
    back = client.get(path + "?done=1").get_data(as_text=True)
    assert "waiting for the payment to be confirmed" in back


def test_a_signed_webhook_applies_the_change_once(runtime, client, stripe_shop, stripe_api):
    to_checkout(runtime, client)
    [payment] = payments(runtime)
    body = session_event("checkout.session.completed", "cs_test_a1", payment.id)
    first = webhook(client, body)
    assert first.status_code == 200 and first.get_json()["outcome"] == "paid"
    [change] = changes(runtime, "reschedule_delivery")
    assert change.status == "accepted"
    [done] = texts_to(runtime, OWN, DONE)
    assert change.reference in done
    again = webhook(client, body)  # Stripe retries a webhook it thinks we missed
    assert again.status_code == 200 and again.get_json()["outcome"] == "duplicate"
    assert len(changes(runtime, "reschedule_delivery")) == 1 and len(texts_to(runtime, OWN, DONE)) == 1
    [payment] = payments(runtime)
    assert payment.status == "applied" and payment.detail["charge_ref"] == "pi_test_1"


@pytest.mark.parametrize("signature", ["", "t=1,v1=deadbeef", None])
def test_a_bad_or_missing_signature_is_400_and_changes_nothing(runtime, client, stripe_shop, stripe_api, signature):
    to_checkout(runtime, client)
    [payment] = payments(runtime)
    body = session_event("checkout.session.completed", "cs_test_a1", payment.id)
    if signature is None:  # signed with another secret: a forger who knows the format
        signature = stripe_signature(body, "whsec_someone_else")
    response = webhook(client, body, signature)
    assert response.status_code == 400 and "error" in response.get_json()
    assert [p.status for p in payments(runtime)] == ["open"] and changes(runtime, "reschedule_delivery") == []
    stale = webhook(client, body, stripe_signature(body, WHSEC, at=1_000_000))  # replayed long after
    assert stale.status_code == 400 and payments(runtime)[0].paid_at is None


def test_an_expired_session_is_told_politely_and_nothing_changes(runtime, client, stripe_shop, stripe_api):
    to_checkout(runtime, client)
    [payment] = payments(runtime)
    assert webhook(client, session_event("checkout.session.expired", "cs_test_a1", payment.id)).status_code == 200
    [payment] = payments(runtime)
    assert payment.status == "expired" and changes(runtime, "reschedule_delivery") == []
    [told] = texts_to(runtime, OWN, "has expired")
    assert "nothing was changed and nothing was charged" in told


def test_a_carrier_refusal_after_payment_is_refunded_in_full(runtime, client, stripe_shop, stripe_api):
    to_checkout(runtime, client)
    [payment] = payments(runtime)
    edit_shipment(runtime, TRACKING, status="delivered")  # while the shopper paid, the parcel arrived
    webhook(client, session_event("checkout.session.completed", "cs_test_a1", payment.id, intent="pi_test_9"))
    [refund] = sent(stripe_api, REFUNDS)
    form = parse_qs(refund.body)
    assert form["payment_intent"] == ["pi_test_9"] and form["amount"] == ["350"]
    assert refund.headers["Idempotency-Key"] == f"parcelbot-refund-{payment.id}"
    [payment] = payments(runtime)
    assert payment.status == "failed" and payment.refunded_amount == Decimal("3.50")
    assert payment.detail["refunds"][0]["ref"] == "re_test_1"
    [told] = texts_to(runtime, OWN, "couldn't make that change after all")
    assert "refunded your £3.50 in full" in told and texts_to(runtime, OWN, DONE) == []
    with runtime.sessions() as s:
        merchant_id = s.scalar(select(m.Merchant.id).where(m.Merchant.slug == "demo"))
        day = payment.paid_at
        totals = fee_totals(s, merchant_id, day - timedelta(days=1), day + timedelta(days=1))
    assert totals.collected == {"GBP": Decimal("3.50")} and totals.refunded == {"GBP": Decimal("3.50")}
    assert totals.kept == {"GBP": Decimal("0.00")} and totals.payments == 1


def test_a_payment_on_an_expired_link_is_refunded(runtime, client, stripe_shop, stripe_api):
    to_checkout(runtime, client)
    later = runtime.clock() + timedelta(minutes=31)
    runtime.set_clock(lambda: later)
    runtime.enqueue("expire_payments")
    [payment] = payments(runtime)
    body = session_event("checkout.session.completed", "cs_test_a1", payment.id)
    assert webhook(client, body).get_json()["outcome"] == "late"
    assert changes(runtime, "reschedule_delivery") == [] and len(sent(stripe_api, REFUNDS)) == 1
    [payment] = payments(runtime)
    assert payment.status == "expired" and payment.refunded_amount == Decimal("3.50")
    [told] = texts_to(runtime, OWN, "came in after the link had expired")
    assert "refunded it in full" in told


def test_a_webhook_for_another_merchant_account_is_ignored(runtime, client, stripe_shop, stripe_api, monkeypatch):
    """A merchant with its own Stripe account is confirmed through /webhooks/stripe/<slug> (its own webhook
    secret); an event for its payment signed by the installation's default account is not believed."""
    monkeypatch.setenv("MERCHANT_DEMO__STRIPE_KEY", KEY)
    monkeypatch.setenv("MERCHANT_DEMO__STRIPE_WHSEC", "whsec_the_shops_own")
    set_merchant(runtime, payments={"provider": "stripe", "secret_key_env": "MERCHANT_DEMO__STRIPE_KEY",
                                    "webhook_secret_env": "MERCHANT_DEMO__STRIPE_WHSEC"})
    to_checkout(runtime, client)
    [payment] = payments(runtime)
    body = session_event("checkout.session.completed", "cs_test_a1", payment.id)
    response = webhook(client, body)  # the default account's endpoint and secret
    assert response.status_code == 200 and response.get_json()["outcome"] == "ignored"
    assert payments(runtime)[0].status == "open"
    own = client.post("/webhooks/stripe/demo", data=body, content_type="application/json",
                      headers={"Stripe-Signature": stripe_signature(body, "whsec_the_shops_own")})
    assert own.get_json()["outcome"] == "paid" and payments(runtime)[0].status == "applied"
    assert json.loads(body)["data"]["object"]["metadata"]["payment_id"] == str(payment.id)


def test_a_refund_stripe_refuses_is_kept_and_retried(runtime, client, stripe_shop, stripe_api):
    to_checkout(runtime, client)
    [payment] = payments(runtime)
    edit_shipment(runtime, TRACKING, status="delivered")
    stripe_api.replace(responses.POST, REFUNDS, status=400, json={"error": {
        "type": "invalid_request_error", "message": "This PaymentIntent is still processing."}})
    webhook(client, session_event("checkout.session.completed", "cs_test_a1", payment.id))
    [payment] = payments(runtime)
    assert payment.status == "failed" and payment.refunded_amount is None
    assert "still processing" in payment.detail["refund_error"] and payment.detail["refund_tries"] == 1
    assert texts_to(runtime, OWN, "refunded") == []  # not told of a refund that has not happened
    stripe_api.replace(responses.POST, REFUNDS, json={"id": "re_test_2", "object": "refund", "amount": 350})
    runtime.enqueue("expire_payments")  # the periodic job picks the refund up again
    [payment] = payments(runtime)
    assert payment.refunded_amount == Decimal("3.50") and payment.detail["refunds"][0]["ref"] == "re_test_2"
    assert len(texts_to(runtime, OWN, "refunded your £3.50 in full")) == 1
    runtime.enqueue("expire_payments")
    assert len(sent(stripe_api, REFUNDS)) == 2  # refunded once: not asked again


def test_a_session_that_is_none_of_ours_and_an_unconfigured_secret(runtime, client, stripe_shop, stripe_api,
                                                                    monkeypatch):
    body = session_event("checkout.session.completed", "cs_test_someone_elses", 999_999)
    assert webhook(client, body).get_json()["outcome"] == "unknown"  # acknowledged, so Stripe stops retrying
    monkeypatch.delenv("STRIPE_WEBHOOK_SECRET")
    refused = webhook(client, body)
    assert refused.status_code == 400 and "not configured" in refused.get_json()["error"]
    assert client.post("/webhooks/stripe/no-such-shop", data=body).status_code == 404


@pytest.mark.parametrize("amount,currency,minor", [("3.50", "GBP", 350), ("0.99", "usd", 99), ("500", "JPY", 500),
                                                   ("12.345", "EUR", 1234)])
def test_amounts_go_to_stripe_in_its_units(amount, currency, minor):
    from bot.core.payments import from_minor, minor_units

    assert minor_units(Decimal(amount), currency) == minor
    assert from_minor(minor, currency) == Decimal(amount).quantize(Decimal("1" if currency == "JPY" else "0.01"),
                                                                  rounding="ROUND_HALF_EVEN")


def test_a_payment_of_another_amount_changes_nothing_and_what_was_paid_goes_back(runtime, client, stripe_shop,  # noqa: ANN001
                                                                                  stripe_api):
    """A review found a paid amount unlike the one asked logged and the change made anyway."""
    stripe_api.replace(responses.POST, REFUNDS, json={"id": "re_test_2", "object": "refund", "amount": 100,
                                                      "currency": "gbp", "status": "succeeded"})
    to_checkout(runtime, client)
    [payment] = payments(runtime)
    body = session_event("checkout.session.completed", "cs_test_a1", payment.id, amount=100)  # £1.00, not £3.50
    assert webhook(client, body).get_json()["outcome"] == "mismatch"
    assert changes(runtime, "reschedule_delivery") == []
    [refund] = sent(stripe_api, REFUNDS)
    assert parse_qs(refund.body)["amount"] == ["100"]  # what was paid, not what was asked
    [payment] = payments(runtime)
    assert payment.status == "failed" and payment.refunded_amount is not None
    [told] = texts_to(runtime, OWN, "didn't match")
    assert "£1.00" in told and "£3.50" in told and "haven't changed anything" in told
    assert webhook(client, body).get_json()["outcome"] == "duplicate"  # Stripe sending it again changes nothing
