"""The reference carrier's service rules, applied: what a shopper may change on a parcel right now, and why not.

The rules themselves are merchant data (backend/rules_config.py); this module only reads them. Every
"no" carries a reason written for the shopper, and a kind the carrier doesn't support is never offered.
The clock is always the `now` argument when given, so the rules are testable at any instant.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import cached_property
from zoneinfo import ZoneInfo

from backend import models as m
from backend.rules_config import ServiceRules, format_money, rules_for
from backend.rules_pickup import outward_code, pickup_points_near
from backend.types import (
    ActionKind,
    ActionOption,
    PickupPoint,
    ShipmentStatus,
    TimeWindow,
)

# "...doesn't offer ___": what each kind is, in words.
NOUNS = {
    ActionKind.LEAVE_WITH_NEIGHBOUR: "leaving parcels with a neighbour",
    ActionKind.LEAVE_IN_SAFE_PLACE: "leaving parcels in a safe place",
    ActionKind.ADD_DELIVERY_NOTE: "notes for the driver",
    ActionKind.RESCHEDULE: "moving a delivery to another day",
    ActionKind.PICKUP_POINT: "delivery to a pickup point",
    ActionKind.HOLD: "holding parcels at the depot",
    ActionKind.CHANGE_ADDRESS: "changing the delivery address",
    ActionKind.CANCEL_ORDER: "cancelling orders by message",
}


@dataclass
class RuleContext:
    """One parcel, its merchant's rules and the moment we are asking at."""

    row: m.Shipment
    merchant: m.Merchant
    rules: ServiceRules
    supported: frozenset[ActionKind]
    now: datetime

    @classmethod
    def build(
        cls, row: m.Shipment, merchant: m.Merchant, supported: frozenset[ActionKind], now: datetime | None
    ) -> RuleContext:
        now = now or datetime.now(UTC)
        if now.tzinfo is None:
            raise ValueError("rules need an aware datetime for now")
        return cls(row, merchant, rules_for(merchant), frozenset(supported), now.astimezone(UTC))

    @cached_property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.merchant.timezone or "Europe/London")

    @property
    def status(self) -> ShipmentStatus:
        return ShipmentStatus(self.row.status)

    @property
    def instructions(self) -> dict:
        return dict(self.row.instructions or {})

    @property
    def today(self) -> date:
        return self.now.astimezone(self.tz).date()

    def local(self, day: date, at) -> datetime:  # noqa: ANN001 - datetime.time
        return datetime.combine(day, at, tzinfo=self.tz)

    def cutoff_for(self, day: date) -> datetime:
        """Changes for a delivery on `day` close at the cut-off time, N days before (merchant local time)."""
        return self.local(day - timedelta(days=self.rules.cutoff_days_before), self.rules.cutoff_time).astimezone(UTC)

    @cached_property
    def cutoff(self) -> datetime | None:
        """The cut-off of the delivery currently planned; none once an attempt failed (a new one is needed)."""
        row = self.row
        if row.eta_start is None or row.eta_end is None or self.status is ShipmentStatus.FAILED_ATTEMPT:
            return None
        if row.eta_end <= self.now:
            return None
        return self.cutoff_for(row.eta_start.astimezone(self.tz).date())

    @property
    def past_cutoff(self) -> bool:
        return self.cutoff is not None and self.now >= self.cutoff

    @cached_property
    def windows(self) -> list[tuple[TimeWindow, Decimal | None]]:
        """Concrete windows (UTC) on the next working days whose cut-off is still ahead, with their fee."""
        rules, out, days = self.rules, [], 0
        for offset in range(0, 32):
            day = self.today + timedelta(days=offset)
            if day.weekday() not in rules.working_days or self.now >= self.cutoff_for(day):
                continue
            slots = [
                (TimeWindow(self.local(day, w.start).astimezone(UTC), self.local(day, w.end).astimezone(UTC)), w)
                for w in rules.windows
            ]
            slots = [(tw, w) for tw, w in slots if tw.start > self.now]
            if not slots:
                continue
            out.extend((tw, w.fee if w.fee is not None else rules.fees.get(ActionKind.RESCHEDULE)) for tw, w in slots)
            days += 1
            if days >= rules.reschedule_days:
                break
        return out

    @cached_property
    def pickup_points(self) -> list[PickupPoint]:
        return pickup_points_near(self.row.postcode, limit=self.rules.pickup_points_shown)

    def money(self, amount: Decimal) -> str:
        return format_money(amount, self.rules.currency)

    def when(self, moment: datetime) -> str:
        local = moment.astimezone(self.tz)
        clock = local.strftime("%H:%M")
        return f"{clock} on {local.strftime('%A')} {local.day} {local.strftime('%B')}"


# -- why not ---------------------------------------------------------------------------------------------
def _cancel_blocker(ctx: RuleContext) -> str | None:
    if ctx.instructions.get("cancelled"):
        return "This order has already been cancelled."
    if not ctx.row.order_number:
        return "I can't find an order for this parcel, so it can't be cancelled here."
    if ctx.status is ShipmentStatus.DELIVERED:
        return "It has already been delivered, so it can't be cancelled — but you can start a return."
    if ctx.status is not ShipmentStatus.LABEL_CREATED:
        return (
            "It has already left the warehouse, so it can't be cancelled now — "
            "you can return it once it arrives."
        )
    return None


