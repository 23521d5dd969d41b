"""Turning an allowed action into a change on the reference carrier's row: check its details, then write.

Planning is separate from writing so that nothing is touched until every check (details, fee) has passed.
Action params are JSON (they are stored in delivery_changes), see docs/backend.md for each kind's keys.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from backend import local_time, postal
from backend import models as m
from backend.reasons import Reason, because
from backend.references import new_reference
from backend.rules import RuleContext, base_blocker, redirect_area
from backend.rules_pickup import delivery_area
from backend.types import (
    ActionKind,
    ActionResult,
    Address,
    DeliveryAction,
    ResultStatus,
    ShipmentStatus,
    TimeWindow,
)

UNATTENDED = ("neighbour", "safe_place")
# A parcel has one destination. A delivery slot is a time at the shopper's door and a pickup point is a shop
# they collect from, so the two contradict each other: as a carrier does, the change confirmed last replaces
# the other (rather than refusing), and the flows say so in the confirmation ("...instead of the pickup
# point"). It is part of the same write, so it shares the change's transaction, audit entry and key.
HOME_SLOT = ("reschedule",)
PICKUP = ("pickup_point",)


@dataclass
class Change:
    """What an accepted action will do to the row."""

    set: dict[str, Any] = field(default_factory=dict)
    pop: tuple[str, ...] = ()
    status: ShipmentStatus | None = None
    eta: TimeWindow | None = None
    address: Address | None = None
    fee: Decimal | None = None


def _text(params: Mapping, *keys: str) -> str:
    """The first of `keys` that holds text. Anything else (null, a number, an object) counts as not given: str()
    of it once told a driver to leave the parcel with "None" or "{'x': 1}"."""
    for key in keys:
        value = params.get(key)
        if isinstance(value, str) and value.strip():
            return " ".join(value.split())
    return ""


def _dt(value: Any) -> datetime | None:
    """A date-time from text, or None; years near the calendar's ends are refused (UTC past them overflows)."""
    if isinstance(value, datetime):
        return value
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None
    return moment if moment is not None and 1900 <= moment.year <= 9000 else None


def _sealed(action: DeliveryAction) -> dict[str, str]:
    """An access code the bot sealed for this delivery rides along to the driver's manifest."""
    sealed = action.params.get("access_code_enc")
    return {"access_code_enc": sealed} if isinstance(sealed, str) and sealed else {}


def _plan_instruction(action: DeliveryAction, ctx: RuleContext) -> Change | Reason:
    limit = ctx.rules.instruction_max_chars
    if action.kind is ActionKind.LEAVE_WITH_NEIGHBOUR:
        who = _text(action.params, "neighbour") or (
            f"No. {_text(action.params, 'house_number')}" if _text(action.params, "house_number") else ""
        )
        if not who:
            return because("neighbour_missing")
        if len(who) > limit:
            return because("neighbour_too_long", limit=limit)
        return Change(set={"neighbour": who, **_sealed(action)}, pop=("safe_place", *PICKUP))
    if action.kind is ActionKind.LEAVE_IN_SAFE_PLACE:
        place = _text(action.params, "safe_place")
        if not place:
            return because("safe_place_missing")
        if len(place) > limit:
            return because("safe_place_too_long", limit=limit)
        return Change(set={"safe_place": place, **_sealed(action)}, pop=("neighbour", *PICKUP))
    note = _text(action.params, "note")
    if not note:
        return because("note_missing")
    if len(note) > ctx.rules.note_max_chars:
        return because("note_too_long", limit=ctx.rules.note_max_chars)
    # A sealed access code (encrypted by the bot) rides along to the driver's manifest; a note without one
    # drops any code an earlier note carried.
    sealed = _sealed(action)
    if sealed:
        return Change(set={"note": note, **sealed})
    return Change(set={"note": note}, pop=("access_code_enc",))


def _plan_reschedule(action: DeliveryAction, ctx: RuleContext) -> Change | Reason:
    window = action.params.get("window") or action.params
    if isinstance(window, TimeWindow):
        start, end = window.start, window.end
    elif isinstance(window, Mapping):
        start, end = _dt(window.get("start")), _dt(window.get("end"))
    else:  # a list, a number, text: no window we offered (it was an AttributeError, a 500)
        return because("slot_not_offered")
    offered = {(w.start, w.end): fee for w, fee in ctx.windows}
    if start is None or end is None or start.tzinfo is None or (start, end) not in offered:
        return because("slot_not_offered")
    chosen = TimeWindow(start.astimezone(UTC), end.astimezone(UTC))
    return Change(
        set={"reschedule": {"start": chosen.start.isoformat(), "end": chosen.end.isoformat()}},
        pop=("hold", *PICKUP),  # a home slot brings it back to the door (see HOME_SLOT / PICKUP above)
        status=ShipmentStatus.IN_TRANSIT if ctx.status is not ShipmentStatus.LABEL_CREATED else None,
        eta=chosen,
        fee=offered[(start, end)],
    )


