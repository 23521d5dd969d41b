"""A person asked for beside another request: "where is my parcel, i want to speak to someone", "i want to complain,
where is my parcel", "can you move it to friday, i need to talk to a human". Both are heard, in either order.

A person asked for surely is given at once (the conversation waits for the team: bot/services/handoff.py), as
before. What was asked beside it had been dropped without a word (the person first), or the person was (a complaint
read less surely than the status question beside it, which the shopper got alone). Now, after the handoff:
- what the bot answers anyway while a person is awaited (where the parcel is, the photo: `ANSWERED_WHILE_WAITING`)
  is answered, as it would be the next minute. It only reads, so the bot and the person never both act on the
  parcel, and no next step is offered with it (dialogues/subflows/status.py: the person has the conversation);
- a change is not started: it would be half-asked when the person takes over. It is said to be with the team too,
  and BOT does it with the assistant now (as a waiting shopper is told of a change asked meanwhile).
A complaint beside a status or photo question is a person asked for (the complaint's own reading is less sure than
a plain ask). A complaint beside a change keeps the change leading (intents/complaint.py: "the driver was rude, can
you leave it with number 5 next time"), and a person is offered for the complaint, not forced.
"""

from __future__ import annotations

import re

from dialogues.base import REGISTRY, Turn
from dialogues.kit.handoff import ANSWERED_WHILE_WAITING
from intents.complaint import is_complaint
from intents.discourse import asks
from intents.types import ParsedClause

PERSON = "talk_to_human"
SURE = 0.8  # requests.OWN_REQUEST_CONFIDENCE: a part read as surely as a request of its own
_ASKED = 0.5  # requests.REQUEST_CONFIDENCE, for a part that asks in words
_NOT_ASKED = frozenset({"affirm", "deny", "inform", "greet", "goodbye", "thank_you", "out_of_scope", "help",
                        "opt_out", PERSON})


def _parts(turn: Turn) -> list[ParsedClause]:
    return [c for c in turn.clauses if not c.negated]


def _person(part: ParsedClause) -> bool:
    return part.parse.intent == PERSON


def _complains(part: ParsedClause) -> bool:
    return _person(part) and is_complaint(part.text)


def _beside(turn: Turn) -> list[ParsedClause]:
    """The other requests in the message: parts read as a journey's, surely or asking in words."""
    return [p for p in _parts(turn) if p.parse.intent not in _NOT_ASKED and p.parse.intent in REGISTRY
            and not p.parse.clarify and (p.parse.confidence >= SURE or p.parse.confidence >= _ASKED and asks(p.text))]


def asked_beside(turn: Turn, aside: re.Pattern[str]) -> bool:
    """Does a part the `aside` rule does not read ask for something of its own ("is this legit, where is my parcel":
    the doubt is answered, and the status too)?"""
    return any(not aside.search(p.text) for p in _beside(turn))


def asks_for_one(turn: Turn) -> bool:
    """A part asks for a person surely, or complains beside a question the bot answers while a person is awaited."""
    parts = _parts(turn)
    if not parts:
        return turn.nlu.intent == PERSON and turn.nlu.confidence >= SURE
    if any(_person(p) and p.parse.confidence >= SURE for p in parts):
        return True
    return any(_complains(p) for p in parts) and any(p.parse.intent in ANSWERED_WHILE_WAITING for p in _beside(turn))


def answer_beside(turn: Turn) -> None:
    """After the handoff: the status or photo asked beside it answered, a change said to be left for the team."""
    others = _beside(turn)
    read_only = [p for p in others if p.parse.intent in ANSWERED_WHILE_WAITING]
    for part in read_only[:1]:  # one answer, as the first request of any message (a second is the same question)
        turn.nlu, turn.text = part.parse, part.text
        REGISTRY[part.parse.intent].run_start(turn)
    if any(p.parse.intent not in ANSWERED_WHILE_WAITING for p in others):
        turn.say("utter_handoff_change_beside")


def offer_beside_a_change(turn: Turn) -> None:
    """ "the driver was rude, can you leave it with number 5 next time": the change leads; the complaint is not let
    drop: a person is offered for it."""
    parts = _parts(turn)
    if any(_complains(p) for p in parts) and any(p.parse.intent not in ANSWERED_WHILE_WAITING for p in _beside(turn)):
        turn.say("utter_complaint_person_offered")
