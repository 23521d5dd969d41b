"""Helpers for the security tests: talk to the real engine and webhooks, read what was stored and sent.

Nothing here patches the code under test; the only thing a test may move is the engine's clock.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from backend import models as m
from backend.db import transaction
from bot.core.messages import InboundMessage
from tests.conftest import PUBLIC_URL, TWILIO_TOKEN
from tests.helpers import new_sid, sms_form, twilio_post

OWN = "+447700900123"  # the recipient of PB100000001GB (in transit)
TRACKING = "PB100000001GB"
POSTCODE = "M1 4BT"
TWO = "+447700900654"  # PB100000005GB and PB100000006GB
STRANGER = "+447700900999"
OTHER_STRANGER = "+447700900888"
MERCHANT_SMS = "+441614960000"
DETAILS = ("Trail running shoes", "Acacia", "M1 4BT", "100231", "in transit", "on its way", "on the way", "Manchester")


def talk(runtime: Any, sender: str, text: str, *, channel: str = "sms", sid: str | None = None,
         to: str = MERCHANT_SMS) -> str:
    """One message through the engine (as `parcelbot chat` drives it); all replies joined."""
    outcome = runtime.engine.handle(InboundMessage(channel, sender, to, text, channel_message_id=sid or new_sid()))
    return "\n".join(r.text for r in outcome.replies)


def sms(client: Any, form: dict[str, str], **kw: Any) -> Any:
    return twilio_post(client, "/twilio/sms", form, token=TWILIO_TOKEN, public_url=PUBLIC_URL, **kw)


def sms_text(client: Any, body: str, *, sender: str = OWN, sid: str | None = None) -> Any:
    return sms(client, sms_form(body, sender=sender, sid=sid))


def rest(client: Any, sender: str, text: str) -> str:
    response = client.post("/webhooks/rest/webhook", json={"sender": sender, "message": text})
    assert response.status_code == 200, response.get_data(as_text=True)
    return "\n".join(item["text"] for item in response.get_json())


def set_clock(runtime: Any, when: datetime) -> None:
    runtime.set_clock(lambda: when)


def later(minutes: float) -> datetime:
    return datetime.now(UTC) + timedelta(minutes=minutes)


def sent_to(runtime: Any, phone: str) -> list[str]:
    """Bodies the bot queued on its own (codes, notifications) for this address, oldest first."""
    with runtime.sessions() as s:
        return list(s.scalars(
            select(m.Message.body).where(m.Message.direction == "out", m.Message.recipient == phone,
                                         m.Message.status != "reply").order_by(m.Message.id)
        ))


def codes_sent_to(runtime: Any, phone: str) -> list[str]:
    return [found.group(1) for body in sent_to(runtime, phone) if (found := re.search(r"\b(\d{6})\b", body))]


def latest_code(runtime: Any, phone: str) -> str:
    codes = codes_sent_to(runtime, phone)
    assert codes, f"no code texted to {phone}"
    return codes[-1]


def wrong_code(*right: str) -> str:
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in right)


def count(runtime: Any, model: Any, *where: Any) -> int:
    with runtime.sessions() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where)) or 0


def changes(runtime: Any, tracking: str | None = None, *, status: str = "accepted") -> list[m.DeliveryChange]:
    with runtime.sessions() as s:
        stmt = select(m.DeliveryChange).where(m.DeliveryChange.status == status)
        if tracking:
            stmt = stmt.where(m.DeliveryChange.tracking_number == tracking)
        return list(s.scalars(stmt.order_by(m.DeliveryChange.id)))


def audits(runtime: Any, action: str, *, result: str | None = None) -> list[m.AuditEntry]:
    with runtime.sessions() as s:
        stmt = select(m.AuditEntry).where(m.AuditEntry.action == action)
        if result:
            stmt = stmt.where(m.AuditEntry.result == result)
        return list(s.scalars(stmt.order_by(m.AuditEntry.id)))


def instructions(runtime: Any, tracking: str) -> dict[str, Any]:
    with runtime.sessions() as s:
        row = s.scalar(select(m.Shipment).where(m.Shipment.tracking_number == tracking))
        return {k: v for k, v in (row.instructions or {}).items() if not k.startswith("_")}


def merchant_settings(runtime: Any, **values: Any) -> None:
    with transaction(runtime.sessions) as s:
        merchant = s.scalar(select(m.Merchant).where(m.Merchant.slug == "demo"))
        merchant.settings = {**(merchant.settings or {}), **values}


def shows_details(text: str) -> list[str]:
    """Which shipment details (of PB100000001GB) a reply gives away."""
    return [d for d in DETAILS if d.lower() in text.lower()]


def edit_shipment(runtime: Any, tracking: str, **values: Any) -> None:
    with transaction(runtime.sessions) as s:
        row = s.scalar(select(m.Shipment).where(m.Shipment.tracking_number == tracking))
        for key, value in values.items():
            setattr(row, key, value)


def opted_out(runtime: Any, phone: str) -> bool:
    """Has this number opted out of texts (STOP, or a message read as one)?"""
    with runtime.sessions() as s:
        return bool(s.scalar(select(m.Contact.opted_out_at).where(m.Contact.phone == phone)))
