"""Paid options are paid before they are applied: a payment per accepted fee, then the change, once.

The change sub-flow (dialogues/subflows/change.py) calls `start` instead of applying a change with a fee: the
change waits in a `Payment` row (the serialised action, the key of its one attempt) and the shopper gets a link
to our /pay/<token> page. That page opens the provider's checkout (`open_checkout`, no transaction open while
the provider is asked); the provider's webhook (or the sandbox's Pay button, through the same path) reaches
`handle_webhook` -> `confirm`. A paid payment is applied by the apply_paid_change job (bot/jobs/payments.py),
which asks a remote carrier with no transaction open, like the slow-change job; a refusal after payment is
refunded in full. States: open -> paid -> applied | failed (refunded); open -> expired (a late payment on it is
refunded). Every step is audited; the shopper hears each outcome through the outbox, in the merchant's wording.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, object_session

from backend import models as m
from backend.rules_config import format_money
from backend.serialize import action_to_json
from bot.core import audit
from bot.core.links import InvalidLink, LinkSigner
from bot.core.outbox import text_once
from bot.core.payments import (
    BadWebhook,
    CheckoutRequest,
    PaymentEvent,
    PaymentProvider,
    PaymentProviders,
    PaymentsNotConfigured,
    scoped,
)
from bot.core.uow import UnitOfWork
from bot.core.wording import Wording
from bot.services.changes import ChangeRequest

log = logging.getLogger(__name__)

PAY_LINK_MAX_AGE = 7 * 24 * 3600  # an old link still opens, to say it expired (the payment's own expiry rules)
STRIPE_MIN_CHECKOUT = timedelta(minutes=31)  # Stripe refuses a Checkout Session that expires in under 30 minutes
OPEN, PAID, APPLIED, FAILED, EXPIRED = "open", "paid", "applied", "failed", "expired"


def _merchant(payment: m.Payment) -> m.Merchant:
    session = object_session(payment)
    merchant = session.get(m.Merchant, payment.merchant_id) if session is not None else None
    if merchant is None:
        raise LookupError(f"payment {payment.id} has no merchant")
    return merchant


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class PayPage:
    """What /pay/<token> shows: the payment's state, and where to pay while it is open."""

    payment_id: int
    status: str  # open | paid | applied | failed | expired
    provider: str
    amount: str  # "£3.50"
    summary: str
    merchant_id: int
    expires_at: datetime
    checkout_url: str = ""  # the provider's page ("" for the sandbox: our page is the checkout)
    error: str = ""  # the provider could not open a checkout now


@dataclass(frozen=True)
class FeeTotals:
    """Fees for one merchant and period, per currency: collected (paid), refunded, and kept (the difference)."""

    collected: dict[str, Decimal]
    refunded: dict[str, Decimal]
    payments: int

    @property
    def kept(self) -> dict[str, Decimal]:
        return {cur: amount - self.refunded.get(cur, Decimal("0")) for cur, amount in self.collected.items()}


