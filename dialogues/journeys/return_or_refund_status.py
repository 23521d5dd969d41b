"""Where's my return / refund? One clear sentence per stage, and nothing shown before identification.

Identification is the usual one (the sender's own number, or tracking/order number plus postcode). A
shopper with several parcels of whom only one has a return isn't asked which: that one is meant.
"""

from __future__ import annotations

from backend.types import ReturnInfo, Shipment
from dialogues.base import Flow, Turn, register
from dialogues.kit.formatting import day_label, parcel_label
from dialogues.subflows.identify import shipment_for

flow = register(Flow("return_or_refund_status"))
KNOWN = ("created", "in_transit", "received", "refunded", "rejected", "pending")


@flow.start
def start(turn: Turn) -> None:
    if not (turn.nlu.entity("tracking_number") or turn.nlu.entity("order_number")) and not turn.slots.get(
        "tracking_number"
    ):
        own = turn.sender_shipments()
        with_return = [s for s in own if turn.backend.return_status(s.tracking_number) is not None]
        if len(own) > 1 and len(with_return) == 1:
            turn.remember(tracking_number=with_return[0].tracking_number)
    with_shipment(turn)


@flow.step("with_shipment")
def with_shipment(turn: Turn) -> None:
    shipment = shipment_for(turn, then="with_shipment")
    if shipment is None:
        return
    info = turn.backend.return_status(shipment.tracking_number)
    turn.finish()
    if info is None:
        turn.say("utter_return_status_none", parcel=parcel_label(shipment), tracking=shipment.tracking_number)
        turn.audit("view_return_status", "none", subject=shipment.tracking_number)
        return
    tell_return_status(turn, shipment, info)
    turn.audit("view_return_status", info.status, subject=shipment.tracking_number, reference=info.reference)


def tell_return_status(turn: Turn, shipment: Shipment, info: ReturnInfo) -> None:
    status = info.status if info.status in KNOWN else "other"
    amount = f"{shipment.currency} {info.refund_amount:.2f}" if info.refund_amount is not None else ""
    key = f"utter_return_status_{status}"
    if status == "refunded" and amount:
        key = "utter_return_status_refunded_amount"
    turn.say(
        key,
        parcel=parcel_label(shipment),
        reference=info.reference or "",
        amount=amount,
        when=day_label(turn, info.refunded_at) if info.refunded_at else "",
        status=info.status,
    )
