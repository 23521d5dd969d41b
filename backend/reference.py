"""The reference carrier: our own database acting as a carrier, the embedded default backend.

It lets a newcomer try every flow with no account anywhere, and it is the executable specification
of how a real carrier adapter should behave. Service rules live in backend/rules.py as merchant data.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import Row, Select, bindparam, or_, select
from sqlalchemy.orm import Session, joinedload

from backend import models as m
from backend.reasons import Reason, because
from backend.references import new_reference
from backend.rules import RuleContext, base_blocker, evaluate_actions
from backend.rules_apply import apply_to_row
from backend.rules_pickup import delivery_area
from backend.sealing import SECRET_FIELD, CodeBox
from backend.types import (
    ActionKind,
    ActionOption,
    ActionResult,
    Address,
    ChangeContext,
    DeliveryAction,
    ProofOfDelivery,
    ResultStatus,
    ReturnInfo,
    ReturnRequest,
    Shipment,
    ShipmentStatus,
    TimeWindow,
    TrackingEvent,
)


def to_domain(row: m.Shipment | Row, *, merchant_slug: str | None = None,
              events: Sequence[TrackingEvent] | None = None) -> Shipment:
    """A parcel as the dialogues see it, from its ORM row, or from a plain row of `_reads` with its events."""
    eta = TimeWindow(row.eta_start, row.eta_end) if row.eta_start and row.eta_end else None
    return Shipment(
        tracking_number=row.tracking_number,
        order_number=row.order_number,
        carrier=row.carrier,
        merchant_slug=merchant_slug or row.merchant.slug,
        recipient_name=row.recipient_name,
        recipient_phone=row.recipient_phone,
        recipient_email=row.recipient_email,
        address=Address(row.address_line1, row.city, row.postcode, row.country, row.address_line2),
        status=ShipmentStatus(row.status),
        eta=eta,
        signature_required=row.signature_required,
        value=row.value_amount,
        currency=row.value_currency,
        items=tuple(row.items or ()),
        instructions=public_instructions(row.instructions),
        live=dict(row.live or {}),
        events=tuple(events) if events is not None else tuple(
            TrackingEvent(e.event_id, ShipmentStatus(e.status), e.occurred_at, e.location, e.description)
            for e in row.events
        ),
        locked_reason=row.locked_reason,
    )


def public_instructions(instructions: dict | None) -> dict:
    """Instructions as the shopper may see them: keys starting with "_" are the carrier's own bookkeeping."""
    return {k: v for k, v in (instructions or {}).items() if not k.startswith("_")}


APPLIED_KEYS_KEPT = 20


def _applied(row: m.Shipment, key: str) -> ActionResult | None:
    """The result already given for this idempotency key on this parcel, if any."""
    done = (row.instructions or {}).get("_applied", {}).get(key)
    if not done:
        return None
    return ActionResult(ResultStatus(done["status"]), reference=done.get("reference"), reason=done.get("reason"),
                        reason_code=Reason.from_json(done.get("reason_code")))


def _remember(row: m.Shipment, key: str, result: ActionResult) -> None:
    """Like a real carrier's Idempotency-Key: the same request again returns the same answer, changes nothing."""
    applied = dict((row.instructions or {}).get("_applied", {}))
    code = result.reason_code.to_json() if result.reason_code else None
    applied[key] = {"status": result.status.value, "reference": result.reference, "reason": result.reason,
                    "reason_code": code}
    while len(applied) > APPLIED_KEYS_KEPT:
        applied.pop(next(iter(applied)))
    row.instructions = {**(row.instructions or {}), "_applied": applied}


_PARCELS = m.Shipment.__table__
_P = TypeVar("_P", m.Shipment, Shipment)  # a parcel as an ORM row (to change) or a domain object (to show)


def _matching(columns: tuple[str, ...]):  # noqa: ANN202
    """The merchant's parcels where any of `columns` equals its bound value: the one WHERE of both reads below."""
    return (_PARCELS.c.merchant_id == bindparam("merchant_id"),
            or_(*(_PARCELS.c[c] == bindparam(c) for c in columns)))


_NEWEST_FIRST = (_PARCELS.c.created_at.desc(), _PARCELS.c.id.desc())