@dataclass(frozen=True)
class PaymentService:
    providers: PaymentProviders
    links: LinkSigner
    wording: Wording
    validity: timedelta = timedelta(minutes=30)

    def provider_for(self, merchant: m.Merchant) -> PaymentProvider:
        config = (merchant.settings or {}).get("payments")
        return self.providers(scoped(merchant.slug, config if isinstance(config, Mapping) else None))

    def ready(self, merchant: m.Merchant) -> bool:
        """Can this merchant take a payment now? Asked before a link is promised: a sandbox on an installation
        that texts real shoppers, an unknown provider or a missing secret means no paid options (the shopper
        is told so), never a link that leads nowhere."""
        try:
            provider = self.provider_for(merchant)
            check = getattr(provider, "check", None)
            if check is not None:
                check()
        except PaymentsNotConfigured:
            return False
        return True

    @property
    def minutes(self) -> int:
        return int(self.validity.total_seconds() // 60)

    # -- starting --------------------------------------------------------------------------------------------
    def start(self, uow: UnitOfWork, merchant: m.Merchant, request: ChangeRequest, *, fee: Decimal, currency: str,
              now: datetime, after: str = "") -> m.Payment:
        """The change waits here until it is paid; returns the payment, whose `url` is the shopper's link."""
        provider = self.provider_for(merchant)
        payment = m.Payment(
            merchant_id=merchant.id, provider=provider.name, provider_ref=f"pb_{uuid.uuid4().hex}",
            conversation_id=request.conversation_id, tracking_number=request.tracking,
            action=action_to_json(request.action), idempotency_key=request.key, amount=fee,
            currency=currency.upper(), status=OPEN, expires_at=now + self.validity, created_at=now,
            detail={"summary": request.summary, "after": after, "actor": request.context.actor,
                    "channel": request.context.channel, "verified_by": request.context.verified_by,
                    "carrier": request.carrier},
        )
        uow.session.add(payment)
        uow.session.flush()
        payment.url = self.pay_url(payment.id)
        self._audit(uow.session, payment, "payment_started", OPEN, now, actor=request.context.actor,
                    channel=request.context.channel, verification=request.context.verified_by)
        return payment

    def pay_url(self, payment_id: int) -> str:
        token = self.links.sign("pay", {"p": str(payment_id)})  # short: it goes in a text
        return f"{self.links.base_url}/pay/{token}"

    def payment_id(self, token: str) -> int:
        """The payment a /pay link opens; InvalidLink for anything we did not sign."""
        data = self.links.load("pay", token, PAY_LINK_MAX_AGE, fields=("p",))
        # ASCII digits only ("²" is a digit to isdigit, not to int) and within an INTEGER id, never an overflow
        if not (data["p"].isascii() and data["p"].isdigit() and len(data["p"]) <= 9):
            raise InvalidLink("this link is not valid")
        return int(data["p"])

    # -- the shopper's page ----------------------------------------------------------------------------------
    def open_checkout(self, sessions: Callable[[], Session], payment_id: int, now: datetime) -> PayPage | None:
        """The page's state; for an open payment, the provider's checkout, created once (keyed by the payment)
        with no transaction open while the provider is asked."""
        with sessions() as session:
            payment = session.get(m.Payment, payment_id)
            if payment is None:
                return None
            page = self._page(payment)
            need_checkout = payment.status == OPEN and not payment.detail.get("checkout") \
                and _aware(payment.expires_at) > now
            provider = self.provider_for(_merchant(payment)) if need_checkout else None
            request = self._checkout_request(payment, now) if need_checkout else None
            session.commit()
        if provider is None or request is None:
            return page
        try:
            checkout = provider.create_checkout(request)
        except Exception as exc:  # noqa: BLE001 - the page says "try again", the payment stays open
            log.warning("payment %s: no checkout from %s: %s", payment_id, provider.name, exc)
            return PayPage(**{**page.__dict__, "error": "The payment page is not available right now."})
        with sessions() as session, session.begin():
            payment = session.get(m.Payment, payment_id)
            if payment is not None and not payment.detail.get("checkout"):
                payment.provider_ref = checkout.ref
                payment.detail = {**payment.detail, "checkout": checkout.url or "sandbox"}
                self._audit(session, payment, "payment_checkout", payment.status, now, reference=checkout.ref)
        return PayPage(**{**page.__dict__, "checkout_url": checkout.url})

    def _checkout_request(self, payment: m.Payment, now: datetime) -> CheckoutRequest:
        url = self.pay_url(payment.id)
        expires = max(_aware(payment.expires_at), now + STRIPE_MIN_CHECKOUT)  # a late payment is refunded
        description = f"{_merchant(payment).name}: {payment.detail.get('summary') or payment.tracking_number}"
        return CheckoutRequest(
            amount=payment.amount, currency=payment.currency, description=description,
            metadata={"payment_id": str(payment.id), "merchant_id": str(payment.merchant_id),
                      "tracking_number": payment.tracking_number},
            expires_at=expires, success_url=f"{url}?done=1", cancel_url=f"{url}?cancelled=1",
            # The merchant's id too: merchants may share a provider account, and the key is only theirs.
            idempotency_key=f"parcelbot-pay-{payment.merchant_id}-{payment.idempotency_key}",
            reference=payment.provider_ref)

    def _page(self, payment: m.Payment) -> PayPage:
        return PayPage(payment_id=payment.id, status=payment.status, provider=payment.provider,
                       amount=format_money(payment.amount, payment.currency),
                       summary=str(payment.detail.get("summary") or ""), merchant_id=payment.merchant_id,
                       expires_at=_aware(payment.expires_at),
                       checkout_url="" if payment.detail.get("checkout") in (None, "sandbox")
                       else str(payment.detail["checkout"]))

    # -- the provider's word ---------------------------------------------------------------------------------
    def handle_webhook(self, uow: UnitOfWork, provider: PaymentProvider, body: bytes, headers: Mapping[str, str],
                       now: datetime) -> str:
        """Verify, then confirm. BadWebhook (400 to the caller) before anything is read or written."""
        event = provider.parse_webhook(body, headers)
        with uow:
            return self.confirm(uow, provider, event, now)

    def confirm(self, uow: UnitOfWork, provider: PaymentProvider, event: PaymentEvent, now: datetime) -> str:
        """Idempotent: a second webhook for the same checkout finds the payment past `open` and does nothing.
        Returns what happened ("paid", "late", "mismatch", "expired", "duplicate", "ignored", "unknown")."""
        if event.kind == "ignored":
            return "ignored"
        session = uow.session
        payment = session.scalar(select(m.Payment).where(m.Payment.provider_ref == event.ref).with_for_update())
        if payment is None and event.payment_id is not None:
            payment = session.scalar(select(m.Payment).where(m.Payment.id == event.payment_id).with_for_update())
        if payment is None:
            log.warning("payment webhook for an unknown checkout %s (%s)", event.ref, event.raw_type)
            return "unknown"
        if payment.provider != provider.name or self.provider_for(_merchant(payment)).identity != provider.identity:
            log.warning("payment %s: a webhook from another account (%s) ignored", payment.id, provider.identity)
            return "ignored"
        if event.kind == "expired":
            return self._expire(uow, payment, now) if payment.status == OPEN else "duplicate"
        if payment.paid_at is not None:
            return "duplicate"
        payment.paid_at = now
        payment.detail = {**payment.detail, "charge_ref": event.charge_ref or event.ref, "paid_event": event.event_id}
        if event.amount is not None and (event.amount != payment.amount
                                         or (event.currency or "").upper() != payment.currency.upper()):
            # Not what was asked: nothing is changed, and what was paid goes back (review: it was logged and the
            # change made anyway). The refund is of the amount paid, in its currency.
            log.error("payment %s: paid %s %s, expected %s %s", payment.id, event.amount, event.currency,
                      payment.amount, payment.currency)
            payment.detail = {**payment.detail, "refund_reason": "amount", "paid_amount": str(event.amount),
                              "paid_currency": (event.currency or payment.currency).upper()}
            if payment.status == OPEN:
                payment.status = FAILED
            self._audit(session, payment, "payment_amount_mismatch", payment.status, now, reference=event.ref,
                        paid=f"{event.amount} {event.currency}")
            uow.enqueue("refund_payment", payment_id=payment.id)
            return "mismatch"
        if payment.status == OPEN:
            payment.status = PAID
            self._audit(session, payment, "payment_paid", PAID, now, reference=event.ref)
            uow.enqueue("apply_paid_change", payment_id=payment.id)
            return "paid"
        # Paid on a link we had already closed: nothing is changed, the money goes back.
        payment.detail = {**payment.detail, "refund_reason": "late"}
        self._audit(session, payment, "payment_paid_late", payment.status, now, reference=event.ref)
        uow.enqueue("refund_payment", payment_id=payment.id)
        return "late"

    # -- expiry ----------------------------------------------------------------------------------------------
    def expire_due(self, uow: UnitOfWork, now: datetime) -> int:
        """Every open payment past its expiry: expired, the shopper told nothing changed. Returns how many."""
        due = uow.session.scalars(select(m.Payment).where(m.Payment.status == OPEN, m.Payment.expires_at < now)
                                  .order_by(m.Payment.id).with_for_update(skip_locked=True).limit(200))
        return sum(1 for payment in list(due) if self._expire(uow, payment, now) == "expired")

    def _expire(self, uow: UnitOfWork, payment: m.Payment, now: datetime) -> str:
        payment.status = EXPIRED
        self._audit(uow.session, payment, "payment_expired", EXPIRED, now)
        self.tell(uow, payment, "utter_payment_expired", tracking=payment.tracking_number)
        return "expired"

    # -- outcomes (bot/jobs/payments.py) ---------------------------------------------------------------------
    def applied(self, uow: UnitOfWork, payment: m.Payment, reference: str, now: datetime) -> None:
        payment.status, payment.applied_at = APPLIED, now
        self._audit(uow.session, payment, "payment_applied", APPLIED, now, reference=reference)
        summary = str(payment.detail.get("summary") or payment.tracking_number)
        after = str(payment.detail.get("after") or "")
        self.tell(uow, payment, "utter_payment_change_done", summary=summary, reference=reference, next=after)

    def refused(self, uow: UnitOfWork, payment: m.Payment, reason: str, now: datetime) -> None:
        """The carrier refused after payment: failed, and refunded in full (the refund job tells the shopper)."""
        payment.status = FAILED
        payment.detail = {**payment.detail, "refund_reason": "refused", "reason": reason}
        self._audit(uow.session, payment, "payment_change_refused", FAILED, now, reason=reason)
        uow.enqueue("refund_payment", payment_id=payment.id)

    def refunded(self, uow: UnitOfWork, payment: m.Payment, ref: str, amount: Decimal, now: datetime) -> None:
        refunds = [*payment.detail.get("refunds", []), {"ref": ref, "amount": str(amount), "at": now.isoformat()}]
        payment.refunded_amount = (payment.refunded_amount or Decimal("0")) + amount
        payment.detail = {**payment.detail, "refunds": refunds, "refund_error": None}
        self._audit(uow.session, payment, "payment_refunded", payment.status, now, reference=ref,
                    refunded=str(amount))
        fee = format_money(amount, paid_currency(payment))
        if payment.detail.get("refund_reason") == "late":
            self.tell(uow, payment, "utter_payment_late_refunded", fee=fee)
        elif payment.detail.get("refund_reason") == "amount":
            self.tell(uow, payment, "utter_payment_amount_refunded", fee=format_money(amount, paid_currency(payment)),
                      expected=format_money(payment.amount, payment.currency))
        else:
            self.tell(uow, payment, "utter_payment_refused_refunded", fee=fee,
                      reason=str(payment.detail.get("reason") or ""))

    def tell(self, uow: UnitOfWork, payment: m.Payment, key: str, **values: str) -> bool:
        """The shopper's text, in the merchant's wording, once per payment and outcome (a dedupe key)."""
        conv = uow.session.get(m.Conversation, payment.conversation_id) if payment.conversation_id else None
        if conv is None:
            log.warning("payment %s: no conversation to tell (%s)", payment.id, key)
            return False
        merchant = _merchant(payment)
        body = self.wording.voice(merchant, conv.channel)(key, **values)
        return text_once(uow.session, uow.publish, merchant=merchant, channel=conv.channel, to=conv.address,
                         body=body, conversation_id=conv.id, dedupe_key=f"payment:{payment.id}:{key}",
                         enqueue=uow.enqueue) is not None

    @staticmethod
    def _audit(session: Session, payment: m.Payment, action: str, result: str, now: datetime, *,
               actor: str = "system:payments", channel: str | None = None, verification: str | None = None,
               reference: str | None = None, **detail: str) -> None:
        audit.record(session, at=now, merchant_id=payment.merchant_id, actor=actor, action=action, result=result,
                     subject=payment.tracking_number, channel=channel, verification=verification,
                     reference=reference or payment.provider_ref, payment_id=payment.id, amount=str(payment.amount),
                     currency=payment.currency, provider=payment.provider, **detail)


def conversation_payments(session: Session, merchant_id: int, conversation_id: int) -> list[dict[str, Any]]:
    """A conversation's payments for the agent console and the conversation API, newest first (this merchant's
    only: the caller has already checked the conversation is theirs, the query says so again)."""
    rows = session.scalars(select(m.Payment).where(m.Payment.merchant_id == merchant_id,
                                                   m.Payment.conversation_id == conversation_id)
                           .order_by(m.Payment.id.desc()).limit(50))

    def iso(moment: datetime | None) -> str | None:
        return _aware(moment).isoformat() if moment else None

    return [{"id": p.id, "tracking_number": p.tracking_number, "action": (p.action or {}).get("kind"),
             "amount": str(p.amount), "currency": p.currency, "shown": format_money(p.amount, p.currency),
             "status": p.status, "provider": p.provider, "created_at": iso(p.created_at),
             "expires_at": iso(p.expires_at), "paid_at": iso(p.paid_at), "applied_at": iso(p.applied_at),
             "refunded": str(p.refunded_amount) if p.refunded_amount is not None else None,
             "refunded_shown": format_money(p.refunded_amount, p.currency) if p.refunded_amount else None,
             "refunds": [{"ref": r.get("ref"), "amount": r.get("amount"), "at": r.get("at")}
                         for r in (p.detail or {}).get("refunds", [])]}
            for p in rows]


def fee_totals(session: Session, merchant_id: int, start: datetime, end: datetime) -> FeeTotals:
    """Fees collected and refunded for one merchant, for payments made in [start, end): the results page's sums.
    Collected counts every paid payment (applied, refused then refunded, late then refunded)."""
    paid = select(m.Payment.currency, func.sum(m.Payment.amount), func.sum(m.Payment.refunded_amount),
                  func.count()).where(m.Payment.merchant_id == merchant_id, m.Payment.paid_at.is_not(None),
                                      m.Payment.paid_at >= start, m.Payment.paid_at < end)
    collected: dict[str, Decimal] = {}
    refunded: dict[str, Decimal] = {}
    count = 0
    for currency, amount, back, n in session.execute(paid.group_by(m.Payment.currency)):
        collected[currency] = Decimal(amount or 0).quantize(Decimal("0.01"))
        refunded[currency] = Decimal(back or 0).quantize(Decimal("0.01"))
        count += n
    return FeeTotals(collected=collected, refunded=refunded, payments=count)


__all__ = ["BadWebhook", "FeeTotals", "PayPage", "PaymentService", "conversation_payments", "fee_totals"]


def paid_amount(payment: m.Payment) -> Decimal:
    """What the shopper actually paid: the amount asked, unless the provider said otherwise (a mismatch)."""
    paid = payment.detail.get("paid_amount")
    return Decimal(str(paid)) if paid is not None else payment.amount


def paid_currency(payment: m.Payment) -> str:
    return str(payment.detail.get("paid_currency") or payment.currency)
