"""Helpers for the payment tests: reach a paid option's link, press the sandbox's buttons, sign as Stripe does."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
from typing import Any

from sqlalchemy import select

from backend import models as m
from backend.db import transaction

OWN = "+447700900123"  # PB100000001GB, in transit, due tomorrow (the demo shop)
TRACKING = "PB100000001GB"
EVERY_DAY = {"cutoff_time": "23:59", "working_days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
             "reschedule_days": 7}
PAY_LINK = re.compile(r"https?://[^\s)]+/pay/[A-Za-z0-9_.\-]+")


def set_merchant(runtime, **settings: Any) -> None:  # noqa: ANN001
    with transaction(runtime.sessions) as s:
        merchant = s.scalar(select(m.Merchant).where(m.Merchant.slug == "demo"))
        merchant.settings = {**(merchant.settings or {}), **settings}


def pay_link(text: str) -> str:
    found = PAY_LINK.search(text)
    assert found, f"no payment link in: {text}"
    return found.group(0)


def path_of(link: str, base: str) -> str:
    assert link.startswith(base + "/pay/"), link
    return link[len(base):]


def payments(runtime) -> list[m.Payment]:  # noqa: ANN001
    with runtime.sessions() as s:
        return list(s.scalars(select(m.Payment).order_by(m.Payment.id)))


def texts_to(runtime, phone: str, containing: str) -> list[str]:  # noqa: ANN001
    """What the outbox sent (not the turn's own replies) to this address, containing a phrase."""
    with runtime.sessions() as s:
        bodies = s.scalars(select(m.Message.body).where(m.Message.direction == "out", m.Message.recipient == phone,
                                                         m.Message.status != "reply").order_by(m.Message.id))
        return [b for b in bodies if containing in b]


def stripe_signature(body: bytes, secret: str, at: int | None = None) -> str:
    """The Stripe-Signature header as Stripe makes it: t=<unix time>,v1=HMAC-SHA256(secret, "<t>.<body>")."""
    at = int(time.time()) if at is None else at
    digest = hmac.new(secret.encode(), f"{at}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={at},v1={digest}"


def session_event(kind: str, session_id: str, payment_id: int, *, amount: int = 350, currency: str = "gbp",
                  intent: str = "pi_test_1", event_id: str = "evt_test_1") -> bytes:
    obj = {"id": session_id, "object": "checkout.session", "amount_total": amount, "currency": currency,
           "metadata": {"payment_id": str(payment_id)}, "payment_intent": intent,
           "payment_status": "paid" if kind == "checkout.session.completed" else "unpaid",
           "status": "complete" if kind == "checkout.session.completed" else "expired"}
    return json.dumps({"id": event_id, "object": "event", "type": kind, "api_version": "2026-10-28.endive",
                       "data": {"object": obj}}).encode()
