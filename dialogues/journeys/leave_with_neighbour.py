"""Leave it with a neighbour: which one ("number 22", "next door at 14", "Pam opposite"), then the change.

"Always leave it with number 14" can also become a standing preference for future parcels, but only
when the shopper says YES to that question after this parcel's change went through (so it rests on
the same verified conversation), only on their own contact, revocable by message ("stop leaving my
parcels with number 14", "cancel my neighbour preference"), and audited both ways.
"""

from __future__ import annotations

import re

from backend.types import ActionKind, DeliveryAction, Shipment
from dialogues.base import Flow, Turn, register
from dialogues.kit.answers import YES_NO
from dialogues.kit.driver_text import driver_text
from dialogues.kit.faq import HOUSEHOLD_SIGNS
from dialogues.kit.formatting import parcel_label, said_back
from dialogues.kit.neighbours import PREFERENCE, standing_neighbour
from dialogues.subflows.change import propose
from dialogues.subflows.next_step import adopt_parked_menu, eligible_shipment

flow = register(Flow("leave_with_neighbour", amend="which", values=("neighbour", "house_number")))

NEIGHBOUR_MAX = 60  # a driver reads this on a doorstep; the reference carrier takes up to 100

_STANDING = re.compile(
    r"\b(?:always|every\s*time|from\s+now\s+on|in\s+(?:the\s+)?future|all\s+(?:my|of\s+my|future)\s+"
    r"(?:parcels|packages|deliveries|orders)|future\s+(?:parcels|packages|deliveries|orders)|by\s+default"
    r"|as\s+standard|each\s+time|whenever)\b",
    re.IGNORECASE,
)
_REVOKE = re.compile(
    r"\b(?:cancel|remove|delete|turn\s+off|clear|forget|stop|end|undo)\b.*\bpreference\b"
    r"|\bpreference\b.*\b(?:off|cancel|remove|delete|stop)\b"
    r"|\bstop\s+(?:leaving|giving|delivering|sending)\b"
    r"|\b(?:don'?t|do\s+not|dont|no\s+longer|never)\b.*\b(?:any\s*more|again|in\s+future|from\s+now\s+on)\b"
    r"|\b(?:don'?t|do\s+not|dont|never)\s+(?:leave|give)\s+(?:my\s+)?(?:parcels|packages|deliveries)\b",
    re.IGNORECASE,
)
_GENERIC = re.compile(
    r"^(?:(?:a|any|my|the|our|one\s+of\s+(?:the|my))\s+)?(?:neighbou?rs?|next\s+door\s+neighbou?rs?)$",
    re.IGNORECASE,
)
_WITH = re.compile(
    r"\b(?:with|to)\s+(?P<who>.+?)(?=\s+(?:if|please|pls|plz|thanks|thank|thx|ta|as|because|cos|when|instead|"
    r"today|tomorrow|tmrw)\b|[.,!?]|$)",
    re.IGNORECASE,
)
_ANSWER_LEAD = re.compile(
    r"^(?:(?:please|pls|plz|ok|okay|yes|yeah|so|then|just|maybe)[\s,]+)*(?:try\s+|go\s+with\s+)?"
    r"(?:(?:leave|give|drop|hand|deliver|take)\s+(?:it|them|the\s+"
    r"parcel|my\s+parcel)?\s*(?:with|to|at)\s+|with\s+|to\s+)?",
    re.IGNORECASE,
)
_ANSWER_TAIL = re.compile(
    r"(?:\s+(?:is|are|would\s+be|will\s+be)\s+(?:fine|ok|okay|good|great|best))?"
    r"(?:[\s,]*(?:please|pls|plz|thanks|thank\s+you|thx|ta|cheers))*\W*$",
    re.IGNORECASE,
)
_LOCATOR = re.compile(
    r"\b(?:opposite|next\s*door|across|over\s+the\s+road|upstairs|downstairs|below|above|left|right|corner"
    r"|doors?\s+(?:down|up|along)|lady|man|guy|family|couple|people|flat|house|number|no\.?|mrs?|ms|miss|dr)\b",
    re.IGNORECASE,
)
_NAME = re.compile(r"(?<![\w'])[A-Z][a-z]{2,}\b")
# "leave it with me at 6pm", "with us at 10 tomorrow": the shopper, and a time, not a neighbour (a false-positive review
# found "you at 6pm" read back as the neighbour; the digit in the time made it look like a house).
_THE_SHOPPER = re.compile(r"^(?:me|us|myself|ourselves|you|u|yourself)\b", re.IGNORECASE)
def _plausible(desc: str) -> bool:
    """Does this read like a neighbour a driver could find? (A house number, a place, or a name.)"""
    if not desc or len(desc.split()) > 25:
        return False
    if any(ch.isdigit() for ch in desc) or _LOCATOR.search(desc):
        return True
    return bool(_NAME.search(desc)) and bool(re.search(r"[aeiouy]", desc, re.IGNORECASE))


