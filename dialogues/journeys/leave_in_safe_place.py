"""Leave it in a safe place (porch, shed, behind the side gate, reception...), cleaned and length-limited.

Parcels that need a signature or are worth too much are refused up front with the carrier's reason,
and the shopper is offered what works instead (a pickup point, another day) as a numbered choice.
"""

from __future__ import annotations

import re

from backend.types import ActionKind, DeliveryAction
from dialogues.base import Flow, Turn, register
from dialogues.kit.driver_text import driver_text
from dialogues.kit.formatting import parcel_label, said_back
from dialogues.subflows.change import propose
from dialogues.subflows.next_step import adopt_parked_menu, eligible_shipment

flow = register(Flow("leave_in_safe_place", amend="where", values=("safe_place",)))

SAFE_PLACE_MAX = 80  # the reference carrier takes up to 100
_GENERIC = re.compile(
    r"^(?:(?:in|at|to|into|somewhere)\s+)?(?:(?:a|the|my|your|some|any)\s+)?(?:safe\s+(?:place|spot|location)"
    r"|somewhere\s+safe|safe|place|spot|somewhere)$",
    re.IGNORECASE,
)
_SPATIAL_START = re.compile(
    r"^(?:in|inside|into|behind|under|underneath|beneath|by|beside|next\s+to|on|at|round|around|outside|near"
    r"|between|with|in\s+front\s+of|on\s+top\s+of|through|over)\s+\S+",
    re.IGNORECASE,
)
_LEAD_IN = re.compile(
    r"\b(?:in|inside|behind|under|underneath|beneath|by|beside|next\s+to|on|at|round|around|outside|near"
    r"|in\s+front\s+of|with)\s+(?:(?:the|my|our|a)\s+)?$",
    re.IGNORECASE,
)
_ANSWER_LEAD = re.compile(
    r"^(?:(?:please|pls|plz|ok|okay|yes|yeah)[\s,]+)*(?:(?:leave|put|pop|drop|place|hide|stick|tuck)\s+"
    r"(?:it|them|the\s+parcel|my\s+parcel)?\s*)?",
    re.IGNORECASE,
)

_ANSWER_TAIL = re.compile(r"(?:[\s,]*(?:please|pls|plz|thanks|thank\s+you|thx|ta|cheers))*[\s.!]*$", re.IGNORECASE)


def place_from(turn: Turn, *, answer: bool = False) -> str | None:
    """Where to leave it, as the driver should read it; None if the message names no usable place.

    An answer to "where?" is taken whole when it reads like a place ("under the mat by the back door");
    a request only gives the place it names.
    """
    if answer:
        text = driver_text(_ANSWER_TAIL.sub("", _ANSWER_LEAD.sub("", turn.text.strip(), count=1)))
        if _SPATIAL_START.match(text) and not _GENERIC.match(text) and len(text.split()) <= 25:
            return text
    entity = turn.nlu.entity("safe_place")
    if entity is None or _GENERIC.match(entity.value):
        return None
    # "in the porch" tells a driver more than "porch": the words as typed, with a "behind the" just before.
    typed = turn.text[entity.start : entity.end]
    if entity.value.lower() not in typed.lower():
        return driver_text(entity.value)
    lead = None if _SPATIAL_START.match(typed) else _LEAD_IN.search(turn.text, 0, entity.start)
    return driver_text(turn.text[lead.start() if lead else entity.start : entity.end])


@flow.start
def start(turn: Turn) -> None:
    adopt_parked_menu(turn)
    turn.remember(safe_place=place_from(turn))
    with_shipment(turn)


@flow.step("with_shipment")
def with_shipment(turn: Turn) -> None:
    found = eligible_shipment(turn, ActionKind.LEAVE_IN_SAFE_PLACE)
    if found is None:
        return
    shipment, option = found
    place = turn.slots.get("safe_place")
    if not place:
        turn.ask("where", "utter_safe_place_ask", free_text=True)
        return
    if len(place) > SAFE_PLACE_MAX:
        turn.remember(safe_place=None)
        turn.say("utter_safe_place_too_long", limit=SAFE_PLACE_MAX)
        turn.ask("where", "utter_safe_place_ask", free_text=True)
        return
    summary = turn.render("utter_safe_place_summary", parcel=parcel_label(shipment), place=said_back(place))
    propose(turn, shipment, DeliveryAction(ActionKind.LEAVE_IN_SAFE_PLACE, {"safe_place": place}), summary, option)


@flow.step("where")
def where(turn: Turn) -> None:
    if turn.nlu.intent == "deny":
        turn.finish()
        turn.say("utter_change_not_made")
        return
    turn.seal_codes(turn.text)  # a code given on its own ("gate code 4821") is kept for the driver
    place = place_from(turn, answer=True)
    if place is None:
        turn.reask("utter_safe_place_need_detail", whole=True)
        return
    turn.remember(safe_place=place)
    with_shipment(turn)
