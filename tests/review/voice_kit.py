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