@functools.cache
def _shipments_where(columns: tuple[str, ...], lock: bool) -> Select:
    """Built once per shape (a turn reads parcels by phone or by tracking number on nearly every message, and
    building a statement costs about as much CPU as running it); the values are bound per call."""
    stmt = select(m.Shipment).where(*_matching(columns)).order_by(*_NEWEST_FIRST).options(
        joinedload(m.Shipment.events))
    if lock:
        stmt = stmt.with_for_update(of=m.Shipment).execution_options(populate_existing=True)
    return stmt


@functools.cache
def _reads(columns: tuple[str, ...]) -> Select:
    """`_shipments_where`'s plain-row twin for reading: the parcel's columns and its events' (prefixed e_), one row
    per event, parcels newest first and each one's events in time order (as the ORM relationship orders them)."""
    event = m.TrackingEvent.__table__
    return (
        select(_PARCELS, event.c.event_id.label("e_event_id"), event.c.status.label("e_status"),
               event.c.occurred_at.label("e_occurred_at"), event.c.location.label("e_location"),
               event.c.description.label("e_description"))
        .select_from(_PARCELS.outerjoin(event, event.c.shipment_id == _PARCELS.c.id))
        .where(*_matching(columns))
        .order_by(*_NEWEST_FIRST, event.c.occurred_at)
    )  # fmt: skip