def _answer_text(text: str) -> str:
    """A reply to "which neighbour?" as the driver should read it: no "leave it with", no "please"."""
    text = _ANSWER_LEAD.sub("", text.strip(), count=1)
    text = _ANSWER_TAIL.sub("", text)
    text = driver_text(re.sub(r"^(?:the|my|our)\s+", "", text, flags=re.IGNORECASE))
    return f"number {text}" if re.fullmatch(r"\d{1,4}[a-z]?", text, re.IGNORECASE) else text


# Two neighbours, either will do: "with number 12 or 14", "sue at 10 or dave at 12", "12 or 14, whoever's in". One
# kept alone (the first, as it was) left the driver nowhere to go when 12 was out, and the shopper's second choice was
# never read back. Both go to the driver in the order given, the first tried first: "number 12, or number 14 if no
# answer" (the carrier takes one neighbour field; the driver reads it as written). A place as the other choice ("or in
# the porch") is not a neighbour: left to the rest of the reading.
_TWO = (r"(?:either\s+)?(?P<first>[\w' .#-]{1,40}?)\s*,?\s+or\s+(?:else\s+)?(?:(?:with|to)\s+)?"
        r"(?P<second>[\w' .#-]{1,40}?)(?=\s*(?:[,!?]|\.(?!\s*\d)|$)|\s+(?:if|when|whoever'?s?|whichever|either|please"
        r"|pls|plz|thanks|thank|thx|ta|is|are|as|cos|because|instead|tomorrow|tmrw|today|tonight|next|this"
        r"|(?:on\s+)?(?:mon|tue|tues|wed|weds|thu|thur|thurs|fri|sat|sun)(?:day|nesday|sday|urday)?)\b)")
_EITHER = re.compile(r"\b(?:with|to)\s+" + _TWO, re.IGNORECASE)  # in a request: after "leave it with"
_EITHER_ANSWER = re.compile(r"^" + _TWO, re.IGNORECASE)  # the answer to "Which neighbour?": the whole of it
_A_PLACE = re.compile(r"^(?:in|on|at|behind|under|inside|round|around|by|beside|near|outside|through|leave|put)\b",
                      re.IGNORECASE)


def _either(text: str, *, answer: bool) -> str | None:
    """ "number 12, or number 14 if no answer" for "leave it with number 12 or 14"; None unless both are neighbours."""
    found = _EITHER_ANSWER.match(_ANSWER_LEAD.sub("", text.strip(), count=1)) if answer else None
    found = found or _EITHER.search(text)
    if found is None:
        return None
    both = [_one_of(found.group(name)) for name in ("first", "second")]
    if not all(both):
        return None
    return f"{both[0]}, or {both[1]} if no answer"


def _one_of(raw: str) -> str | None:
    who = driver_text(re.sub(r"^(?:the|my|our)\s+", "", raw.strip(), flags=re.IGNORECASE))
    if _A_PLACE.match(who) or _GENERIC.match(who) or not _plausible(who):
        return None
    return f"number {who}" if re.fullmatch(r"\d{1,4}[a-z]?", who, re.IGNORECASE) else who


def neighbour_from(turn: Turn, *, answer: bool = False) -> str | None:
    """Which neighbour this message names, cleaned; None if it names none (or only "a neighbour").

    An answer to "which neighbour?" is taken whole (all of it is for the driver); a request
    ("leave it with number 22 if I'm out") only gives what it names. Two, either of which will do, are both
    kept (`_either`).
    """
    either = _either(turn.text, answer=answer)
    if either:
        return either
    if answer:
        whole = _answer_text(turn.text)
        if whole and not _GENERIC.match(whole) and _plausible(whole):
            return whole
    entity = turn.nlu.entity("neighbour")
    if entity:
        described = (entity.resolved or {}).get("description") or entity.value
        if not _GENERIC.match(described.strip()):
            return driver_text(described)
    house = turn.nlu.entity("house_number")
    if house:
        kind = (house.resolved or {}).get("kind") or "house"
        return f"{'number' if kind == 'house' else kind} {house.value}"
    if answer:
        return None
    found = _WITH.search(turn.text)
    candidate = driver_text(re.sub(r"^(?:the|my|our)\s+", "", found.group("who") if found else "", flags=re.I))
    if _GENERIC.match(candidate) or _THE_SHOPPER.match(candidate) or not _plausible(candidate):
        return None
    return f"number {candidate}" if re.fullmatch(r"\d{1,4}[a-z]?", candidate, re.IGNORECASE) else candidate




# -- the journey ----------------------------------------------------------------------------------------
@flow.start
def start(turn: Turn) -> None:
    adopt_parked_menu(turn)
    if turn.nlu.intent == flow.name and _REVOKE.search(turn.text):
        revoke(turn)
        return
    if HOUSEHOLD_SIGNS.search(turn.text):  # not a neighbour: whoever is in at the address can sign
        turn.finish()
        turn.say("utter_household_can_sign")
        return
    turn.remember(neighbour=neighbour_from(turn), standing=bool(_STANDING.search(turn.text)))
    with_shipment(turn)


