"""The Stripe payment provider: Stripe Checkout through the `stripe` library.

The secrets come from the environment only, by the names the merchant's settings["payments"] give
(secret_key_env, webhook_secret_env; STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET when none is named). A
webhook is believed only once stripe.Webhook.construct_event has checked its Stripe-Signature header against
the webhook secret (HMAC-SHA256 over "t.body", with a 5-minute tolerance).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import stripe

from bot.core.payments import (
    BadWebhook,
    Checkout,
    CheckoutRequest,
    PaymentError,
    PaymentEvent,
    PaymentsNotConfigured,
    Refund,
    from_minor,
    minor_units,
)

# The NAMES of the environment variables holding the secrets, not the secrets.
DEFAULT_SECRET_KEY_ENV = "STRIPE_SECRET_KEY"  # noqa: S105
DEFAULT_WEBHOOK_SECRET_ENV = "STRIPE_WEBHOOK_SECRET"  # noqa: S105
EVENTS = {"checkout.session.completed": "paid", "checkout.session.async_payment_succeeded": "paid",
          "checkout.session.expired": "expired"}


class StripePayments:
    name = "stripe"

    def __init__(self, secret_key_env: str | None = None, webhook_secret_env: str | None = None,
                 environ: Mapping[str, str] | None = None) -> None:
        self.secret_key_env = secret_key_env or DEFAULT_SECRET_KEY_ENV
        self.webhook_secret_env = webhook_secret_env or DEFAULT_WEBHOOK_SECRET_ENV
        self.identity = f"stripe:{self.secret_key_env}:{self.webhook_secret_env}"
        self._environ = environ if environ is not None else os.environ

    def check(self) -> None:
        """Raise PaymentsNotConfigured unless both secrets are in the environment (before a link is sent)."""
        self._secret(self.secret_key_env)
        self._secret(self.webhook_secret_env)

    def _secret(self, name: str) -> str:
        value = self._environ.get(name, "").strip()
        if not value:
            raise PaymentsNotConfigured(f"the environment variable {name} is not set")
        return value

    def create_checkout(self, request: CheckoutRequest) -> Checkout:
        currency = request.currency.lower()
        try:
            session = stripe.checkout.Session.create(
                api_key=self._secret(self.secret_key_env),
                idempotency_key=request.idempotency_key,
                mode="payment",
                line_items=[{"quantity": 1, "price_data": {
                    "currency": currency, "unit_amount": minor_units(request.amount, currency),
                    "product_data": {"name": request.description[:250]}}}],
                metadata=dict(request.metadata),
                payment_intent_data={"metadata": dict(request.metadata)},
                client_reference_id=request.reference,
                expires_at=int(request.expires_at.timestamp()),
                success_url=request.success_url,
                cancel_url=request.cancel_url,
            )
        except stripe.StripeError as exc:
            raise PaymentError(f"Stripe refused the checkout: {exc.user_message or exc}") from exc
        return Checkout(ref=session.id, url=session.url or "")

    def refund(self, charge_ref: str, amount: Decimal, currency: str, *, idempotency_key: str) -> Refund:
        try:
            refund = stripe.Refund.create(api_key=self._secret(self.secret_key_env), idempotency_key=idempotency_key,
                                          payment_intent=charge_ref, amount=minor_units(amount, currency))
        except stripe.StripeError as exc:
            raise PaymentError(f"Stripe refused the refund: {exc.user_message or exc}") from exc
        return Refund(ref=refund.id, amount=from_minor(refund.amount, currency))

    def parse_webhook(self, body: bytes, headers: Mapping[str, str]) -> PaymentEvent:
        secret = self._secret(self.webhook_secret_env)
        try:
            event = stripe.Webhook.construct_event(body, headers.get("Stripe-Signature"), secret)
        except stripe.SignatureVerificationError as exc:
            raise BadWebhook("bad or missing Stripe-Signature") from exc
        except ValueError as exc:
            raise BadWebhook("not a Stripe event") from exc
        kind = EVENTS.get(event.type, "ignored")
        obj: dict[str, Any] = event.data.object.to_dict()
        if kind == "paid" and obj.get("payment_status") not in ("paid", "no_payment_required"):
            kind = "ignored"  # completed, but a delayed method (a bank debit) is still on its way
        metadata = obj.get("metadata") or {}
        raw_id = str(metadata.get("payment_id") or "")
        currency = str(obj.get("currency") or "").upper()
        total = obj.get("amount_total")
        return PaymentEvent(
            kind=kind, ref=str(obj.get("id") or ""), event_id=event.id, raw_type=event.type,
            payment_id=int(raw_id) if raw_id.isdigit() else None, charge_ref=str(obj.get("payment_intent") or ""),
            amount=from_minor(total, currency) if isinstance(total, int) and currency else None, currency=currency,
        )
