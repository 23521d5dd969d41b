"""Claims (a parcel that never arrived, one that arrived damaged): opened once, kept, audited.

A claim isn't a carrier change, so no backend is called: it is a delivery-change row with status
"pending" (the team's to settle) plus an audit entry, under an idempotency key chosen when the shopper
was asked, so a retried webhook or a second "still not here" never opens a second claim.
Also here: which of a shopper's parcels an after-delivery journey (photo, claim, return) is about.
"""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from backend import models as m
from backend.types import Shipment, ShipmentStatus
from dialogues.base import Turn

NOT_RECEIVED = "claim_not_received"
DAMAGED = "claim_damaged"


def new_claim_reference() -> str:
    return f"CLM-{secrets.token_hex(4).upper()}"


def open_claim_reference(turn: Turn, shipment: Shipment, kind: str) -> str | None:
    """The reference of a claim of this kind already open on this parcel, if any."""
    row = turn.session.scalar(
        select(m.DeliveryChange)
        .where(
            m.DeliveryChange.merchant_id == turn.merchant.id,
            m.DeliveryChange.tracking_number == shipment.tracking_number,
            m.DeliveryChange.action == kind,
            m.DeliveryChange.status == "pending",
        )
        .order_by(m.DeliveryChange.id.desc())
        .limit(1)
    )
    return row.reference if row else None


def open_claim(turn: Turn, shipment: Shipment, *, kind: str, key: str, detail: dict[str, Any]) -> str:
    """Open the claim (or return the one this key already opened) and audit it; returns its reference."""
    session = turn.session
    done = session.scalar(select(m.DeliveryChange).where(m.DeliveryChange.idempotency_key == key))
    if done is not None:
        return done.reference or ""
    tracking = shipment.tracking_number
    verified_by = turn.verification_for(tracking) or "sender_number"
    reference = new_claim_reference()
    change = m.DeliveryChange(
        merchant_id=turn.merchant.id,
        tracking_number=tracking,
        action=kind,
        params=detail,
        idempotency_key=key,
        status="pending",
        reference=reference,
        channel=turn.message.channel,
        verified_by=verified_by,
        created_at=turn.now,
        updated_at=turn.now,
    )
    try:
        with session.begin_nested():
            session.add(change)
            session.flush()
    except IntegrityError:
        winner = session.scalar(select(m.DeliveryChange).where(m.DeliveryChange.idempotency_key == key))
        if winner is None:
            raise
        return winner.reference or ""
    turn.audit(kind, "opened", subject=tracking, verification=verified_by, reference=reference,
               idempotency_key=key, **detail)
    return reference


def prefer_delivered(turn: Turn) -> None:
    """A shopper with several parcels of which one is delivered means that one (it's the only one a photo,
    a claim or a return can be about), so don't ask which. Only for the sender's own parcels, and only when
    the message names none."""
    if turn.slots.get("tracking_number") or turn.nlu.entity("tracking_number") or turn.nlu.entity("order_number"):
        return
    own = turn.sender_shipments()
    delivered = [s for s in own if s.status is ShipmentStatus.DELIVERED]
    if len(own) > 1 and len(delivered) == 1:
        turn.remember(tracking_number=delivered[0].tracking_number)
