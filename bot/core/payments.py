"""The payment port: what the core needs from a payment provider (Stripe, or the sandbox of the embedded default).

A shopper pays for a paid option before it is applied (bot/services/payments.py). The provider is asked for a
checkout (a page where the shopper pays), is told to refund, and turns its own webhook into a `PaymentEvent`
after checking the webhook really comes from it. The composition root (bot/runtime.py) picks the provider from
the merchant's settings["payments"]; the adapters live in bot/adapters/.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal, Protocol

from backend.merchant_env import name_error, prefix_for

# Currencies Stripe counts in whole units (no minor unit); every other one we meet has two decimals.
ZERO_DECIMAL = frozenset({"BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "UGX", "VND", "VUV",
                          "XAF", "XOF", "XPF"})


def minor_units(amount: Decimal, currency: str) -> int:
    """3.50 GBP -> 350; 500 JPY -> 500 (what providers count in)."""
    return int(amount if currency.upper() in ZERO_DECIMAL else (amount * 100).quantize(Decimal("1")))


def from_minor(amount: int, currency: str) -> Decimal:
    return Decimal(amount) if currency.upper() in ZERO_DECIMAL else (Decimal(amount) / 100).quantize(Decimal("0.01"))


class PaymentError(Exception):
    """The provider refused or could not be reached; nothing was recorded as paid or refunded."""


class BadWebhook(PaymentError):
    """A webhook whose signature is missing or wrong, or whose body is not the provider's: answered 400."""


class PaymentsNotConfigured(PaymentError):
    """The merchant's provider needs a secret the environment does not have."""


@dataclass(frozen=True)
class CheckoutRequest:
    """One payment to collect: `metadata` carries our payment id back in the provider's webhook."""

    amount: Decimal
    currency: str
    description: str
    metadata: Mapping[str, str]
    expires_at: datetime
    success_url: str
    cancel_url: str
    idempotency_key: str  # the same request twice creates one checkout
    reference: str  # our own reference (the sandbox's checkout is this)


@dataclass(frozen=True)
class Checkout:
    ref: str  # the provider's id (a Checkout Session id), used to match its webhooks
    url: str  # where the shopper pays; "" for the sandbox, whose page is our own /pay/<token>


@dataclass(frozen=True)
class Refund:
    ref: str
    amount: Decimal


@dataclass(frozen=True)
class PaymentEvent:
    """A provider's webhook, verified and read: which checkout, and what happened to it."""

    kind: Literal["paid", "expired", "ignored"]
    ref: str  # the checkout's ref
    event_id: str = ""
    payment_id: int | None = None  # from the metadata we gave the checkout
    charge_ref: str = ""  # what a refund is made against (a PaymentIntent id)
    amount: Decimal | None = None
    currency: str = ""
    raw_type: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)


class PaymentProvider(Protocol):
    name: str  # "sandbox" | "stripe": stored on the payment
    identity: str  # which account's webhooks it reads: a payment is confirmed only through its own account

    def create_checkout(self, request: CheckoutRequest) -> Checkout: ...

    def refund(self, charge_ref: str, amount: Decimal, currency: str, *, idempotency_key: str) -> Refund: ...

    def parse_webhook(self, body: bytes, headers: Mapping[str, str]) -> PaymentEvent:
        """The event, once the signature is checked; BadWebhook otherwise."""
        ...


# The merchant's provider from its settings["payments"] (None: the default, the sandbox).
PaymentProviders = Callable[[Mapping[str, Any] | None], PaymentProvider]


def scoped(slug: str, config: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
    """`config` if every environment variable it names is one set aside for merchant `slug`
    (backend/merchant_env.py), else PaymentsNotConfigured: a stored row naming another merchant's Stripe key,
    or the installation's, is never read, even if it got past the settings check."""
    for key in ("secret_key_env", "webhook_secret_env"):
        name = (config or {}).get(key)
        if name and name_error(slug, name):
            raise PaymentsNotConfigured(f"payments.{key} {name!s:.80} is not an environment variable set aside "
                                        f"for this merchant ({prefix_for(slug)}<NAME>)")
    return config