class ReferenceBackend:
    """Backend over the shipments table, scoped to one merchant and one unit of work (session)."""

    name = "reference"
    is_remote = False  # our own tables: it shares the turn's transaction
    supported_actions = frozenset(ActionKind)

    def __init__(self, session: Session, merchant: m.Merchant, *, now: datetime | None = None) -> None:
        self.session = session
        self.merchant = merchant
        self._now = now
        # One merchant may hold two carriers' parcels under one number, each someone else's (review 3). Reads and
        # changes by number for one shopper resolve to the parcel they proved (`pinned`: number -> carrier), else
        # to one addressed to their phone; with `strict`, an unproved ambiguous number resolves to nothing.
        self.pinned: dict[str, str] = {}
        self.viewer_phone: str | None = None
        self.strict = False

    def pin(self, tracking_number: str, carrier: str) -> None:
        """From now on this number means this carrier's parcel: the one that was proved."""
        self.pinned[tracking_number.upper()] = carrier

    def for_viewer(self, phone: str | None) -> None:
        """Resolve numbers for one shopper: an ambiguous number they haven't proved is never another's parcel."""
        self.viewer_phone, self.strict = phone, True

    def _the(self, tracking_number: str, parcels: list[_P]) -> _P | None:
        """The parcel a number means here (parcels newest first, ORM rows or domain objects alike)."""
        carrier = self.pinned.get(tracking_number.upper())
        if carrier is not None:
            return next((p for p in parcels if p.carrier == carrier), None)
        if not self.strict or len({p.carrier for p in parcels}) <= 1:
            return parcels[0] if parcels else None
        return next((p for p in parcels if self.viewer_phone and p.recipient_phone == self.viewer_phone), None)

    # -- reading ------------------------------------------------------------------------------------
    def _rows(self, lock: bool = False, **equal: str) -> list[m.Shipment]:
        """The merchant's parcels where any of the given columns equals its value, newest first, each with its
        tracking events (the same statement: a parcel is always shown with them; a lazy load would be a round
        trip per parcel).

        `lock`: for a write. The rows are held until the transaction ends and read as last committed, so
        two changes to one parcel at once take turns: the second checks the rules (the maximum number of
        changes) against the first's result and writes on top of it, never over it. A turn already holds its
        conversation, so the order is conversation -> shipment, as everywhere (docs/architecture.md 3.1).
        SQLite's BEGIN IMMEDIATE already serialises writers (FOR UPDATE is not emitted there)."""
        stmt = _shipments_where(tuple(sorted(equal)), lock)
        return list(self.session.scalars(stmt, {"merchant_id": self.merchant.id, **equal}).unique())

    def _row(self, tracking_number: str, *, lock: bool = False) -> m.Shipment | None:
        return self._the(tracking_number, self._rows(lock, tracking_number=tracking_number.upper()))

    def find_shipments(
        self,
        *,
        phone: str | None = None,
        email: str | None = None,
        order_number: str | None = None,
        tracking_number: str | None = None,
    ) -> list[Shipment]:
        equal = {"recipient_phone": phone, "recipient_email": email.lower() if email else None,
                 "order_number": order_number.lstrip("#") if order_number else None,
                 "tracking_number": tracking_number.upper() if tracking_number else None}  # fmt: skip
        equal = {column: value for column, value in equal.items() if value}
        if not equal:
            return []
        return self._read(**equal)

    def get_shipment(self, tracking_number: str) -> Shipment | None:
        return self._the(tracking_number, self._read(tracking_number=tracking_number.upper()))

    def _read(self, **equal: str) -> list[Shipment]:
        """Parcels to show, not to change: plain rows (parcel and event columns side by side, one row per
        event) made into domain objects, with no ORM objects in between (most turns read a parcel; loading it as
        an ORM object with its events cost several times the CPU of the query). Changes go through `_rows`."""
        rows = self.session.execute(_reads(tuple(sorted(equal))), {"merchant_id": self.merchant.id, **equal})
        parcels: list[Shipment] = []
        first: Row | None = None
        events: list[TrackingEvent] = []
        for row in rows:
            if first is None or row.id != first.id:
                if first is not None:
                    parcels.append(to_domain(first, merchant_slug=self.merchant.slug, events=events))
                first, events = row, []
            if row.e_event_id is not None:
                events.append(TrackingEvent(row.e_event_id, ShipmentStatus(row.e_status), row.e_occurred_at,
                                            row.e_location, row.e_description))
        if first is not None:
            parcels.append(to_domain(first, merchant_slug=self.merchant.slug, events=events))
        return parcels

    def proof_of_delivery(self, tracking_number: str) -> ProofOfDelivery | None:
        row = self._row(tracking_number)
        if row is None:
            return None
        pod = self.session.scalar(
            select(m.ProofOfDeliveryRecord).where(m.ProofOfDeliveryRecord.shipment_id == row.id)
        )
        if pod is None:
            return None
        return ProofOfDelivery(
            delivered_at=pod.delivered_at,
            place=pod.place,
            photo_keys=tuple(pod.photos or ()),
            latitude=pod.latitude,
            longitude=pod.longitude,
            signature_name=pod.signature_name,
        )

    # -- changing -----------------------------------------------------------------------------------
    def available_actions(self, tracking_number: str) -> list[ActionOption]:
        row = self._row(tracking_number)
        if row is None:
            return []
        return evaluate_actions(row, self.merchant, self.supported_actions, now=self._now)

    def apply_action(
        self, tracking_number: str, action: DeliveryAction, *, idempotency_key: str, context: ChangeContext
    ) -> ActionResult:
        row = self._row(tracking_number, lock=True)
        if row is None:
            return ActionResult(ResultStatus.REJECTED, reason_code=because("parcel_not_found"))
        done = _applied(row, idempotency_key)
        if done is not None:
            return done
        result = apply_to_row(row, self.merchant, action, self.supported_actions, now=self._now)
        if result.accepted:  # a rejection changed nothing, so asking again is harmless
            _remember(row, idempotency_key, result)
        return result

    def create_return(
        self, tracking_number: str, request: ReturnRequest, *, idempotency_key: str, context: ChangeContext
    ) -> ReturnInfo:
        row = self._row(tracking_number, lock=True)
        if row is None:
            raise LookupError(tracking_number)
        existing = row.instructions.get("return")
        if existing:
            return _return_info(existing)
        ret = {
            "idempotency_key": idempotency_key,
            "reference": new_reference("RTN"),
            "status": "created",
            "items": list(request.items),
            "reason": request.reason,
            "method": request.method,
            "drop_off_options": ["Any Post Office counter", "InPost locker"],
        }
        row.instructions = {**row.instructions, "return": ret}
        return _return_info(ret)

    def return_status(self, tracking_number: str) -> ReturnInfo | None:
        row = self._row(tracking_number)
        if row is None or not row.instructions.get("return"):
            return None
        return _return_info(row.instructions["return"])

    def cancel_order(self, order_number: str, *, idempotency_key: str, context: ChangeContext) -> ActionResult:
        rows = self._rows(True, order_number=order_number.lstrip("#"))
        if not rows:
            return ActionResult(ResultStatus.REJECTED, reason_code=because("order_not_found"))
        done = _applied(rows[0], idempotency_key)
        if done is not None:
            return done
        for r in rows:  # the whole order or nothing: one parcel already sent blocks the cancellation
            reason = base_blocker(
                ActionKind.CANCEL_ORDER, RuleContext.build(r, self.merchant, self.supported_actions, self._now)
            )
            if reason:
                return ActionResult(ResultStatus.REJECTED, reason_code=reason)
        result = ActionResult(ResultStatus.ACCEPTED, reference=new_reference("CXL"))
        for r in rows:
            r.status = ShipmentStatus.RETURNED_TO_SENDER.value
            r.instructions = {**r.instructions, "cancelled": True, "last_reference": result.reference}
            _remember(r, idempotency_key, result)
        return result


