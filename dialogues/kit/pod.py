"""Showing a proof of delivery: when, where it was left, who signed, and signed links to the photos.

The photo never leaves as a storage key or a public URL: it is a signed link that expires in 24 hours, sent
both as media (MMS / WhatsApp show the picture) and in the text (plain SMS can't carry pictures).
"""

from __future__ import annotations

from backend.types import ProofOfDelivery, Shipment, ShipmentStatus
from bot.core.wording import Rendered
from dialogues.base import Turn
from dialogues.kit.formatting import moment_label, parcel_label

MAX_PHOTOS = 3


def delivered_label(turn: Turn, shipment: Shipment, pod: ProofOfDelivery | None) -> str:
    """When it was delivered, from the proof if there is one, else from the last delivered event."""
    when = pod.delivered_at if pod else None
    if when is None:
        when = next((e.occurred_at for e in reversed(shipment.events) if e.status is ShipmentStatus.DELIVERED), None)
    return moment_label(turn, when) if when else ""


def photo_links(turn: Turn, shipment: Shipment, pod: ProofOfDelivery) -> tuple[str, ...]:
    links = turn.links
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
