"""Where is my parcel? Status, delivery window, live driver progress and the tracking link.

The sender's own parcels are found by their number; with several, the bot lists them and asks which.
The address is always masked: the recipient recognises it, a stranger with their phone learns little.
"""

from __future__ import annotations

from backend.types import Shipment, ShipmentStatus
from dialogues.base import Flow, Turn, register
from dialogues.formatting import moment_label, parcel_label, window_label
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
    turn.say(f"utter_status_{shipment.status.value}", **values)
    turn.audit("view_status", "shown", subject=shipment.tracking_number)
    turn.finish()
    if shipment.status is ShipmentStatus.FAILED_ATTEMPT:
        if turn.state.get("parked"):  # a side-trip: going back to what they were doing comes first
            turn.say("utter_failed_attempt_next_step")
            return
        from dialogues.failed_attempt import suggest_next_step

        suggest_next_step(turn, shipment)  # the best next step for this shopper, as a YES/other question


def _live_progress(turn: Turn, shipment: Shipment):  # noqa: ANN202 - Rendered | str
    live = shipment.live or {}
    stop, total = live.get("stop"), live.get("stops_total")
    if shipment.status is not ShipmentStatus.OUT_FOR_DELIVERY or not stop or not total:
        return ""
    from bot.templates import Rendered

    return Rendered(" " + turn.render("utter_live_progress", stop=stop, total=total))