def _state_blocker(ctx: RuleContext) -> str | None:
    """Reasons that stop every delivery change, whatever it is."""
    status = ctx.status
    if status is ShipmentStatus.DELIVERED:
        return (
            "It has already been delivered, so the delivery can't be changed. "
            "If something's wrong, I can help you report it or start a return."
        )
    if status is ShipmentStatus.RETURNED_TO_SENDER or ctx.instructions.get("cancelled"):
        return "It's on its way back to the sender, so the delivery can't be changed any more."
    if status is ShipmentStatus.EXCEPTION:
        return (
            "There's a problem with this parcel at the depot, so changes are paused for now. "
            "I can put you through to the team."
        )
    if ctx.row.locked_reason:
        words = ctx.rules.lock_reasons.get(ctx.row.locked_reason, "the sender needs it delivered exactly as arranged")
        return f"The sender has locked this parcel against changes because {words}."
    if ctx.row.changes_count >= ctx.rules.max_changes:
        times = "once" if ctx.rules.max_changes == 1 else f"{ctx.rules.max_changes} times"
        return (
            f"This parcel has already been changed {times}, which is the most we allow, "
            "so it can't be changed again."
        )
    return None


def _timing_blocker(kind: ActionKind, ctx: RuleContext) -> str | None:
    if kind in ctx.rules.late_actions:
        return None
    if ctx.status is ShipmentStatus.OUT_FOR_DELIVERY:
        return (
            "It's already out with the driver today, so I can only pass on a safe place, "
            "a neighbour or a note for the driver now."
        )
    if ctx.past_cutoff:
        return (
            f"Changes to the day, address or delivery point closed at {ctx.when(ctx.cutoff)}, "
            "the evening before delivery. I can still pass on a safe place, a neighbour or a note for the driver."
        )
    return None


def base_blocker(kind: ActionKind, ctx: RuleContext) -> str | None:
    """Why `kind` can't be done on this parcel at all right now (before looking at its details)."""
    if kind not in ctx.supported:
        return f"The carrier delivering this parcel doesn't offer {NOUNS[kind]}, so I can't arrange that."
    if kind in ctx.rules.disabled_actions:
        return f"{ctx.merchant.name} doesn't offer {NOUNS[kind]} for its orders."
    if kind is ActionKind.CANCEL_ORDER:
        return _cancel_blocker(ctx)
    return _state_blocker(ctx) or _timing_blocker(kind, ctx) or _detail_blocker(kind, ctx)


def _alternatives(ctx: RuleContext) -> str:
    pickup = _available_at_all(ActionKind.PICKUP_POINT, ctx)
    later = _available_at_all(ActionKind.RESCHEDULE, ctx)
    if pickup and later:
        return " I can send it to a pickup point near you, or move it to a day when you're in."
    if pickup:
        return " I can send it to a pickup point near you instead."
    if later:
        return " I can move it to a day when you're in instead."
    return " Someone will need to be in to take it."


def _available_at_all(kind: ActionKind, ctx: RuleContext) -> bool:
    return base_blocker(kind, ctx) is None


def _detail_blocker(kind: ActionKind, ctx: RuleContext) -> str | None:
    row, rules = ctx.row, ctx.rules
    if kind is ActionKind.LEAVE_IN_SAFE_PLACE:
        if row.signature_required:
            return "This parcel needs a signature, so it can't be left unattended." + _alternatives(ctx)
        if row.value_amount is not None and row.value_amount > rules.high_value_threshold:
            worth = ctx.money(rules.high_value_threshold)
            return f"This parcel is worth more than {worth}, so it can't be left unattended." + _alternatives(ctx)
    if kind is ActionKind.LEAVE_WITH_NEIGHBOUR and row.signature_required:
        return "This parcel needs your own signature, so it can't be left with a neighbour." + _alternatives(ctx)
    if kind is ActionKind.RESCHEDULE and not ctx.windows:
        return f"There are no delivery slots left in the next {rules.reschedule_days} working days."
    if kind is ActionKind.PICKUP_POINT and not ctx.pickup_points:
        return f"There are no pickup points near {outward_code(row.postcode) or 'this address'} yet."
    return None


# -- what is on offer -------------------------------------------------------------------------------------
def _options(kind: ActionKind, ctx: RuleContext) -> list[ActionOption]:
    reason = base_blocker(kind, ctx)
    if reason:
        return [ActionOption(kind, available=False, reason=reason)]
    cutoff = ctx.cutoff if kind not in ctx.rules.late_actions else None
    fee = ctx.rules.fees.get(kind)
    currency = ctx.rules.currency
    if kind is ActionKind.RESCHEDULE:
        # One option per price: a flow that only reads the first one never offers a window with a hidden fee.
        by_fee: dict[Decimal | None, list[TimeWindow]] = {}
        for window, window_fee in ctx.windows:
            by_fee.setdefault(window_fee, []).append(window)
        return [
            ActionOption(kind, True, windows=tuple(ws), cutoff=cutoff, fee=f, currency=currency)
            for f, ws in sorted(by_fee.items(), key=lambda kv: kv[0] or Decimal(0))
        ]
    extra: dict = {}
    if kind is ActionKind.PICKUP_POINT:
        extra["pickup_points"] = tuple(ctx.pickup_points)
    if kind is ActionKind.HOLD:
        extra["max_hold_days"] = ctx.rules.max_hold_days
    return [ActionOption(kind, True, cutoff=cutoff, fee=fee, currency=currency, **extra)]


def evaluate_actions(
    row: m.Shipment, merchant: m.Merchant, supported: frozenset[ActionKind], *, now: datetime | None = None
) -> list[ActionOption]:
    """Every ActionKind, available or not (with the reason), in a stable order."""
    ctx = RuleContext.build(row, merchant, supported, now)
    return [option for kind in ActionKind for option in _options(kind, ctx)]


