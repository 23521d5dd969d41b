"""Driving the real engine as a shopper texting by SMS, for the shopper-voice reviews (5, 7, ...)."""

from __future__ import annotations

from sqlalchemy import select

from backend import models as m
from bot.core.channels import spec_for
from bot.core.messages import InboundMessage
from tests.conversation_runner import latest_code
from tests.helpers import new_sid

MERCHANT_SMS = "+441614960000"


def talk(runtime, sender: str, *texts: str) -> list[str]:  # noqa: ANN001
    """Each message in turn ("{code}" anywhere in it is the newest one-time code texted to the sender); one
    joined reply each, as an SMS shows it (a question's choices as numbered lines)."""
    out = []
    for text in texts:
        if "{code}" in text:
            text = text.replace("{code}", latest_code(runtime, sender))
        outcome = runtime.engine.handle(InboundMessage("sms", sender, MERCHANT_SMS, text,
                                                       channel_message_id=new_sid()))
        out.append("\n".join(r.as_text(spec_for("sms")) for r in outcome.replies))
    return out


def instructions(runtime, tracking: str) -> dict:  # noqa: ANN001
    """What the driver will be told for this parcel (safe place, neighbour, note), as stored."""
    with runtime.sessions() as s:
        row = s.scalar(select(m.Shipment).where(m.Shipment.tracking_number == tracking))
        return dict(row.instructions or {})


def make_us(runtime, *, dollars: bool = True) -> None:  # noqa: ANN001
    """The demo merchant as a US shop (region, New York time) and PB100000001GB to an Austin ZIP code; `dollars`:
    its fees and the parcel's value in USD too (review 5 kept the pound fees on purpose: a US merchant who never
    set a currency)."""
    from backend.db import transaction

    with transaction(runtime.sessions) as s:
        merchant = s.scalar(select(m.Merchant).where(m.Merchant.slug == "demo"))
        settings = {**(merchant.settings or {}), "region": "US", "timezone": "America/New_York"}
        merchant.settings = {**settings, "fees": {"currency": "USD"}} if dollars else settings
        row = s.scalar(select(m.Shipment).where(m.Shipment.tracking_number == "PB100000001GB"))
        row.address_line1, row.city, row.postcode, row.country = "742 Maple Street", "Austin", "78701", "US"
        if dollars:
            row.value_currency = "USD"
