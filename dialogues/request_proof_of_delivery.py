"""Proof of delivery: when, where it was left, who signed, and the driver's photo.

Only for someone who may see the parcel (their own number, or tracking/order number plus postcode).
The photo never leaves as a storage key or a public URL: it is a signed link that expires in 24 hours,
sent both as media (MMS / WhatsApp show the picture) and in the text (plain SMS can't carry pictures).
The link is signed whether or not the file is in storage yet; serving it is the /pod/ route's job.
"""

from __future__ import annotations

from backend.types import ProofOfDelivery, Shipment, ShipmentStatus
from bot.templates import Rendered
from dialogues.base import Flow, Turn, register
from dialogues.claims import prefer_delivered
from dialogues.formatting import moment_label, parcel_label
from dialogues.identify import delivered_shipment_for

flow = register(Flow("request_proof_of_delivery"))
MAX_PHOTOS = 3


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
    if pod is None:
        turn.say("utter_pod_none", parcel=parcel_label(shipment), tracking=shipment.tracking_number,
                 when=delivered_label(turn, shipment, None))
        turn.audit("view_pod", "none", subject=shipment.tracking_number)
        return
    show_pod(turn, shipment, pod)
    turn.audit("view_pod", "shown", subject=shipment.tracking_number, photos=len(pod.photo_keys))


def delivered_label(turn: Turn, shipment: Shipment, pod: ProofOfDelivery | None) -> str:
    """When it was delivered, from the proof if there is one, else from the last delivered event."""
    when = pod.delivered_at if pod else None
    if when is None:
        when = next((e.occurred_at for e in reversed(shipment.events) if e.status is ShipmentStatus.DELIVERED), None)
    return moment_label(turn, when) if when else ""


def photo_links(turn: Turn, shipment: Shipment, pod: ProofOfDelivery) -> tuple[str, ...]:
    from bot.links import LinkSigner

    links = LinkSigner(turn.settings.secret_key, turn.settings.public_base_url or "http://127.0.0.1:8000")
    return tuple(
        links.photo_url(turn.merchant.slug, shipment.tracking_number, key) for key in pod.photo_keys[:MAX_PHOTOS]
    )


def show_pod(turn: Turn, shipment: Shipment, pod: ProofOfDelivery) -> None:
    """One message: delivered when, left where, signed by whom, and the photo (as media and as a link)."""
    when = delivered_label(turn, shipment, pod)
    parts = [
        turn.render("utter_pod_delivered_at" if when else "utter_pod_delivered",
                    parcel=parcel_label(shipment), tracking=shipment.tracking_number, when=when),
    ]
    if pod.place:
        parts.append(turn.render("utter_pod_place", place=pod.place))
    if pod.signature_name:
        parts.append(turn.render("utter_pod_signed", name=pod.signature_name))
    photos = photo_links(turn, shipment, pod)
    if photos:
        parts.append(turn.render("utter_pod_photo", link=photos[0]))
        parts.extend(turn.render("utter_pod_more_photo", link=link) for link in photos[1:])
    else:
        parts.append(turn.render("utter_pod_no_photo"))
    turn.say("utter_pod", details=Rendered("\n".join(parts)), media_urls=photos)
