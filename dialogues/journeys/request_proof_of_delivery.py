"""Proof of delivery: when, where it was left, who signed, and the driver's photo.

"Where was it left?" is answered from the carrier's facts: the proof's place, else its delivered event's
description ("Left with neighbour at number 5"), never "no place" when the carrier did say (kit/pod.py).

Only for someone who may see the parcel (their own number, or tracking/order number plus postcode).
The photo never leaves as a storage key or a public URL: it is a signed link that expires in 24 hours,
sent both as media (MMS / WhatsApp show the picture) and in the text (plain SMS can't carry pictures).
The link is signed whether or not the file is in storage yet; serving it is the /pod/ route's job.
"""

from __future__ import annotations

from dialogues.base import Flow, Turn, register
from dialogues.kit.claims import prefer_delivered
from dialogues.kit.formatting import parcel_label
from dialogues.kit.pod import carrier_note, delivered_label, show_pod
from dialogues.subflows.status import delivered_shipment_for

flow = register(Flow("request_proof_of_delivery"))


@flow.start
def start(turn: Turn) -> None:
    prefer_delivered(turn)
    with_shipment(turn)


@flow.step("with_shipment")
def with_shipment(turn: Turn) -> None:
    shipment = delivered_shipment_for(turn, then="with_shipment", not_delivered_key="utter_pod_not_delivered_yet")
    if shipment is None:
        return
    pod = turn.backend.proof_of_delivery(shipment.tracking_number)
    turn.finish()
    if pod is None and not carrier_note(shipment):
        turn.say("utter_pod_none", parcel=parcel_label(shipment), tracking=shipment.tracking_number,
                 when=delivered_label(turn, shipment, None))
        turn.audit("view_pod", "none", subject=shipment.tracking_number)
        return
    show_pod(turn, shipment, pod)
    turn.audit("view_pod", "shown", subject=shipment.tracking_number, photos=len(pod.photo_keys) if pod else 0)
