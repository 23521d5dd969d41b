"""Two refund_payment runs for one payment at once (the refund queued by the payment's own outcome, and the one
expire_payments queues every minute for a payment still owed while the first is at the provider; or a Celery
task redelivered). Stripe answers a second request with the same idempotency key, sent while the first is in
flight, with an error (409 "idempotency key in use"): a PaymentError here.

The failing run records its error with a plain read of the payment (no lock) and a whole new `detail` built from
it. Read before the succeeding run committed and written after, it replaces the `detail` that run wrote: the
refund's record (`detail["refunds"]`: its reference, amount and time, what the console and the conversation API
show) is lost, and the payment says "refund_error" although its money went back. The interleaving is forced: the
failing run waits, just before its UPDATE, for the succeeding run to commit.
"""

from __future__ import annotations

import os
import threading
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import event as sa_event

from backend import models as m
from backend.db import transaction
from bot.core.payments import PaymentError, Refund
from bot.jobs.payments import refund_payment
from bot.services.payments import PaymentService, conversation_payments

pytestmark = pytest.mark.skipif(
    not os.environ.get("PARCELBOT_TEST_DATABASE_URL"),
    reason="SQLite serialises writers (BEGIN IMMEDIATE), so two refunds cannot overlap there",
)


def _refused_paid_payment(runtime, demo) -> int:  # noqa: ANN001
    now = runtime.clock()
    with transaction(runtime.sessions) as s:
        conv = m.Conversation(merchant_id=demo.id, channel="sms", address="+447700900123", status="bot",
                              last_message_at=now, created_at=now)
        s.add(conv)
        s.flush()
        payment = m.Payment(
            merchant_id=demo.id, provider="sandbox", provider_ref=f"pb_{uuid.uuid4().hex}", conversation_id=conv.id,
            tracking_number="PB100000001GB", action={"kind": "reschedule_delivery", "params": {}},
            idempotency_key=f"key-{uuid.uuid4().hex}", amount=Decimal("3.50"), currency="GBP", status="failed",
            expires_at=now + timedelta(minutes=30), created_at=now - timedelta(minutes=3),
            paid_at=now - timedelta(minutes=2),
            detail={"summary": "an evening slot", "charge_ref": "ch_1", "refund_reason": "refused",
                    "reason": "the van is full"})
        s.add(payment)
        s.flush()
        return payment.id


def test_a_refund_that_fails_while_another_succeeds_keeps_the_refunds_record(runtime, demo, monkeypatch):
    payment_id = _refused_paid_payment(runtime, demo)
    failing_about_to_write, succeeded = threading.Event(), threading.Event()
    who = threading.local()

    class Provider:
        name = identity = "sandbox"

        def refund(self, charge_ref, amount, currency, *, idempotency_key):  # noqa: ANN001, ANN201
            if getattr(who, "role", "") == "failing":
                raise PaymentError("Keys for idempotent requests can only be used for one request at a time")
            failing_about_to_write.wait(20)  # the provider answers the first request after the second's error
            return Refund(ref="re_1", amount=amount)

    monkeypatch.setattr(PaymentService, "provider_for", lambda self, merchant: Provider())

    def before_update(_conn, _cursor, sql, *_rest) -> None:  # noqa: ANN001
        if getattr(who, "role", "") == "failing" and sql.lstrip().upper().startswith("UPDATE PAYMENTS"):
            failing_about_to_write.set()
            succeeded.wait(20)

    outcomes: dict[str, str] = {}

    def run(role: str) -> None:
        who.role = role
        outcomes[role] = refund_payment(runtime, payment_id=payment_id)

    sa_event.listen(runtime.db, "before_cursor_execute", before_update)
    try:
        first = threading.Thread(target=run, args=("succeeding",))
        first.start()
        second = threading.Thread(target=run, args=("failing",))
        second.start()
        first.join(30)
        succeeded.set()
        second.join(30)
    finally:
        failing_about_to_write.set()
        succeeded.set()
        sa_event.remove(runtime.db, "before_cursor_execute", before_update)

    assert outcomes == {"succeeding": "refunded", "failing": "error"}, outcomes
    with runtime.sessions() as s:
        payment = s.get(m.Payment, payment_id)
        refunded, detail = payment.refunded_amount, dict(payment.detail)
        shown = conversation_payments(s, demo.id, payment.conversation_id)[0]
    assert refunded == Decimal("3.50")
    # What should happen: the refund that went through stays recorded, whatever the other run met.
    assert [r["ref"] for r in detail.get("refunds", [])] == ["re_1"], detail
    assert [r["ref"] for r in shown["refunds"]] == ["re_1"], shown
