"""Where is my parcel? Status, delivery window, live driver progress and the tracking link.

The sender's own parcels are found by their number; with several, the bot lists them and asks which
("both" or "all of them" gets every one).
The address is always masked: the recipient recognises it, a stranger with their phone learns little.
"""

from __future__ import annotations

from dialogues.base import Flow, Turn, register
from dialogues.subflows.identify import shipments_for
from dialogues.subflows.status import tell_statuses

flow = register(Flow("where_is_my_order"))


@flow.start
def start(turn: Turn) -> None:
    shipments = shipments_for(turn, then="with_shipment")
    if shipments:
        tell_statuses(turn, shipments)


@flow.step("with_shipment")
def with_shipment(turn: Turn) -> None:
    shipments = shipments_for(turn, then="with_shipment")
    if shipments:
        tell_statuses(turn, shipments)