def _plan_pickup(action: DeliveryAction, ctx: RuleContext) -> Change | Reason:
    wanted = _text(action.params, "pickup_point_id", "pickup_point")
    point = next((p for p in ctx.pickup_points if p.id == wanted), None)
    if point is None:
        return because("pickup_point_not_offered")
    data = {"id": point.id, "name": point.name, "address": point.address, "opening_hours": point.opening_hours}
    # The slot's day stays as the ETA: the point receives it on that delivery run.
    return Change(set={"pickup_point": data}, pop=(*UNATTENDED, *HOME_SLOT))


def _plan_hold(action: DeliveryAction, ctx: RuleContext) -> Change | Reason:
    params, limit = action.params, ctx.rules.max_hold_days
    until: date | None = None
    if params.get("days") is not None:
        try:
            until = ctx.today + timedelta(days=int(params["days"]))
        except (TypeError, ValueError, OverflowError):  # not a number, or days past the calendar's end
            until = None
    else:
        raw = params.get("until") or params.get("date")
        try:
            until = raw if isinstance(raw, date) else date.fromisoformat(str(raw)[:10])
        except ValueError:
            until = None
    if until is None:
        return because("hold_day_missing")
    if until <= ctx.today:
        return because("hold_day_not_after_today")
    if until > ctx.today + timedelta(days=limit):
        return because("hold_too_long", days=limit, latest=_day(ctx.today, limit, ctx.region))
    day = until
    while day.weekday() not in ctx.rules.working_days:
        day += timedelta(days=1)
    free = [w for w in ctx.rules.windows if w.fee is None] or list(ctx.rules.windows)
    eta = TimeWindow(ctx.local(day, free[0].start).astimezone(UTC), ctx.local(day, free[-1].end).astimezone(UTC))
    return Change(set={"hold": {"until": until.isoformat()}}, pop=("reschedule",), status=ShipmentStatus.HELD, eta=eta)


def _day(today: date, days: int, region: str = "GB") -> str:
    return local_time.long_day(today + timedelta(days=days), region)


def _plan_address(action: DeliveryAction, ctx: RuleContext) -> Change | Reason:
    raw = action.params.get("address")
    if isinstance(raw, Address):
        raw = {"line1": raw.line1, "line2": raw.line2, "city": raw.city, "postcode": raw.postcode,
               "country": raw.country}
    if not isinstance(raw, Mapping) or not _text(raw, "line1") or not _text(raw, "postcode"):
        return because("address_missing")
    row = ctx.row
    country = (_text(raw, "country") or row.country or "GB").upper()
    if country != (row.country or "GB").upper():
        return because("address_other_country")
    postcode = postal.uk_postcode(_text(raw, "postcode")) if country == "GB" else _text(raw, "postcode")
    if not postcode:
        return because("postcode_invalid", postcode=_text(raw, "postcode"))
    area = redirect_area(ctx)
    if area and delivery_area(postcode) != area:
        return because("redirect_outside_area", also=because("alt_pickup"), area=area)
    city = _town(_text(raw, "city"), postcode, country)
    if isinstance(city, Reason):
        return city
    new = Address(_text(raw, "line1"), city, postcode, country, _text(raw, "line2") or None)
    previous = {"line1": row.address_line1, "line2": row.address_line2, "city": row.city, "postcode": row.postcode}
    # A code for the new address (typed into its lines) rides along; the old address's code is no use there.
    sealed = _sealed(action)
    return Change(set={"previous_address": previous, **sealed}, pop=(*UNATTENDED, *PICKUP, *(() if sealed else
                  ("access_code_enc",))), address=new)


def _town(city: str, postcode: str, country: str) -> str | Reason:
    """The town for a new address: never the old one's (a Leeds postcode with the town Manchester, review D9).
    Not given: the postcode's post town, where the table is sure. Given: a post town of another area is
    refused; one the table doesn't know (a district, a village) is kept as written."""
    if country == "US":
        state = postal.state_for_zip(postcode)
        named = postal.state_code(city.rpartition(",")[2]) if "," in city else None
        if named and state and named != state:
            return because("address_town_mismatch", town=city, postcode=postcode)
        return city or because("address_town_missing", postcode=postcode)
    if not city:
        return postal.post_town_for(postcode) or because("address_town_missing", postcode=postcode)
    spelled = postal.town_in_area(city, postcode)
    if spelled:
        return spelled
    if postal.known_town(city) and postal.post_towns(postcode):
        return because("address_town_mismatch", town=city, postcode=postcode)
    return city


