"""One change for every parcel on the shopper's number: "leave them both in the porch", or "both" at "Which one?".

A change is made one parcel at a time (each is its own confirmation, rules and audit; one code covers them all,
as a proof lasts 15 minutes): the first parcel now, and the same request waits in the conversation's queue for
each other one, naming its parcel (dialogues/kit/queued.next_queued says "Now the same for your Wool socks").
Before, the shopper was told "I can do one delivery at a time. Pick one first, then ask me again for the other"
and had to type the request again (a probe of plain phrasing, 2026-12-07).
"""

from __future__ import annotations

import re
from typing import Any

from backend.types import Shipment
from dialogues.base import Turn
from dialogues.kit.choices import BOXES, ONE_BOX, POINTING, THEM, one_of
from dialogues.kit.formatting import parcel_label

_THEM, _POINTING, _BOXES, _ONE_BOX = one_of(THEM), one_of(POINTING), one_of(BOXES), one_of(ONE_BOX)
# The words are choices.py's (an answer at "Which one?" reads the same ones); the rule is a request's own: the words
# must be tied to the parcels. "both" says every one of two only where it is about them: "leave both in the porch",
# "both of them", "them both", "both (my) parcels"; not "we're both out", "both of us".
_BOTH = re.compile(
    rf"\b(?:{_THEM}\s+both|both\s+(?:of\s+(?:{_THEM}|{_POINTING})\b|(?:{_POINTING}\s+)?{_BOXES}\b|(?:in|into|to|at"
    r"|with|on|round|behind|under|by|through|next|inside|outside|over)\b))", re.IGNORECASE)
_ALL = re.compile(
    rf"\b(?:{_THEM}\s+all|all\s+(?:of\s+)?{_THEM}\b|all\s+(?:(?:of\s+)?{_POINTING}\s+)?{_BOXES}"
    rf"|(?:every|each)\s+{_ONE_BOX}|(?:every|each)\s+one\s+of\s+{_THEM}\b"
    rf"|each\s+of\s+(?:{_THEM}\b|{_POINTING}\s+{_BOXES}))", re.IGNORECASE)


def names_every_parcel(text: str, count: int) -> bool:
    """Does the request itself say it is for every one of the shopper's `count` parcels? ("Both" only of two.)"""
    return count >= 2 and (bool(_ALL.search(text)) or (count == 2 and bool(_BOTH.search(text))))


_EVERY_ONE = re.compile(
    r"(?<!\bwe\s)(?<!\bwe're\s)(?<!\bwere\s)\bboth\b(?!\s+of\s+us\b)"
    r"|\b(?:my|the|all|have|got)\s+(?P<n>\d|two|three|four)\s+(?:parcels?|packages?|orders?|deliveries|boxes)\b"
    r"|\ball\s+(?:of\s+)?my\s+(?:parcels|packages|orders|deliveries)\b", re.IGNORECASE)
_COUNT = {"two": 2, "three": 3, "four": 4}


_WHERE = re.compile(r"\bwhere(?:'?s|\s+(?:is|are|r))?\b", re.IGNORECASE)


def where_are_all(text: str) -> bool:
    """ "hello, where both my parcel please?": where, of every parcel, whatever else the classifier heard in it
    (it hesitated between the status and the proof of delivery): the status question (subflows/clarify.py)."""
    return bool(_WHERE.search(text) and _EVERY_ONE.search(text))


def asks_after_every_one(text: str, count: int) -> bool:
    """Does a status question ask after every one of the sender's `count` parcels ("where both?", "where are my 2
    packages?", "all my parcels")? "Both" only of two; "we're both out" is people."""
    found = _EVERY_ONE.search(text)
    if found is None:
        return False
    said = found.group("n")
    if said:
        return (int(said) if said.isdigit() else _COUNT[said.lower()]) == count
    return "both" not in found.group(0).lower() or count == 2


def one_at_a_time(turn: Turn, shipments: list[Shipment], request: dict[str, Any] | None) -> Shipment:
    """The first parcel, to handle now; the same request queued for each other one, ahead of anything else the
    shopper asked for (they asked for this first). `request`: the request as saved (ParseResult.to_saved)."""
    first, rest = shipments[0], shipments[1:]
    if request is not None:
        queued = [_for_parcel(request, s) for s in rest]
        turn.state.queue[:0] = queued
    turn.say("utter_every_parcel_in_turn", parcel=parcel_label(first), count=str(len(shipments)))
    return first


def _for_parcel(request: dict[str, Any], shipment: Shipment) -> dict[str, Any]:
    """The saved request, about this parcel: its number as the named one (proven: it is on the sender's own
    number), and the parcel's name for the word said before it starts."""
    text = str(request.get("text") or "")
    entities = [e for e in request.get("entities") or () if e.get("entity") not in ("tracking_number", "order_number")]
    entities.append({"entity": "tracking_number", "value": shipment.tracking_number, "start": len(text),
                     "end": len(text), "resolved": None})
    return {**request, "entities": entities, "parcel": parcel_label(shipment)}


def prove_the_rest(turn: Turn, proven: Shipment) -> None:
    """A code just proved `proven`: the other parcels of the same "both" that go to the same phone are proven
    with it. The code proved the shopper holds that phone, and it is those parcels' recipient phone too; so
    "leave them both in the porch" asks for one code, not one a parcel. A parcel for another phone is not."""
    phone = (proven.recipient_phone or "").replace(" ", "")
    if not phone:
        return
    for saved in turn.state.queue:
        if not saved.get("parcel"):
            continue
        numbers = [e.get("value") for e in saved.get("entities") or () if e.get("entity") == "tracking_number"]
        other = turn.backend.get_shipment(str(numbers[0])) if numbers else None
        if other is not None and (other.recipient_phone or "").replace(" ", "") == phone:
            turn.mark_verified(other, "otp")