def _return_info(data: dict) -> ReturnInfo:
    return ReturnInfo(
        reference=data["reference"],
        status=data.get("status", "created"),
        label_url=data.get("label_url"),
        qr_code_url=data.get("qr_code_url"),
        drop_off_options=tuple(data.get("drop_off_options", ())),
    )


# -- the driver's manifest --------------------------------------------------------------------------------
ON_THE_ROAD = ("label_created", "in_transit", "out_for_delivery", "failed_attempt", "exception")


@dataclass(frozen=True)
class ManifestStop:
    """One parcel on a driver's list for the day: where, for whom, and every instruction, the code in clear."""

    route: str  # the van's round: the carrier's route if an event named one, else the postcode district
    stop: int | None
    tracking_number: str
    order_number: str | None
    recipient_name: str
    recipient_phone: str | None
    address_line1: str
    address_line2: str | None
    city: str
    postcode: str
    eta_start: datetime | None
    eta_end: datetime | None
    status: str
    signature_required: bool
    safe_place: str | None
    neighbour: str | None
    note: str | None
    pickup_point: str | None
    access_code: str | None  # opened for this list only; None if none was given (or it was purged)


def route_of(row: m.Shipment) -> str:
    return str((row.live or {}).get("route") or delivery_area(row.postcode or "") or "unrouted")


def driver_manifest(session: Session, merchant: m.Merchant, day: date, *, route: str | None = None,
                    code_box: CodeBox | None = None) -> list[ManifestStop]:
    """The merchant's parcels due on `day` (its own time zone) that are still to be delivered, by route and
    stop. This is the one place the reference carrier shows an access code in clear: opened with `code_box`
    for the list being made, never stored opened; codes of delivered parcels are already purged."""
    tz = ZoneInfo(merchant.timezone or "Europe/London")
    start = datetime.combine(day, time(0), tzinfo=tz)
    rows = session.scalars(
        select(m.Shipment).where(
            m.Shipment.merchant_id == merchant.id, m.Shipment.status.in_(ON_THE_ROAD),
            m.Shipment.eta_start >= start, m.Shipment.eta_start < start + timedelta(days=1),
        )
    )
    stops = []
    for row in rows:
        instructions = row.instructions or {}
        if instructions.get("cancelled") or (route and route_of(row).upper() != route.strip().upper()):
            continue
        token = instructions.get(SECRET_FIELD)
        point = instructions.get("pickup_point") or {}
        stops.append(ManifestStop(
            route=route_of(row), stop=(row.live or {}).get("stop"), tracking_number=row.tracking_number,
            order_number=row.order_number, recipient_name=row.recipient_name, recipient_phone=row.recipient_phone,
            address_line1=row.address_line1, address_line2=row.address_line2, city=row.city, postcode=row.postcode,
            eta_start=row.eta_start, eta_end=row.eta_end, status=row.status,
            signature_required=bool(row.signature_required), safe_place=instructions.get("safe_place"),
            neighbour=instructions.get("neighbour"), note=instructions.get("note"),
            pickup_point=point.get("name") if isinstance(point, dict) else None,
            access_code=code_box.unseal(str(token)) if token and code_box is not None else None,
        ))
    return sorted(stops, key=lambda s: (s.route, s.stop is None, s.stop or 0, s.postcode, s.address_line1))