def _plan_cancel(action: DeliveryAction, ctx: RuleContext) -> Change | Reason:
    return Change(set={"cancelled": True}, status=ShipmentStatus.RETURNED_TO_SENDER)


_PLANNERS = {
    ActionKind.LEAVE_WITH_NEIGHBOUR: _plan_instruction,
    ActionKind.LEAVE_IN_SAFE_PLACE: _plan_instruction,
    ActionKind.ADD_DELIVERY_NOTE: _plan_instruction,
    ActionKind.RESCHEDULE: _plan_reschedule,
    ActionKind.PICKUP_POINT: _plan_pickup,
    ActionKind.HOLD: _plan_hold,
    ActionKind.CHANGE_ADDRESS: _plan_address,
    ActionKind.CANCEL_ORDER: _plan_cancel,
}


def plan_change(action: DeliveryAction, ctx: RuleContext) -> Change | Reason:
    """The change to make, or the reason (a code, backend/reasons.py) the details don't work."""
    plan = _PLANNERS[action.kind](action, ctx)
    if isinstance(plan, Change) and plan.fee is None:
        plan.fee = ctx.rules.fees.get(action.kind) or None
    return plan


# The instruction a paid action buys. When a later change replaces or removes it (an evening slot swapped
# for a pickup point, or for another slot), its fee is voided: nobody pays for a slot that won't happen.
_PAID_FOR = {
    ActionKind.RESCHEDULE.value: "reschedule",
    ActionKind.PICKUP_POINT.value: "pickup_point",
    ActionKind.HOLD.value: "hold",
    ActionKind.LEAVE_WITH_NEIGHBOUR.value: "neighbour",
    ActionKind.LEAVE_IN_SAFE_PLACE.value: "safe_place",
}


def _void_replaced(charges: list[dict], replaced: set[str], reference: str) -> list[dict]:
    return [
        {**c, "voided_by": reference} if _PAID_FOR.get(c.get("action")) in replaced and "voided_by" not in c else c
        for c in charges
    ]


def write_change(plan: Change, action: DeliveryAction, ctx: RuleContext) -> str:
    """Apply the plan to the row (no commit) and return the carrier reference."""
    row, reference = ctx.row, new_reference("RB")
    instructions = {k: v for k, v in (row.instructions or {}).items() if k not in plan.pop}
    instructions.update(plan.set)
    instructions["last_reference"] = reference
    instructions["charges"] = _void_replaced(instructions.get("charges", []), {*plan.pop, *plan.set}, reference)
    if plan.fee:
        charge = {"action": action.kind.value, "amount": str(plan.fee), "currency": ctx.rules.currency}
        instructions["charges"] = [*instructions["charges"], {**charge, "reference": reference}]
    if not instructions["charges"]:
        del instructions["charges"]
    row.instructions = instructions  # reassigned, so SQLAlchemy sees the JSON change
    if plan.status is not None and plan.status.value != row.status:
        row.status = plan.status.value
        row.status_at = ctx.now
    if plan.eta is not None:
        row.eta_start, row.eta_end = plan.eta.start, plan.eta.end
    if plan.address is not None:
        a = plan.address
        row.address_line1, row.address_line2, row.city, row.postcode, row.country = (
            a.line1,
            a.line2,
            a.city,
            a.postcode,
            a.country,
        )
    if action.kind is not ActionKind.CANCEL_ORDER:
        row.changes_count = (row.changes_count or 0) + 1
    return reference


def apply_to_row(
    row: m.Shipment,
    merchant: m.Merchant,
    action: DeliveryAction,
    supported: frozenset[ActionKind],
    *,
    now: datetime | None = None,
) -> ActionResult:
    """Check the action against the rules and, if allowed, change the row. The caller's transaction commits."""
    ctx = RuleContext.build(row, merchant, supported, now)
    reason = base_blocker(action.kind, ctx)
    if reason:
        return ActionResult(ResultStatus.REJECTED, reason_code=reason)
    plan = plan_change(action, ctx)
    if isinstance(plan, Reason):
        return ActionResult(ResultStatus.REJECTED, reason_code=plan)
    if plan.fee and not action.fee_accepted:
        fee = because("fee_needs_confirmation", fee=ctx.money(plan.fee))
        return ActionResult(ResultStatus.REJECTED, reason_code=fee)
    reference = write_change(plan, action, ctx)
    return ActionResult(ResultStatus.ACCEPTED, reference=reference)
