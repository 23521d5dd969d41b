"""Telling a shopper where their parcel is, and the shared step for journeys about a parcel that has arrived.

Status, delivery window, live driver progress and the tracking link; after a failed attempt, the best next
step (subflows/next_step.py). The address is always masked. A delivered parcel says where it was left, from
the carrier's own facts (its proof, else its delivered event: "Left with neighbour at number 5").
"""

from __future__ import annotations

from backend.types import Shipment, ShipmentStatus
from bot.core.wording import Rendered, clean_value
from dialogues.base import Turn
from dialogues.kit.formatting import moment_label, parcel_label, pickup_point_of, ready_to_collect, window_label
from dialogues.kit.handoff import waiting
from dialogues.kit.pod import left_where
from dialogues.subflows.identify import shipment_for
from dialogues.subflows.next_step import suggest_next_step


def tell_status(turn: Turn, shipment: Shipment, *, next_step: bool = True) -> None:
    """The parcel's status; after a failed attempt, with `next_step`, the best next step as a question."""
    links = turn.links
    values = {
        "parcel": parcel_label(shipment),
        "tracking": shipment.tracking_number,
        "address": shipment.address.masked(),
        "link": links.tracking_url(turn.merchant.slug, shipment.tracking_number, shipment.carrier),
        "eta": window_label(turn, shipment.eta) if shipment.eta else turn.render("utter_eta_unknown"),
        "live": _live_progress(turn, shipment),
        "when": moment_label(turn, shipment.events[-1].occurred_at) if shipment.events else "",
    }
    reason = _why_failed(shipment)
    point = _pickup_point(shipment)
    if point is not None:  # redirected: the point replaces the home address (backend/rules_apply.py)
        ready = ready_to_collect(turn, shipment)
        point_name = ", ".join(str(point.get(k) or "").strip() for k in ("name", "address") if point.get(k))
        turn.say(f"utter_status_pickup_{shipment.status.value}", point=point_name, ready=ready,
                 hours=point.get("opening_hours") or "", **values)
    elif place := _delivered_place(turn, shipment):
        turn.say("utter_status_delivered_place", place=place, **values)
    elif reason and shipment.status is ShipmentStatus.FAILED_ATTEMPT:
        turn.say("utter_status_failed_attempt_why", attempt_reason=reason, **values)
    else:
        turn.say(f"utter_status_{shipment.status.value}", **values)
    turn.audit("view_status", "shown", subject=shipment.tracking_number)
    turn.finish()
    # While the shopper waits for a person the next step is theirs to offer (a change asked meanwhile is left for
    # them: dialogues/journeys/handoff.py), so the status is told without one.
    if shipment.status is ShipmentStatus.FAILED_ATTEMPT and next_step and not waiting(turn):
        if turn.state.parked:  # a side-trip: going back to what they were doing comes first
            turn.say("utter_failed_attempt_next_step")
            turn.asked = True
            return
        suggest_next_step(turn, shipment)  # the best next step for this shopper, as a YES/other question


def _why_failed(shipment: Shipment) -> str:
    """Why the last attempt failed, in the carrier's words ("No one was in"), if it said it briefly; else nothing."""
    failed = [e for e in shipment.events if e.status is ShipmentStatus.FAILED_ATTEMPT and e.description]
    reason = clean_value(failed[-1].description or "").rstrip(" .") if failed else ""
    return reason if len(reason) <= 60 else ""  # a carrier's long text would take the reply to three SMS


# States in which the parcel is still heading for its destination; once delivered, failed or returned,
# the usual wording (core.yml) says what happened.
_PICKUP_STATES = frozenset({ShipmentStatus.LABEL_CREATED, ShipmentStatus.IN_TRANSIT, ShipmentStatus.OUT_FOR_DELIVERY,
                            ShipmentStatus.HELD, ShipmentStatus.EXCEPTION})


def tell_statuses(turn: Turn, shipments: list[Shipment]) -> None:
    """Several parcels' status in one answer. Only one question can be open, so a failed attempt comes last
    and only the last parcel gets its next step."""
    ordered = sorted(shipments, key=lambda s: s.status is ShipmentStatus.FAILED_ATTEMPT)
    for i, shipment in enumerate(ordered):
        tell_status(turn, shipment, next_step=i == len(ordered) - 1)


def _pickup_point(shipment: Shipment) -> dict | None:
    """The pickup point the parcel was redirected to, while it is still on its way there."""
    return pickup_point_of(shipment) if shipment.status in _PICKUP_STATES else None


def _delivered_place(turn: Turn, shipment: Shipment) -> str:
    if shipment.status is not ShipmentStatus.DELIVERED:
        return ""
    return left_where(shipment, turn.backend.proof_of_delivery(shipment.tracking_number))


def _live_progress(turn: Turn, shipment: Shipment):  # noqa: ANN202 - Rendered | str
    live = shipment.live or {}
    stop, total = live.get("stop"), live.get("stops_total")
    if shipment.status is not ShipmentStatus.OUT_FOR_DELIVERY or not stop or not total:
        return ""
    return Rendered(" " + turn.render("utter_live_progress", stop=stop, total=total))


# On its way as far as the carrier knows: its delivered event can come after the doorstep (a scan late, a driver's
# handheld out of signal), so a shopper who says they have it is believed.
LAGGING = frozenset({ShipmentStatus.IN_TRANSIT, ShipmentStatus.OUT_FOR_DELIVERY, ShipmentStatus.FAILED_ATTEMPT})


def delivered_shipment_for(turn: Turn, *, then: str, not_delivered_key: str, in_hand: bool = False) -> Shipment | None:
    """For journeys about a parcel that has arrived (photo, claims, returns): a parcel still on its way
    gets a word about that and its status instead, unless the shopper says it is `in_hand` and the carrier's
    status may only lag (`LAGGING`): then it is the parcel, and its status is for the caller to note."""
    shipment = shipment_for(turn, then=then)
    if shipment is None:
        return None
    if shipment.status is not ShipmentStatus.DELIVERED and not (in_hand and shipment.status in LAGGING):
        turn.say(not_delivered_key)
        tell_status(turn, shipment)
        return None
    return shipment
