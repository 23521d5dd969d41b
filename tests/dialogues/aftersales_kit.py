"""Helpers for the after-sales journey tests: talk to the real engine, read the outbox and the records."""

from __future__ import annotations

import dataclasses
import re
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from backend import models as m
from backend.db import transaction
from bot.core.messages import InboundMessage, Media, Reply
from tests.helpers import new_sid

OWN_DELIVERED = "+447700900789"  # PB100000003GB, delivered yesterday with a POD photo
DELIVERED = "PB100000003GB"
STRANGER = "+447700900999"


def talk(runtime, sender: str, text: str, *, media: tuple[str, ...] = (), sid: str | None = None,  # noqa: ANN001
         engine=None) -> list[Reply]:  # noqa: ANN001
    """One SMS (optionally with pictures) through the engine; the replies as the channel would render them."""
    message = InboundMessage("sms", sender, "+441614960000", text,
                             media=tuple(Media(u, "image/jpeg") for u in media),
                             channel_message_id=sid or new_sid())
    return (engine or runtime.engine).handle(message).replies


def text_of(replies: list[Reply]) -> str:
    return "\n".join(r.text for r in replies)


def texted(runtime, phone: str) -> list[str]:  # noqa: ANN001
    """What the outbox texted this number, oldest first (codes, outcomes, notifications; not the webhook's replies)."""
    with runtime.sessions() as s:
        return list(s.scalars(select(m.Message.body).where(m.Message.direction == "out", m.Message.recipient == phone,
                                                           m.Message.status != "reply").order_by(m.Message.id)))


def latest_code(runtime, phone: str) -> str:  # noqa: ANN001
    for body in reversed(texted(runtime, phone)):
        found = re.search(r"\b(\d{6})\b", body)
        if found:
            return found.group(1)
    raise AssertionError(f"no code texted to {phone}")


def changes(runtime, action: str) -> list[m.DeliveryChange]:  # noqa: ANN001
    with runtime.sessions() as s:
        return list(s.scalars(select(m.DeliveryChange).where(m.DeliveryChange.action == action)
                              .order_by(m.DeliveryChange.id)))


def audits(runtime, action: str) -> list[m.AuditEntry]:  # noqa: ANN001
    with runtime.sessions() as s:
        return list(s.scalars(select(m.AuditEntry).where(m.AuditEntry.action == action).order_by(m.AuditEntry.id)))


def edit_shipment(runtime, tracking: str, **values: Any) -> None:  # noqa: ANN001
    with transaction(runtime.sessions) as s:
        row = s.scalar(select(m.Shipment).where(m.Shipment.tracking_number == tracking))
        for key, value in values.items():
            setattr(row, key, value)


def edit_pod(runtime, tracking: str, **values: Any) -> None:  # noqa: ANN001
    with transaction(runtime.sessions) as s:
        row = s.scalar(select(m.Shipment).where(m.Shipment.tracking_number == tracking))
        pod = s.scalar(select(m.ProofOfDeliveryRecord).where(m.ProofOfDeliveryRecord.shipment_id == row.id))
        if values.pop("delete", False):
            s.delete(pod)
            return
        for key, value in values.items():
            setattr(pod, key, value)


def merchant_settings(runtime, **settings: Any) -> None:  # noqa: ANN001
    with transaction(runtime.sessions) as s:
        merchant = s.scalar(select(m.Merchant).where(m.Merchant.slug == "demo"))
        merchant.settings = {**(merchant.settings or {}), **settings}


def shipment_row(runtime, tracking: str) -> m.Shipment:  # noqa: ANN001
    with runtime.sessions() as s:
        return s.scalar(select(m.Shipment).where(m.Shipment.tracking_number == tracking))


def conversation_of(runtime, sender: str) -> m.Conversation:  # noqa: ANN001
    with runtime.sessions() as s:
        return s.scalar(select(m.Conversation).where(m.Conversation.address == sender))


class ForcedIntent:
    """The real interpreter, except that chosen messages get a chosen intent (or an "A or B?" tie).

    Only the intent decision is forced; entities still come from the real NLU, which is what the
    clarify and slow-carrier tests need to show.
    """

    def __init__(self, inner: Any, forced: dict[str, dict[str, Any]]) -> None:
        self.inner = inner
        self.forced = forced

    def parse(self, text: str, context: Any) -> Any:
        result = self.inner.parse(text, context)
        return dataclasses.replace(result, **self.forced[text]) if text in self.forced else result


# Every day a delivery day, changes open until midnight, a week of slots: a test about which days are offered
# does not depend on today being a weekday or on the hour it runs (the `every_day` fixture, conftest.py).
LONDON = ZoneInfo("Europe/London")
EVERY_DAY = {"cutoff_time": "23:59", "working_days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
             "reschedule_days": 7}
