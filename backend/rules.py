"""The reference carrier's service rules, applied: what a shopper may change on a parcel right now, and why not.

The rules themselves are merchant data (backend/rules_config.py); this module only reads them. Every
"no" carries a reason code (backend/reasons.py) the bot words for the shopper, and a kind the carrier
doesn't support is never offered.
The clock is always the `now` argument when given, so the rules are testable at any instant.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import cached_property
from zoneinfo import ZoneInfo

from backend import local_time
from backend import models as m
from backend.reasons import Reason, because
from backend.rules_config import ServiceRules, format_money, rules_for
from backend.rules_pickup import delivery_area, outward_code, pickup_points_near
from backend.types import (
    ActionKind,
    ActionOption,
    PickupPoint,
    ShipmentStatus,
    TimeWindow,
)


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

    @cached_property
    def region(self) -> str:
        return local_time.region_of(self.merchant)

    def when(self, moment: datetime) -> str:
        """ "14:30 on Thursday 10 December" / "2:30pm on Thursday, December 10" (backend/local_time)."""
        local = moment.astimezone(self.tz)
        return f"{local_time.clock(local, self.region)} on {local_time.long_day(local, self.region)}"


# -- why not ---------------------------------------------------------------------------------------------
def _cancel_blocker(ctx: RuleContext) -> Reason | None:
    if ctx.instructions.get("cancelled"):
        return because("already_cancelled")
    if not ctx.row.order_number:
        return because("no_order")
    if ctx.status is ShipmentStatus.DELIVERED:
        return because("delivered_return_instead")
    if ctx.status is not ShipmentStatus.LABEL_CREATED:
        return because("left_warehouse_return_later")
    return None


def _state_blocker(ctx: RuleContext) -> Reason | None:
    """Reasons that stop every delivery change, whatever it is."""
    status = ctx.status
    if status is ShipmentStatus.DELIVERED:
        return because("already_delivered")
    if status is ShipmentStatus.RETURNED_TO_SENDER or ctx.instructions.get("cancelled"):
        return because("returning_to_sender")
    if status is ShipmentStatus.EXCEPTION:
        return because("depot_problem")
    if ctx.row.locked_reason:
        # The merchant's own words for its lock (merchant data); the lock's code never reaches the shopper.
        words = ctx.rules.lock_reasons.get(ctx.row.locked_reason)
        return because("sender_locked", why=words) if words else because("sender_locked_as_arranged")
    if ctx.row.changes_count >= ctx.rules.max_changes:
        if ctx.rules.max_changes == 1:
            return because("too_many_changes_once")
        return because("too_many_changes", count=ctx.rules.max_changes)
    return None


def _timing_blocker(kind: ActionKind, ctx: RuleContext) -> Reason | None:
    if kind in ctx.rules.late_actions:
        return None
    if ctx.status is ShipmentStatus.OUT_FOR_DELIVERY:
        return because("out_for_delivery_late_only")
    if ctx.past_cutoff:
        return because("cutoff_passed", cutoff=ctx.when(ctx.cutoff))
    return None


def base_blocker(kind: ActionKind, ctx: RuleContext) -> Reason | None:
    """Why `kind` can't be done on this parcel at all right now (before looking at its details)."""
    if kind not in ctx.supported:
        return because("carrier_does_not_offer", action=kind.value)
    if kind in ctx.rules.disabled_actions:
        return because("merchant_does_not_offer", action=kind.value)
    if kind is ActionKind.CANCEL_ORDER:
        return _cancel_blocker(ctx)
    return _state_blocker(ctx) or _timing_blocker(kind, ctx) or _detail_blocker(kind, ctx)


def _alternatives(ctx: RuleContext) -> Reason:
    pickup = _available_at_all(ActionKind.PICKUP_POINT, ctx)
    later = _available_at_all(ActionKind.RESCHEDULE, ctx)
    if pickup and later:
        return because("alt_pickup_or_later")
    if pickup:
        return because("alt_pickup")
    if later:
        return because("alt_later")
    return because("alt_someone_in")


def _available_at_all(kind: ActionKind, ctx: RuleContext) -> bool:
    return base_blocker(kind, ctx) is None


def _detail_blocker(kind: ActionKind, ctx: RuleContext) -> Reason | None:
    row, rules = ctx.row, ctx.rules
    if kind is ActionKind.LEAVE_IN_SAFE_PLACE:
        if row.signature_required:
            return because("needs_signature_unattended", also=_alternatives(ctx))
        if row.value_amount is not None and row.value_amount > rules.high_value_threshold:
            limit = ctx.money(rules.high_value_threshold)
            return because("too_valuable_unattended", also=_alternatives(ctx), limit=limit)
    if kind is ActionKind.LEAVE_WITH_NEIGHBOUR and row.signature_required:
        return because("needs_signature_neighbour", also=_alternatives(ctx))
    if kind is ActionKind.RESCHEDULE and not ctx.windows:
        return because("no_slots", days=rules.reschedule_days)
    if kind is ActionKind.PICKUP_POINT and not ctx.pickup_points:
        area = outward_code(row.postcode)
        return because("no_pickup_points", area=area) if area else because("no_pickup_points_here")
    return None


def redirect_area(ctx: RuleContext) -> str | None:
    """Once a parcel has left the warehouse it can only be redirected within its delivery area (the outward
    code of a UK postcode, a ZIP's first three digits); before that, anywhere. Offered up front
    (ActionOption.address_area) so the bot refuses an address outside it before asking for a code, and checked
    again when the change is made."""
    if ctx.status is ShipmentStatus.LABEL_CREATED:
        return None
    return delivery_area(ctx.row.postcode) or None


# -- what is on offer -------------------------------------------------------------------------------------
def _options(kind: ActionKind, ctx: RuleContext) -> list[ActionOption]:
    reason = base_blocker(kind, ctx)
    if reason:
        return [ActionOption(kind, available=False, reason_code=reason)]
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
    if kind is ActionKind.CHANGE_ADDRESS:
        extra["address_area"] = redirect_area(ctx)
    return [ActionOption(kind, True, cutoff=cutoff, fee=fee, currency=currency, **extra)]


def evaluate_actions(
    row: m.Shipment, merchant: m.Merchant, supported: frozenset[ActionKind], *, now: datetime | None = None
) -> list[ActionOption]:
    """Every ActionKind, available or not (with the reason), in a stable order."""
    ctx = RuleContext.build(row, merchant, supported, now)
    return [option for kind in ActionKind for option in _options(kind, ctx)]