@flow.step("with_shipment")
def with_shipment(turn: Turn) -> None:
    found = eligible_shipment(turn, ActionKind.LEAVE_WITH_NEIGHBOUR)
    if found is None:
        return
    shipment, option = found
    who = turn.slots.get("neighbour")
    if not who:
        usual = standing_neighbour(turn, shipment)
        if usual:
            turn.remember(usual=usual)
            turn.ask("use_usual", "utter_neighbour_use_usual", who=usual)
        else:
            turn.ask("which", "utter_neighbour_ask", free_text=True)
        return
    if len(who) > NEIGHBOUR_MAX:
        turn.remember(neighbour=None)
        turn.say("utter_neighbour_too_long", limit=NEIGHBOUR_MAX)
        turn.ask("which", "utter_neighbour_ask", free_text=True)
        return
    summary = turn.render("utter_neighbour_summary", parcel=parcel_label(shipment), who=said_back(who))
    offer_standing = turn.slots.get("standing") and standing_allowed(turn, shipment)
    propose(turn, shipment, DeliveryAction(ActionKind.LEAVE_WITH_NEIGHBOUR, {"neighbour": who}), summary,
            option, then="after_change" if offer_standing else None)


@flow.step("which")
def which(turn: Turn) -> None:
    if turn.nlu.intent == "deny":
        turn.finish()
        turn.say("utter_change_not_made")
        return
    turn.seal_codes(turn.text)  # a code given on its own ("their door code is 2020") is kept for the driver
    who = neighbour_from(turn, answer=True)
    if who is None:
        turn.reask("utter_neighbour_need_detail", whole=True)
        return
    turn.remember(neighbour=who)
    if _STANDING.search(turn.text):
        turn.remember(standing=True)
    with_shipment(turn)


@flow.step("use_usual")
def use_usual(turn: Turn) -> None:
    other = neighbour_from(turn, answer=True) if turn.nlu.intent not in ("affirm", "deny") else None
    if turn.nlu.intent == "affirm":
        turn.remember(neighbour=turn.slots.get("usual"))
    elif other:
        turn.remember(neighbour=other)
    elif turn.nlu.intent == "deny":
        turn.ask("which", "utter_neighbour_ask", free_text=True)
        return
    else:
        turn.reask()
        return
    with_shipment(turn)


# -- the standing preference ----------------------------------------------------------------------------
def standing_allowed(turn: Turn, shipment: Shipment) -> bool:
    """Only the recipient, on their own number, can set a preference for their future parcels."""
    return (
        turn.conversation.contact is not None
        and turn.message.sender_is_phone
        and shipment.recipient_phone == turn.message.sender
    )


@flow.step("after_change")
def after_change(turn: Turn) -> None:
    """This parcel's change is done (dialogues/changes.py hands back here): ask about future parcels."""
    who = turn.slots.get("neighbour")
    if not who or not turn.slots.get("standing"):
        turn.finish()
        return
    turn.ask("standing", "utter_neighbour_ask_standing", who=who, choices=YES_NO)


@flow.step("standing")
def standing(turn: Turn) -> None:
    who = turn.slots.get("neighbour") or ""
    if turn.nlu.intent == "deny":
        turn.finish()
        turn.say("utter_neighbour_standing_declined", who=who)
        return
    if turn.nlu.intent != "affirm":
        turn.reask()
        return
    contact = turn.conversation.contact
    tracking = turn.slots.get("tracking_number")
    shipment = turn.backend.get_shipment(tracking) if tracking else None
    turn.finish()
    if contact is None or shipment is None or not standing_allowed(turn, shipment):
        turn.say("utter_neighbour_standing_not_possible")
        return
    contact.preferences = {
        **(contact.preferences or {}),
        PREFERENCE: {"value": who, "since": turn.now.isoformat(), "set_with": shipment.tracking_number},
    }
    turn.audit("preference_set", "saved", subject=shipment.tracking_number,
               verification=turn.verification_for(shipment.tracking_number), preference=PREFERENCE, value=who)
    turn.say("utter_neighbour_standing_saved", who=who)


def revoke(turn: Turn) -> None:
    """Remove the standing neighbour: no code needed, it only ever makes deliveries stricter."""
    contact = turn.conversation.contact
    saved = ((contact.preferences or {}) if contact else {}).get(PREFERENCE)
    turn.finish()
    if contact is None or not saved:
        turn.say("utter_neighbour_standing_none")
        return
    contact.preferences = {k: v for k, v in (contact.preferences or {}).items() if k != PREFERENCE}
    turn.audit("preference_revoked", "removed", preference=PREFERENCE, value=saved.get("value"))
    turn.say("utter_neighbour_standing_revoked", who=saved.get("value") or "")
