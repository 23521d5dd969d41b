"""What the integration API does to the database, without HTTP: shipments, tracking events, proof of delivery.

Events arrive late, twice and out of order. The sender's event id makes a resend harmless, and the time
an event happened (not when it arrived) decides the status: an older event is kept in the history but
never moves the parcel backwards. Each write is audited as "api:<key prefix>".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend import models as m
from backend.types import ActionKind
from bot.core import audit as audit_trail
from bot.core import notifications
from bot.core.events import DomainEvent
from bot.core.links import LinkSigner
from bot.core.ports import BackendFactory
from bot.core.wording import Wording
from bot.services.ingest_schema import EventIn, Invalid, PodIn, ShipmentIn, check_new_shipment


@dataclass(frozen=True)
class Caller:
    """Who is writing: the key's merchant, its audit name, the time of the request, and what notifying needs."""

    merchant: m.Merchant
    actor: str
    links: LinkSigner
    now: datetime
    wording: Wording
    backends: BackendFactory
    default_timezone: str = "Europe/London"
    publish: Callable[[DomainEvent], None] = lambda _event: None
    remote_options: Mapping[str, frozenset[ActionKind]] | None = None

    def notify_context(self, session: Session) -> notifications.Context:
        return notifications.Context(session, self.merchant, self.links, self.now, self.wording, self.backends,
                                     self.default_timezone, self.publish, self.remote_options)


def audit(session: Session, caller: Caller, action: str, subject: str, result: str, **detail: Any) -> None:
    audit_trail.record(session, at=caller.now, merchant_id=caller.merchant.id, actor=caller.actor, action=action,
                       subject=subject, channel="api", result=result, **detail)


def lock_recipient_conversation(session: Session, merchant: m.Merchant, row: m.Shipment) -> None:
    """Take the recipient's conversation lock before the shipment's, the order a shopper's turn takes them in
    (conversation, then the parcel it changes): an event and a turn for one parcel then never deadlock."""
    if row.recipient_phone:
        notifications.lock_conversation(session, merchant, row.recipient_phone)


def find_shipment(session: Session, merchant: m.Merchant, tracking: str, *, lock: bool = False) -> m.Shipment | None:
    """The merchant's shipment; `lock` (for writes) makes concurrent events for one parcel take turns, so
    an older event can never overwrite a newer one's status (PostgreSQL; SQLite writes one at a time anyway)."""
    stmt = select(m.Shipment).where(m.Shipment.merchant_id == merchant.id,
                                    m.Shipment.tracking_number == tracking.upper())
    stmt = stmt.order_by(m.Shipment.created_at.desc(), m.Shipment.id.desc())  # two carriers' same number: newest
    if lock:  # the row as it is once locked, even if this session read it before (the identity map would keep that)
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return session.scalar(stmt)


def _own_shipment(session: Session, merchant: m.Merchant, data: ShipmentIn) -> m.Shipment | None:
    """The caller's parcel with this number (and this carrier, if the body names one). Only the caller's:
    tracking numbers are unique per merchant and carrier (migration 0005), so whether another merchant uses
    the number changes nothing in the answer."""
    stmt = select(m.Shipment).where(m.Shipment.merchant_id == merchant.id,
                                    m.Shipment.tracking_number == data.tracking_number)
    if data.columns.get("carrier") is not None:
        stmt = stmt.where(m.Shipment.carrier == data.columns["carrier"])
    return session.scalar(stmt.order_by(m.Shipment.created_at.desc(), m.Shipment.id.desc()).limit(1))


# -- shipments --------------------------------------------------------------------------------------------
def upsert_shipment(session: Session, caller: Caller, data: ShipmentIn) -> tuple[m.Shipment, bool]:
    """Create the shipment, or update only the fields sent. Returns (row, created)."""
    row = _own_shipment(session, caller.merchant, data)
    created = row is None
    if row is None:
        check_new_shipment(data)
        row = m.Shipment(merchant_id=caller.merchant.id, tracking_number=data.tracking_number, instructions={},
                         live={}, items=[], created_at=caller.now)
        # A new parcel at label_created has no status time, so the first scan moves it on whenever it happened.
        if data.columns.get("status") not in (None, "label_created") and "status_at" not in data.columns:
            row.status_at = caller.now
    elif "status" in data.columns and data.columns["status"] != row.status and "status_at" not in data.columns:
        row.status_at = caller.now
    for column, value in data.columns.items():
        setattr(row, column, value)
    if row.status is None:
        row.status = "label_created"
    row.updated_at = caller.now
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        raise Invalid({"tracking_number": "was being created by another request at the same time; send again"},
                      status=409) from None
    audit(session, caller, "api_shipment_create" if created else "api_shipment_update", row.tracking_number,
          "created" if created else "updated", fields=sorted(data.columns))
    return row, created


