"""A correction right after a change was made: "Done: ... with number 14" and then "oops i meant 41 not 14", "sorry
I meant the shed not the porch", "wait, I said thursday but meant friday". It asks for the same kind of change again
with the corrected value: the journey's own question is answered with the new words (as a correction at the
confirmation is, subflows/change._amend), so the usual confirmation follows, and a code only if the shopper's proof
has lapsed (it lasts 15 minutes).

Read on the message right after the "Done" only (ConversationState.made), and only when the whole message is the
correction and its new words are that change's kind of value: a day for a new day, a place for a safe place, a
neighbour or house number for a neighbour or an address, or a word that replaces one in what was made ("41 not 14"
about "number 14"). "i meant where is it" or "not bad thanks" are no correction and keep their own reading.
"""

from __future__ import annotations

import dataclasses
import re

from dialogues.base import REGISTRY, Flow, Turn
from intents.types import Entity

_I = re.IGNORECASE
_LEAD = (r"^\W*(?:(?:oops|whoops|oopsie|sorry|soz|sry|apologies|wait|hang\s+on|hold\s+on|ah|oh|argh|damn|doh|d'?oh"
         r"|no|nope|nah|actually|my\s+bad|uh|um|erm|er|ugh|ok|okay|hmm|silly\s+me|typo)\b[\s,.!-]*)*")
_TAIL = r"[\s,]*(?:(?:sorry|soz|sry|please|pls|plz|thanks|thank\s+you|ta|x+)\b\W*)*$"
_NOT = r"\s*,?\s*(?:not|instead\s+of|rather\s+than)\s+"
# "I said thursday but (I) meant friday", "i put 14 but meant 41"
_SAID = re.compile(_LEAD + r"i\s+(?:said|put|typed|wrote|gave|sent)\s+(?P<old>[^,.!?]+?),?\s+but\s+(?:i\s+)?"
                   r"(?:meant|mean|wanted|needed)\s+(?:to\s+(?:say|put|type|write)\s+)?(?P<new>.+?)" + _TAIL, _I)
# "oops i meant 41 not 14", "sorry meant to say the shed", "it should be friday, not thursday"
_MEANT = re.compile(_LEAD + r"(?:(?:i\s+)?(?:meant|mean|ment)(?:\s+to\s+(?:say|put|type|write))?"
                    r"|(?:it|that|it'?s|its)?\s*should\s+(?:be|have\s+been|of\s+been|say|read))"
                    r"\s+(?P<new>.+?)(?:" + _NOT + r"(?P<old>.+?))?"
                    + _TAIL, _I)
# "41 not 14", "friday, not thursday": short on both sides
_SWAP = re.compile(_LEAD + r"(?P<new>(?:[\w'-]+\s+){0,3}[\w'-]+)" + _NOT + r"(?P<old>(?:[\w'-]+\s+){0,3}?[\w'-]+)"
                   + _TAIL, _I)
# "oops, number 41", "actually friday", "no wait, the shed": a word of correcting, then the value alone
_OOPS = re.compile(r"^\W*(?:(?:oops|whoops|oopsie|sorry|soz|sry|wait|actually|my\s+bad|no|nope|typo)\b[\s,.!-]*)+"
                   r"(?P<new>(?:[\w'-]+\s+){0,3}[\w'-]+)" + _TAIL, _I)
_NUMBER = re.compile(r"^(?:number\s+|no\.?\s*|#)?(\d{1,4}[a-z]?)$", _I)
_TEXT_PARAMS = ("neighbour", "safe_place", "note")


@dataclasses.dataclass(frozen=True)
class Correction:
    new: str
    old: str | None
    start: int  # where the new words are in the message
    end: int


def read(text: str) -> Correction | None:
    """The new words (and the replaced ones, if said) of a message that is only a correction, or None."""
    for pattern in (_SAID, _MEANT, _SWAP, _OOPS):
        found = pattern.match(text)
        if found and found.group("new").strip():
            old = found.group("old") if "old" in pattern.groupindex else None
            return Correction(found.group("new"), old.strip() if old else None, found.start("new"), found.end("new"))
    return None


def take(turn: Turn, made: dict | None) -> bool:
    """If this message corrects the change just made, ask for it again with the corrected value: True if it did."""
    if not made or turn.state.stack:
        return False
    flow = REGISTRY.get(str(made.get("kind") or ""))
    correction = read(turn.text)
    if flow is None or not flow.amend or correction is None:
        return False
    answer = _answer(turn, flow, made, correction)
    if answer is None:
        return False
    text, entities = answer
    turn.call(flow.name, then=None)
    turn.state.stack[-1].slots.update(dict(made.get("journey_slots") or {}))
    turn.remember(tracking_number=made.get("tracking"))
    turn.nlu = dataclasses.replace(turn.nlu, text=text, intent="inform", confidence=1.0, entities=entities,
                                   clarify=None)
    turn.text = text
    flow.run_step(turn, flow.amend)
    return True


def _answer(turn: Turn, flow: Flow, made: dict, correction: Correction) -> tuple[str, list[Entity]] | None:
    """What the journey's question hears: the whole message where the journey reads corrections itself ("41 not 14"
    at an address), the new words where they name its kind of value, else what was made with the old words
    replaced by the new ("number 14" -> "number 41"). None: this is no correction of that change."""
    if flow.corrected_by is not None and flow.corrected_by(turn.text, dict(made.get("journey_slots") or {})):
        return turn.text, list(turn.nlu.entities)
    own = [dataclasses.replace(e, start=e.start - correction.start, end=e.end - correction.start)
           for e in turn.nlu.entities
           if e.entity in flow.values and correction.start <= e.start and e.end <= correction.end]
    if own:
        return correction.new, own
    was = next((v for k, v in (made.get("params") or {}).items() if k in _TEXT_PARAMS and isinstance(v, str)), None)
    if not was:
        return None
    old = correction.old
    if old is None:  # "sorry i meant 41": the one number in "number 14"
        numbers = re.findall(r"\b\d{1,4}[a-z]?\b", was, _I)
        if not (_NUMBER.match(correction.new.strip()) and len(numbers) == 1):
            return None
        old = numbers[0]
    spot = re.search(rf"(?<!\w){re.escape(old)}(?!\w)", was, _I)
    if spot is None:
        return None
    new = correction.new.strip()
    number = _NUMBER.match(new)
    if number and re.fullmatch(r"\d{1,4}[a-z]?", old, _I):
        new = number.group(1)  # "number 41 not 14" in "number 14": the number alone replaces the number
    return was[: spot.start()] + new + was[spot.end():], []
