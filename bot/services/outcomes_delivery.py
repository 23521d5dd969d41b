"""Parcels: the changes shoppers asked for, first-attempt and on-time delivery per carrier, returns, and the
failed first attempts a change made beforehand avoided.

Only what the bot records: DeliveryChange rows (one per attempt at a change, keyed), the tracking events the
carrier sent (delivered / failed_attempt are the attempts), and the promised window on the parcel
(eta_start/eta_end as it stands now, so a window the shopper moved is the promise that counts).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend import models as m
from backend.changes import RETURN_ACTION
from backend.types import ShipmentStatus
from bot.services.outcomes_base import Metric, Window, median, ratio

ATTEMPTS = (ShipmentStatus.DELIVERED.value, ShipmentStatus.FAILED_ATTEMPT.value)
NOT_DELIVERY_CHANGES = ("cancel_order", RETURN_ACTION)  # these don't change how a parcel is delivered
LOOKBACK = timedelta(days=60)  # how far before the range a parcel's earlier attempts and changes are looked for


@dataclass(frozen=True)
class ChangeRow:
    action: str
    requested: int
    applied: int
    refused: int
    pending: int


@dataclass(frozen=True)
class CarrierRow:
    carrier: str
    first_attempts: int
    first_attempt_ok: int
    delivered: int
    with_window: int
    on_time: int

    @property
    def first_attempt_rate(self) -> float | None:
        return self.first_attempt_ok / self.first_attempts if self.first_attempts else None

    @property
    def on_time_rate(self) -> float | None:
        return self.on_time / self.with_window if self.with_window else None


@dataclass(frozen=True)
class ParcelFigures:
    changes: list[ChangeRow]
    changes_applied: Metric
    confirmation_median: Metric
    carriers: list[CarrierRow]
    first_attempt: Metric
    on_time: Metric
    failed_attempts_avoided: int
    returns: int
    returns_by_reason: dict[str, int]
    returns_by_item: dict[str, int]


def _changes(session: Session, merchant_id: int, w: Window) -> tuple[list[ChangeRow], Metric, Metric]:
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for action, status, n in session.execute(
        select(m.DeliveryChange.action, m.DeliveryChange.status, func.count())
        .where(m.DeliveryChange.merchant_id == merchant_id, m.DeliveryChange.action != RETURN_ACTION,
               m.DeliveryChange.created_at >= w.start_utc, m.DeliveryChange.created_at < w.end_utc)
        .group_by(m.DeliveryChange.action, m.DeliveryChange.status)
    ):
        counts[action][status] += n
    rows = [ChangeRow(a, sum(c.values()), c["accepted"], c["rejected"], c["pending"])
            for a, c in sorted(counts.items())]
    waits = [(done - asked).total_seconds() for asked, done in session.execute(
        select(m.DeliveryChange.created_at, m.DeliveryChange.updated_at)
        .where(m.DeliveryChange.merchant_id == merchant_id, m.DeliveryChange.action != RETURN_ACTION,
               m.DeliveryChange.status == "accepted",
               m.DeliveryChange.created_at >= w.start_utc, m.DeliveryChange.created_at < w.end_utc))]
    applied = sum(r.applied for r in rows)
    decided = sum(r.applied + r.refused for r in rows)
    return (
        rows,
        ratio("changes_applied", "Changes the carrier accepted", applied, decided,
              "Delivery changes the carrier accepted, out of those it has answered (accepted or refused; "
              "ones still pending are left out)."),
        Metric("confirmation_median", "Request to carrier confirmation (median)", median(waits), "seconds",
               "From the moment a change was asked of the carrier to its confirmation: the middle value. "
               "Most carriers answer at once (0 s); a slow or unavailable one is what moves it.",
               len(waits), len(waits)),
    )


def _deliveries(session: Session, merchant_id: int, w: Window) -> tuple[list[CarrierRow], int]:
    """Per carrier; and the parcels whose first attempt succeeded after a delivery change was applied."""
    first: dict[int, tuple[datetime, str]] = {}
    delivered: dict[int, datetime] = {}
    parcel: dict[int, tuple[str, str, datetime | None]] = {}
    for sid, tracking, carrier, eta_end, status, at in session.execute(
        select(m.Shipment.id, m.Shipment.tracking_number, m.Shipment.carrier, m.Shipment.eta_end,
               m.TrackingEvent.status, m.TrackingEvent.occurred_at)
        .join(m.TrackingEvent, m.TrackingEvent.shipment_id == m.Shipment.id)
        .where(m.Shipment.merchant_id == merchant_id, m.TrackingEvent.status.in_(ATTEMPTS),
               m.TrackingEvent.occurred_at >= w.start_utc - LOOKBACK, m.TrackingEvent.occurred_at < w.end_utc)
        .order_by(m.TrackingEvent.occurred_at)
    ):
        parcel[sid] = (tracking, carrier or "unknown", eta_end)
        first.setdefault(sid, (at, status))
        if status == ShipmentStatus.DELIVERED.value:
            delivered.setdefault(sid, at)
    changed: dict[str, list[datetime]] = defaultdict(list)
    for tracking, at in session.execute(
        select(m.DeliveryChange.tracking_number, m.DeliveryChange.created_at)
        .where(m.DeliveryChange.merchant_id == merchant_id, m.DeliveryChange.status == "accepted",
               m.DeliveryChange.action.not_in(NOT_DELIVERY_CHANGES),
               m.DeliveryChange.created_at >= w.start_utc - 2 * LOOKBACK, m.DeliveryChange.created_at < w.end_utc)
    ):
        changed[tracking.upper()].append(at)
    table: dict[str, Counter[str]] = defaultdict(Counter)
    avoided = 0
    for sid, (at, status) in first.items():
        tracking, carrier, _ = parcel[sid]
        if not w.holds(at):
            continue
        row = table[carrier]
        row["first"] += 1
        if status == ShipmentStatus.DELIVERED.value:
            row["ok"] += 1
            if any(t < at for t in changed.get(tracking.upper(), ())):
                avoided += 1
    for sid, at in delivered.items():
        _, carrier, eta_end = parcel[sid]
        if not w.holds(at):
            continue
        row = table[carrier]
        row["delivered"] += 1
        if eta_end is not None:
            row["window"] += 1
            row["on_time"] += at <= eta_end
    rows = [CarrierRow(c, t["first"], t["ok"], t["delivered"], t["window"], t["on_time"])
            for c, t in sorted(table.items())]
    return rows, avoided


def _returns(session: Session, merchant_id: int, w: Window) -> tuple[int, dict[str, int], dict[str, int]]:
    reasons: Counter[str] = Counter()
    items: Counter[str] = Counter()
    total = 0
    for (params,) in session.execute(
        select(m.DeliveryChange.params)
        .where(m.DeliveryChange.merchant_id == merchant_id, m.DeliveryChange.action == RETURN_ACTION,
               m.DeliveryChange.status != "rejected",
               m.DeliveryChange.created_at >= w.start_utc, m.DeliveryChange.created_at < w.end_utc)
    ):
        data = params if isinstance(params, dict) else {}
        total += 1
        reasons[str(data.get("reason") or "not given").strip().lower() or "not given"] += 1
        for item in data.get("items") or ():
            items[str(item).strip() or "not given"] += 1
    return total, dict(reasons.most_common()), dict(items.most_common(10))


def parcel_figures(session: Session, merchant_id: int, w: Window) -> ParcelFigures:
    changes, applied, confirmation = _changes(session, merchant_id, w)
    carriers, avoided = _deliveries(session, merchant_id, w)
    returns, by_reason, by_item = _returns(session, merchant_id, w)
    return ParcelFigures(
        changes=changes,
        changes_applied=applied,
        confirmation_median=confirmation,
        carriers=carriers,
        first_attempt=ratio("first_attempt", "Delivered at the first attempt",
                            sum(c.first_attempt_ok for c in carriers), sum(c.first_attempts for c in carriers),
                            "Parcels whose first delivery attempt in the range (the first 'delivered' or "
                            "'failed_attempt' event) was a delivery, out of parcels with a first attempt."),
        on_time=ratio("on_time", "Delivered on time", sum(c.on_time for c in carriers),
                      sum(c.with_window for c in carriers),
                      "Parcels delivered no later than the end of their promised window, out of the parcels "
                      "delivered in the range that had a window."),
        failed_attempts_avoided=avoided,
        returns=returns,
        returns_by_reason=by_reason,
        returns_by_item=by_item,
    )