# -- tracking events --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class EventOutcome:
    event: m.TrackingEvent
    duplicate: bool
    status_changed: bool = False
    notification: m.Message | None = None


def record_event(session: Session, caller: Caller, row: m.Shipment, data: EventIn) -> EventOutcome:
    existing = _event(session, row, data.event_id)
    if existing is not None:
        audit(session, caller, "api_event", row.tracking_number, "duplicate", event_id=data.event_id)
        return EventOutcome(existing, duplicate=True)
    event = m.TrackingEvent(
        shipment_id=row.id, event_id=data.event_id, status=data.status, occurred_at=data.occurred_at,
        location=data.location, description=data.description, data=dict(data.progress), received_at=caller.now,
    )
    try:
        with session.begin_nested():
            session.add(event)
            session.flush()
    except IntegrityError:  # the same event, resent while the first copy was being stored
        return EventOutcome(_event(session, row, data.event_id), duplicate=True)  # type: ignore[arg-type]
    newest = _newer(row, data)
    changed = newest and data.status != row.status
    if newest:
        row.status, row.status_at = data.status, data.occurred_at
        if data.status != "out_for_delivery":
            row.live = {}  # driver progress means nothing once the parcel is off the van
    if data.progress and newest:
        _keep_progress(row, data)
    row.updated_at = caller.now
    session.flush()
    notification = None
    if changed:
        notification = notifications.notify_status(caller.notify_context(session), row, event)
    audit(session, caller, "api_event", row.tracking_number, "status_changed" if changed else "stored",
          event_id=data.event_id, status=data.status, occurred_at=data.occurred_at.isoformat(), newest=newest,
          notified=notification is not None)
    return EventOutcome(event, duplicate=False, status_changed=changed, notification=notification)


def _second(moment: datetime) -> datetime:
    return moment.replace(microsecond=0)


_FINAL = frozenset({"delivered", "returned_to_sender"})


def _newer(row: m.Shipment, data: EventIn) -> bool:
    """Whether the event is newer news than the parcel's status. Carriers stamp events to the second; a status set
    through the API carries microseconds, so inside one second the order is uncertain: a "delivered" scanned in the
    same second as that status is the newer news, not the older. But an event stamped more precisely and earlier
    in that second is older, and a tie never takes a delivered or returned parcel back to an earlier stage (review
    6: a van scan whose webhook arrived after "delivered", from the same second, undid the delivery and texted
    "out for delivery today")."""
    if row.status_at is None:
        return True
    if _second(data.occurred_at) != _second(row.status_at):
        return data.occurred_at > row.status_at
    if data.occurred_at.microsecond and data.occurred_at < row.status_at:
        return False
    return not (row.status in _FINAL and data.status not in _FINAL)


def _event(session: Session, row: m.Shipment, event_id: str) -> m.TrackingEvent | None:
    return session.scalar(
        select(m.TrackingEvent).where(m.TrackingEvent.shipment_id == row.id, m.TrackingEvent.event_id == event_id)
    )


def _keep_progress(row: m.Shipment, data: EventIn) -> None:
    """The newest driver progress wins; fields an event doesn't mention are kept from the last one."""
    live = dict(row.live or {})
    last = live.get("updated_at")
    if last and datetime.fromisoformat(last) > data.occurred_at:
        return
    live.update({k: v for k, v in data.progress.items() if v is not None})
    live["updated_at"] = data.occurred_at.isoformat()
    live["event_id"] = data.event_id
    row.live = live


# -- proof of delivery ------------------------------------------------------------------------------------
def record_pod(
    session: Session, caller: Caller, row: m.Shipment, data: PodIn, photo_keys: list[str]
) -> tuple[m.ProofOfDeliveryRecord, bool, m.Message | None]:
    """Store (or add to) the parcel's proof of delivery. Returns (record, created, notification queued)."""
    pod = session.scalar(select(m.ProofOfDeliveryRecord).where(m.ProofOfDeliveryRecord.shipment_id == row.id))
    created = pod is None
    if pod is None:
        pod = m.ProofOfDeliveryRecord(shipment_id=row.id, photos=[], created_at=caller.now)
        session.add(pod)
    for key, value in data.fields.items():
        setattr(pod, key, value)
    pod.photos = [*(pod.photos or []), *photo_keys]
    session.flush()
    notification = notifications.notify_photo(caller.notify_context(session), row)
    audit(session, caller, "api_proof_of_delivery", row.tracking_number, "created" if created else "updated",
          photos=len(photo_keys), fields=sorted(data.fields))
    return pod, created, notification
