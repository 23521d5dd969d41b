"""'It says delivered but it isn't here': show the proof first, then open a claim and bring in a person.

Most "missing" parcels are found within minutes once the shopper sees the photo and where it was left
(porch, bin store, a neighbour), so the proof of delivery comes first, with the usual places to check.
Only if it is still missing do we open a claim (with a reference the shopper keeps, and when the team
will answer) and hand over to the team; if it turns up later, "found it" closes the claim (dialogues/kit/
claims.py). Where it was left is the carrier's proof, else its delivered event ("Left with neighbour at
number 5"). A parcel that isn't marked delivered yet just gets its status: it isn't lost, it's on its way.
"""

from __future__ import annotations

import re
import uuid

from backend.types import Shipment
from dialogues.base import Flow, Turn, register
from dialogues.kit.answers import yes_or_no
from dialogues.kit.claims import (
    NOT_RECEIVED,
    open_claim,
    open_claim_reference,
    prefer_delivered,
    says_missing,
    says_not_found,
    says_turned_up,
)
from dialogues.kit.formatting import parcel_label
from dialogues.kit.handoff import hand_off
from dialogues.kit.pod import delivered_label, left_where, show_pod
from dialogues.kit.told import answered
from dialogues.kit.wrong_place import says_not_with_neighbour, says_wrong_place
from dialogues.subflows.status import delivered_shipment_for
from dialogues.subflows.verify import require_code

flow = register(Flow("report_not_received", reported=True))

# At "Have you found it?": the looking done, and what it found ("yes i checked and it's there", "asked next door and
# they had it", "knocked next door, she had it"). The rule for a yes to having looked (claims._DID_THE_CHECKS) had
# opened a claim on them. Only an answer to that question: elsewhere "they have it" may be anyone's.
_ASKED_IF = r"(?<!\bif )(?<!\bwhether )(?<!\bdo )(?<!\bdoes )(?<!\bdid )(?<!\bsee )"  # "to see if they have it"
_FOUND_ON_LOOKING = re.compile(
    _ASKED_IF + r"\b(?:it'?s|its|it\s+is|it\s+was)\s+(?:(?:right|still|just)\s+)?(?:there|here)\b"
    r"|" + _ASKED_IF + r"\b(?:they|he|she|number\s+\d+\w*|no\.?\s*\d+\w*)\s+(?:had|has|have|got|'?s\s+got"
    r"|picked\s+up|signed\s+for|took\s+in)\s+(?:it|them)\b(?!\s+(?:back|away|to)\b)"
    r"|\b(?:they'?ve|theyve|she'?s|he'?s)\s+got\s+(?:it|them)\b",
    re.IGNORECASE,
)


def _found_on_looking(text: str) -> bool:
    return bool(_FOUND_ON_LOOKING.search(text)) and not says_missing(text)


@flow.start
def start(turn: Turn) -> None:
    if says_wrong_place(turn.text):  # "thats not my door in the photo!!": left at the wrong address
        turn.remember(wrong_place=True)
    elif says_not_with_neighbour(turn.text):  # "my neighbour says they dont have it": not told to ask them
        turn.remember(asked_neighbours=True)
    prefer_delivered(turn)
    with_shipment(turn)


@flow.step("with_shipment")
def with_shipment(turn: Turn) -> None:
    shipment = delivered_shipment_for(
        turn, then="with_shipment", not_delivered_key="utter_not_received_not_delivered_yet"
    )
    if shipment is None:
        return
    existing = open_claim_reference(turn, shipment, NOT_RECEIVED)
    if existing:
        hand_off(turn, NOT_RECEIVED)
        turn.say("utter_not_received_claim_exists", reference=existing, parcel=parcel_label(shipment),
                 reply_time=turn.config.claim_reply_time)
        return
    pod = turn.backend.proof_of_delivery(shipment.tracking_number)
    place = left_where(shipment, pod)
    if answered(turn, "request_proof_of_delivery") == shipment.tracking_number:
        pass  # the photo and where it was left were just shown (kit/told.py): not sent again
    elif pod is not None or place:
        show_pod(turn, shipment, pod)
        turn.audit("view_pod", "shown", subject=shipment.tracking_number, photos=len(pod.photo_keys) if pod else 0)
    else:
        turn.say("utter_not_received_no_pod", parcel=parcel_label(shipment), tracking=shipment.tracking_number,
                 when=delivered_label(turn, shipment, None))
    turn.remember(claim_key=f"clm-{uuid.uuid4().hex}", place=place)
    key = "utter_not_received_check_place" if place else "utter_not_received_check"
    if turn.slots.get("wrong_place"):
        key = "utter_not_received_check_wrong_place"
    elif turn.slots.get("asked_neighbours"):
        key = "utter_not_received_check_asked_place" if place else "utter_not_received_check_asked"
    turn.ask("found_it", key, place=place)


@flow.answers("found_it")
def answers_found_it(turn: Turn) -> bool:
    """ "oh wait found it behind the plant pot", "no sign of it anywhere", "not behind the bins or in the shed,
    nowhere": the answer, found or not, whatever request the NLU hears in the places named (review 7)."""
    return says_turned_up(turn.text) or says_not_found(turn.text)


@flow.step("found_it")
def found_it(turn: Turn) -> None:
    answer = yes_or_no(turn)
    if says_turned_up(turn.text) or _found_on_looking(turn.text):
        answer = True
    elif turn.nlu.intent == "report_not_received" or says_not_found(turn.text):
        answer = False
    if answer is None:
        turn.reask()
        return
    if answer:
        turn.finish()
        turn.say("utter_not_received_found")
        return
    claim(turn)


@flow.step("claim")
def claim(turn: Turn) -> None:
    """A claim can lead to a refund: from anyone but the recipient's own number it needs the code."""
    shipment = _shipment(turn)
    if shipment is None:
        return
    if not require_code(turn, shipment, action="claim_not_received", then="claim", default="sender_number"):
        return
    _open_claim(turn, shipment)


def _shipment(turn: Turn) -> Shipment | None:
    tracking = turn.slots.get("tracking_number")
    shipment = turn.backend.get_shipment(tracking) if tracking else None
    if shipment is None:
        turn.finish()
        turn.say("utter_cancelled")
    return shipment


def _open_claim(turn: Turn, shipment: Shipment) -> None:
    slots = turn.slots
    pod = turn.backend.proof_of_delivery(shipment.tracking_number)
    detail = {
        "delivered_at": pod.delivered_at.isoformat() if pod and pod.delivered_at else None,
        "place": slots.get("place") or None,
        "pod_photos": len(pod.photo_keys) if pod else 0,
        **({"wrong_place": True} if slots.get("wrong_place") else {}),
    }
    opened = open_claim(turn, shipment, kind=NOT_RECEIVED, key=slots["claim_key"], detail=detail)
    hand_off(turn, NOT_RECEIVED)
    key = "utter_not_received_claim_linked" if opened.linked_to else "utter_not_received_claim_opened"
    turn.say(key, reference=opened.reference, earlier=opened.linked_to or "", parcel=parcel_label(shipment),
             reply_time=turn.config.claim_reply_time)
