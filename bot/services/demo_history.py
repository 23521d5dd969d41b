"""Sixty days of made-up but consistent history for the demo merchant, so the Results page has something to
show: contacts over SMS and web chat, handoffs a person answered, changes applied and refused, parcels per
carrier with some failed first attempts, returns with reasons, ratings, codes, notifications (a few failed),
opt-outs and a few paid options.

Deterministic: a seeded random generator and times anchored to the merchant's local days before the day it
runs, so two runs on the same day write the same rows. Seeded only on request (`parcelbot demo --history`,
and `parcelbot serve` on an empty database), never by seed_demo(): the tests that count demo rows see none of
it. Numbers are in Ofcom's drama range (+447700900400-999, minus the demo parcels' own), parcels PB2...GB.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend import models as m
from bot.services.demo import DEMO_PARCELS, DEMO_SMS

DAYS = 60
SEED = 15
AGENT = "agent:sam@acme.example"
CARRIERS = (("dpd", 0.93, 0.92), ("evri", 0.84, 0.8), ("royal_mail", 0.9, 0.88))  # name, first-attempt, on-time
CHANGE_INTENTS = ("leave_with_neighbour", "leave_in_safe_place", "reschedule_delivery", "deliver_to_pickup_point",
                  "change_delivery_address", "hold_delivery")
INTENTS = (("where_is_my_order", 40), ("leave_with_neighbour", 8), ("leave_in_safe_place", 7),
           ("reschedule_delivery", 7), ("deliver_to_pickup_point", 3), ("change_delivery_address", 2),
           ("hold_delivery", 2), ("start_return", 6), ("report_not_received", 3), ("report_damaged", 2),
           ("talk_to_human", 4), ("request_proof_of_delivery", 3), ("help", 3), ("opt_out", 1), ("out_of_scope", 5))
RETURN_REASONS = (("too small", 5), ("too big", 4), ("changed my mind", 3), ("not as described", 2),
                  ("arrived damaged", 1))
ITEMS = ("Trail running shoes", "Rain jacket", "Hiking boots", "Wool socks (3 pairs)", "Fleece", "Headtorch")
RATINGS = ((5, 45), (4, 30), (3, 12), (2, 7), (1, 6))
FIRST_PARCEL = "PB200000001GB"


def _pick(rng: random.Random, weighted: tuple[tuple[object, int], ...]) -> object:
    return rng.choices([w[0] for w in weighted], weights=[w[1] for w in weighted])[0]


@dataclass
class _Writer:
    session: Session
    merchant: m.Merchant
    zone: ZoneInfo
    rng: random.Random
    conversations: dict[tuple[str, str], m.Conversation] = field(default_factory=dict)
    numbers: list[str] = field(default_factory=list)
    parcels: int = 0
    keys: int = 0

    def at(self, day: date, hour: int, minute: int = 0) -> datetime:
        return datetime.combine(day, time(hour, minute), tzinfo=self.zone).astimezone(UTC)

    def key(self, kind: str) -> str:
        self.keys += 1
        return f"demo-history:{kind}:{self.keys}"

    def conversation(self, channel: str, address: str) -> m.Conversation:
        conv = self.conversations.get((channel, address))
        if conv is None:
            conv = m.Conversation(merchant_id=self.merchant.id, channel=channel, address=address, state={},
                                  status="bot")
            self.session.add(conv)
            self.session.flush()
            self.conversations[(channel, address)] = conv
        return conv

    def message(self, conv: m.Conversation, at: datetime, direction: str, body: str, **extra: object) -> None:
        ours = self.merchant.sms_number if conv.channel == "sms" else "web"
        sender, recipient = (conv.address, ours) if direction == "in" else (ours, conv.address)
        status = "received" if direction == "in" else extra.pop("status", "reply")
        self.session.add(m.Message(merchant_id=self.merchant.id, conversation_id=conv.id, direction=direction,
                                   channel=conv.channel, sender=sender, recipient=recipient, body=body,
                                   status=status, created_at=at, sent_at=at if direction == "out" else None,
                                   **extra))
        conv.last_message_at = max(conv.last_message_at or at, at)

    def audit(self, at: datetime, action: str, result: str, *, actor: str = "demo", subject: str | None = None,
              channel: str | None = None, verification: str | None = None, **detail: object) -> None:
        self.session.add(m.AuditEntry(at=at, merchant_id=self.merchant.id, actor=actor, action=action, result=result,
                                      subject=subject, channel=channel, verification=verification, detail=detail))

    # -- parcels -----------------------------------------------------------------------------------------
    def parcel(self, day: date, changed_at: datetime | None = None) -> str:
        """One parcel due on `day`: its events, its notification, and whether it arrived first time, on time."""
        self.parcels += 1
        tracking = f"PB2{self.parcels:08d}GB"
        carrier, first_ok, on_time = CARRIERS[self.rng.randrange(len(CARRIERS))]
        start_hour = self.rng.choice((8, 9, 10, 12, 14))
        eta_start, eta_end = self.at(day, start_hour), self.at(day, start_hour + 4)
        failed = self.rng.random() > (0.97 if changed_at is not None else first_ok)  # a change helps, mostly
        late = self.rng.random() > on_time
        attempt = eta_start + timedelta(minutes=self.rng.randrange(20, 230))
        delivered = attempt + timedelta(days=1) if failed else attempt
        if late and not failed:
            delivered = eta_end + timedelta(minutes=self.rng.randrange(15, 180))
            attempt = delivered
        item = self.rng.choice(ITEMS)
        row = m.Shipment(merchant_id=self.merchant.id, tracking_number=tracking, order_number=f"2{self.parcels:05d}",
                         carrier=carrier, recipient_name="Demo Shopper", status="delivered", status_at=delivered,
                         eta_start=eta_start, eta_end=eta_end, value_amount=Decimal("39.99"), value_currency="GBP",
                         items=[{"sku": "DEMO", "name": item, "quantity": 1}], address_line1="1 Demo Street",
                         city="Manchester", postcode="M1 1AA", created_at=eta_start - timedelta(days=2))
        self.session.add(row)
        self.session.flush()
        steps = [("label_created", eta_start - timedelta(days=2)), ("in_transit", eta_start - timedelta(days=1)),
                 ("out_for_delivery", eta_start - timedelta(minutes=30))]
        if failed:
            steps += [("failed_attempt", attempt), ("out_for_delivery", delivered - timedelta(hours=2))]
        steps.append(("delivered", delivered))
        for n, (status, moment) in enumerate(steps):
            self.session.add(m.TrackingEvent(shipment_id=row.id, event_id=f"demo-history-{n}", status=status,
                                             occurred_at=moment, location="Manchester depot"))
        roll = self.rng.random()
        outcome = "failed" if roll < 0.03 else "suppressed" if roll < 0.04 else "sent"
        self.session.add(m.Message(merchant_id=self.merchant.id, direction="out", channel="sms",
                                   sender=self.merchant.sms_number or DEMO_SMS, recipient="+447700900999",
                                   body="Your parcel is out for delivery today.", status=outcome,
                                   dedupe_key=f"demo-history:ofd:{tracking}", created_at=steps[2][1],
                                   error="undeliverable number" if outcome == "failed" else None))
        return tracking

    # -- one contact -------------------------------------------------------------------------------------
    def contact(self, day: date) -> None:
        channel = "sms" if self.rng.random() < 0.65 else "rest"
        address = self.numbers[self.keys % len(self.numbers)] if channel == "sms" else f"demo-web-{self.keys:04d}"
        conv = self.conversation(channel, address)
        at = self.at(day, self.rng.randrange(8, 21), self.rng.randrange(60))
        intent = str(_pick(self.rng, INTENTS))
        unsure = intent == "out_of_scope" or self.rng.random() < 0.05
        confidence = round(self.rng.uniform(0.15, 0.49) if unsure else self.rng.uniform(0.6, 0.99), 2)
        self.message(conv, at, "in", f"({intent.replace('_', ' ')})", intent=intent, confidence=confidence)
        self.message(conv, at + timedelta(seconds=2), "out", "(the bot's answer)")
        self.key("contact")
        if intent in CHANGE_INTENTS:
            self.change(conv, day, at, intent)
        elif intent == "start_return":
            reason = str(_pick(self.rng, RETURN_REASONS))
            items = self.rng.sample(ITEMS, self.rng.choice((1, 1, 1, 2)))
            self.session.add(m.DeliveryChange(
                merchant_id=self.merchant.id, tracking_number=self.parcel(day - timedelta(days=5)),
                action="start_return", params={"items": items, "reason": reason, "method": "drop_off"},
                idempotency_key=self.key("return"), status="accepted", channel=channel, created_at=at, updated_at=at))
        elif intent == "opt_out":
            self.audit(at, "opt_out", "opted_out", actor=address, channel=channel)
        if intent in ("talk_to_human", "report_damaged", "report_not_received") or self.rng.random() < 0.05:
            self.handoff(conv, at)
        elif self.rng.random() < 0.07:  # back two days later: the first answer didn't settle it
            later = at + timedelta(days=self.rng.choice((1.5, 2, 2.5)))
            self.message(conv, later, "in", "(still waiting)", intent="where_is_my_order", confidence=0.9)
            self.message(conv, later + timedelta(seconds=2), "out", "(the bot's answer)")

    def change(self, conv: m.Conversation, day: date, at: datetime, action: str) -> None:
        subject = f"PB2{self.parcels + 1:08d}GB"
        self.audit(at + timedelta(minutes=1), "otp_send", "sent", actor=conv.address, subject=subject,
                   channel=conv.channel)
        if self.rng.random() < 0.1:
            self.audit(at + timedelta(minutes=2), "otp_check", "wrong", actor=conv.address, subject=subject)
            if self.rng.random() < 0.5:
                return
        self.audit(at + timedelta(minutes=3), "otp_check", "ok", actor=conv.address, subject=subject)
        self.audit(at + timedelta(minutes=3), "verification", "verified", actor=conv.address, subject=subject,
                   verification="code")
        refused = self.rng.random() < 0.14
        slow = timedelta(minutes=self.rng.choice((0, 0, 0, 2, 25)))
        tracking = self.parcel(day + timedelta(days=1), None if refused else at)
        self.session.add(m.DeliveryChange(
            merchant_id=self.merchant.id, tracking_number=tracking, action=action, params={},
            idempotency_key=self.key("change"), status="rejected" if refused else "accepted", channel=conv.channel,
            verified_by="code", created_at=at + timedelta(minutes=4), updated_at=at + timedelta(minutes=4) + slow))
        if not refused and self.rng.random() < 0.12:  # a paid evening slot
            paid = at + timedelta(minutes=6)
            refund = self.rng.random() < 0.15
            self.session.add(m.Payment(
                merchant_id=self.merchant.id, provider="sandbox", provider_ref=self.key("pay"),
                tracking_number=tracking,
                action={"kind": action}, idempotency_key=self.key("payment"), amount=Decimal("3.50"), currency="GBP",
                status="failed" if refund else "applied", expires_at=paid + timedelta(hours=1), created_at=paid,
                paid_at=paid, applied_at=None if refund else paid, refunded_amount=Decimal("3.50") if refund else None))

    def handoff(self, conv: m.Conversation, at: datetime) -> None:
        subject = f"conv:{conv.id}"
        asked = at + timedelta(minutes=1)
        self.audit(asked, "handoff", "requested", actor=conv.address, subject=subject, channel=conv.channel,
                   reason="asked for a person")
        wait = timedelta(minutes=self.rng.choice((3, 5, 8, 12, 20, 35, 60, 95, 240)))
        self.audit(asked + wait - timedelta(minutes=1), "handoff", "taken_over", actor=AGENT, subject=subject)
        self.message(conv, asked + wait, "out", "(a person's reply)", author=AGENT, status="sent")
        self.audit(asked + wait + timedelta(minutes=10), "handoff", "resolved", actor=AGENT, subject=subject)
        if self.rng.random() < 0.55:
            rating = str(_pick(self.rng, RATINGS))
            self.message(conv, asked + wait + timedelta(minutes=14), "in", rating, intent="inform", confidence=0.9)
            self.audit(asked + wait + timedelta(minutes=14), "survey", rating, actor=conv.address, subject=subject,
                       agent=AGENT)


def seed_demo_history(session: Session, merchant: m.Merchant, *, now: datetime | None = None) -> bool:
    """Write the history once; False (and nothing written) if it is there already."""
    if session.scalar(select(m.Shipment.id).where(m.Shipment.merchant_id == merchant.id,
                                                  m.Shipment.tracking_number == FIRST_PARCEL)) is not None:
        return False
    zone = merchant.zone()
    today = (now or datetime.now(UTC)).astimezone(zone).date()
    taken = {p.phone for p in DEMO_PARCELS}
    numbers = [f"+447700900{n}" for n in range(400, 1000) if f"+447700900{n}" not in taken]
    w = _Writer(session, merchant, zone, random.Random(SEED), numbers=numbers)
    for back in range(DAYS, 0, -1):
        day = today - timedelta(days=back)
        growth = 1 + (DAYS - back) / DAYS  # the shop gets busier: the charts show a trend
        for _ in range(int(w.rng.randint(5, 9) * growth)):
            w.contact(day)
        for _ in range(int(w.rng.randint(6, 10) * growth)):
            w.parcel(day)
    session.flush()
    return True
