"""Where is my parcel? Status, delivery window, live driver progress and the tracking link.

The sender's own parcels are found by their number; with several, the bot lists them and asks which.
The address is always masked: the recipient recognises it, a stranger with their phone learns little.
"""

from __future__ import annotations

from backend.types import Shipment, ShipmentStatus
from dialogues.base import Flow, Turn, register
from dialogues.formatting import moment_label, parcel_label, pickup_point_of, window_label
from dialogues.identify import shipment_for

flow = register(Flow("where_is_my_order"))


@flow.start
def start(turn: Turn) -> None:
    shipment = shipment_for(turn, then="with_shipment")
    if shipment is not None:
        tell_status(turn, shipment)


@flow.step("with_shipment")
def with_shipment(turn: Turn) -> None:
    shipment = shipment_for(turn, then="with_shipment")
    if shipment is not None:
        tell_status(turn, shipment)


def tell_status(turn: Turn, shipment: Shipment) -> None:
    from bot.links import LinkSigner

    links = LinkSigner(turn.settings.secret_key, turn.settings.public_base_url or "http://127.0.0.1:8000")
    values = {
        "parcel": parcel_label(shipment),
        "tracking": shipment.tracking_number,
        "address": shipment.address.masked(),
        "link": links.tracking_url(turn.merchant.slug, shipment.tracking_number),
        "eta": window_label(turn, shipment.eta) if shipment.eta else turn.render("utter_eta_unknown"),
        "live": _live_progress(turn, shipment),
        "when": moment_label(turn, shipment.events[-1].occurred_at) if shipment.events else "",
    }
    point = _pickup_point(shipment)
    if point is not None:  # redirected: the point replaces the home address (backend/rules_apply.py)
        ready = turn.render("utter_pickup_ready_at", ready=moment_label(turn, shipment.eta.end)) if shipment.eta \
            else turn.render("utter_pickup_ready_unknown")
        point_name = ", ".join(str(point.get(k) or "").strip() for k in ("name", "address") if point.get(k))
        turn.say(f"utter_status_pickup_{shipment.status.value}", point=point_name, ready=ready,
                 hours=point.get("opening_hours") or "", **values)
    else:
        turn.say(f"utter_status_{shipment.status.value}", **values)
    turn.audit("view_status", "shown", subject=shipment.tracking_number)
    turn.finish()
    if shipment.status is ShipmentStatus.FAILED_ATTEMPT:
        if turn.state.get("parked"):  # a side-trip: going back to what they were doing comes first
            turn.say("utter_failed_attempt_next_step")
            return
        from dialogues.failed_attempt import suggest_next_step

        suggest_next_step(turn, shipment)  # the best next step for this shopper, as a YES/other question


# States in which the parcel is still heading for its destination; once delivered, failed or returned,
# the usual wording (core.yml) says what happened.
_PICKUP_STATES = frozenset({ShipmentStatus.LABEL_CREATED, ShipmentStatus.IN_TRANSIT, ShipmentStatus.OUT_FOR_DELIVERY,
                            ShipmentStatus.HELD, ShipmentStatus.EXCEPTION})


def _pickup_point(shipment: Shipment) -> dict | None:
    """The pickup point the parcel was redirected to, while it is still on its way there."""
    return pickup_point_of(shipment) if shipment.status in _PICKUP_STATES else None


def _live_progress(turn: Turn, shipment: Shipment):  # noqa: ANN202 - Rendered | str
    live = shipment.live or {}
    stop, total = live.get("stop"), live.get("stops_total")
    if shipment.status is not ShipmentStatus.OUT_FOR_DELIVERY or not stop or not total:
        return ""
    from bot.templates import Rendered

    return Rendered(" " + turn.render("utter_live_progress", stop=stop, total=total))
