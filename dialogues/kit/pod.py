"""Showing a proof of delivery: when, where it was left, who signed, and signed links to the photos.

Where it was left is the proof's place, else what the carrier wrote on its delivered event ("Left with
neighbour at number 5"): a carrier that sends no proof record often says it there, and "no place for it"
would be wrong. The photo never leaves as a storage key or a public URL: it is a signed link that expires
in 24 hours, sent both as media (MMS / WhatsApp show the picture) and in the text (plain SMS can't carry
pictures).
"""

from __future__ import annotations

import re

from backend.masking import masked_place
from backend.types import ProofOfDelivery, Shipment, ShipmentStatus, TrackingEvent
from bot.core.wording import Rendered, clean_value
from dialogues.base import Turn
from dialogues.kit.formatting import moment_label, parcel_label
from dialogues.kit.told import mark_answered

MAX_PHOTOS = 3
MAX_NOTE = 120
# Words that make a delivered event's description say where or to whom, not just "Delivered".
_PLACE_WORDS = re.compile(
    r"\b(left|with|neighbou?rs?|next door|porch|door|doorstep|step|reception|concierge|mail ?room|safe ?place|"
    r"behind|under|garage|shed|garden|gate|bins?|letter ?box|mail ?box|parcel ?box|locker|signed|handed|"
    r"number|no\.|flat|house|resident|occupant|customer|recipient|addressee|in person|shop|counter|collected)\b",
    re.IGNORECASE,
)
_DELIVERED_PREFIX = re.compile(r"^\s*delivered\s*[,:;.-]+\s*", re.IGNORECASE)


def delivered_event(shipment: Shipment) -> TrackingEvent | None:
    return next((e for e in reversed(shipment.events) if e.status is ShipmentStatus.DELIVERED), None)


def carrier_note(shipment: Shipment) -> str:
    """What the carrier wrote on the delivered event about where it went ("Left with neighbour at number 5"),
    or "" when it says nothing more than that it was delivered. Masked as the chat masks an address."""
    event = delivered_event(shipment)
    text = clean_value(event.description or "") if event else ""
    if not text or not _PLACE_WORDS.search(text):
        return ""
    text = masked_place((_DELIVERED_PREFIX.sub("", text) or text).rstrip(" ."), shipment.address)
    text = text[0].upper() + text[1:]
    return text if len(text) <= MAX_NOTE else text[: MAX_NOTE - 3] + "..."


def left_where(shipment: Shipment, pod: ProofOfDelivery | None) -> str:
    """Where it was left: the proof's place, else the carrier's own words on its delivered event; masked as the
    chat masks an address (backend/masking.py masked_place)."""
    return pod_place(shipment, pod) or carrier_note(shipment)


def pod_place(shipment: Shipment, pod: ProofOfDelivery | None) -> str:
    return masked_place(pod.place, shipment.address) if pod and pod.place else ""


def delivered_label(turn: Turn, shipment: Shipment, pod: ProofOfDelivery | None) -> str:
    """When it was delivered, from the proof if there is one, else from the last delivered event."""
    when = pod.delivered_at if pod else None
    if when is None:
        event = delivered_event(shipment)
        when = event.occurred_at if event else None
    return moment_label(turn, when) if when else ""


def photo_links(turn: Turn, shipment: Shipment, pod: ProofOfDelivery) -> tuple[str, ...]:
    links = turn.links
    return tuple(
        links.photo_url(turn.merchant.slug, shipment.tracking_number, key, shipment.carrier)
        for key in pod.photo_keys[:MAX_PHOTOS]
    )


def show_pod(turn: Turn, shipment: Shipment, pod: ProofOfDelivery | None) -> None:
    """One message: delivered when, left where, signed by whom, and the photo (as media and as a link). With no
    proof record, what the carrier's delivered event says stands in for it."""
    when = delivered_label(turn, shipment, pod)
    parts = [
        turn.render("utter_pod_delivered_at" if when else "utter_pod_delivered",
                    parcel=parcel_label(shipment), tracking=shipment.tracking_number, when=when),
    ]
    if pod_place(shipment, pod):
        parts.append(turn.render("utter_pod_place", place=pod_place(shipment, pod)))
    elif carrier_note(shipment):
        parts.append(turn.render("utter_pod_carrier_note", note=carrier_note(shipment)))
    if pod is not None and pod.signature_name:
        parts.append(turn.render("utter_pod_signed", name=pod.signature_name))
    photos = photo_links(turn, shipment, pod) if pod is not None else ()
    if photos:
        parts.append(turn.render("utter_pod_photo", link=photos[0]))
        parts.extend(turn.render("utter_pod_more_photo", link=link) for link in photos[1:])
    else:
        parts.append(turn.render("utter_pod_no_photo" if pod is not None else "utter_pod_no_photo_sent"))
    turn.say("utter_pod", details=Rendered("\n".join(parts)), media_urls=photos)
    mark_answered(turn, "request_proof_of_delivery", shipment.tracking_number)
