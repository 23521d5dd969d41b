"""Reading a message the way shoppers write: two requests at once, and "not X" beside (or instead of) a request.

The engine hands the Turn each part of a message parsed on its own (intents/discourse.py). Before anything
starts, the router reads them here:
- a part that says what the shopper does NOT want ("i dont want a pickup point", "not piccadilly") never starts
  it: its intent and words go into the conversation's `avoid` list, which suggestions and lists respect;
- the first wanted request is handled now, on the message with the other requests and the refusals blanked out
  (so their words don't leak into it); each further request waits in the conversation's queue and starts, with
  a word about it, as soon as the journey before it ends (one code can cover both: a proof lasts 15 minutes).
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

from dialogues.base import REGISTRY, Turn
from intents.discourse import excluded, is_negated
from intents.types import ParsedClause, ParseResult

# Intents that are answers or small talk, not requests: they never queue and are never "declined".
NOT_REQUESTS = frozenset({"affirm", "deny", "inform", "greet", "goodbye", "thank_you", "out_of_scope", "help",
                          "opt_out", "talk_to_human"})
REQUEST_CONFIDENCE = 0.5
# While a question is open the message is first of all its answer: only a part that is clearly another request
# (as sure as a topic switch during a free-text question) is split off and queued.
ANSWER_SPLIT_CONFIDENCE = 0.85
MAX_QUEUED = 3


@dataclass(frozen=True)
class Reading:
    declined: tuple[str, ...] = ()  # intents the shopper said no to, in this message
    primary: ParsedClause | None = None  # the request to handle now, when the message has several parts
    others: tuple[ParsedClause, ...] = ()  # further requests, for the queue
    only_declined: bool = False  # the message says what they don't want, and asks for nothing else


def _flow_of(intent: str) -> str | None:
    flow = REGISTRY.get(intent)
    return flow.name if flow is not None else None


def _is_request(parse: ParseResult) -> bool:
    return (parse.intent not in NOT_REQUESTS and parse.intent in REGISTRY
            and parse.confidence >= REQUEST_CONFIDENCE)


def read(turn: Turn) -> Reading:
    nlu = turn.nlu
    if not turn.clauses:
        if is_negated(turn.text) and _is_request(nlu):
            return Reading(declined=(nlu.intent,), only_declined=True)
        return Reading()
    declined = tuple(dict.fromkeys(c.parse.intent for c in turn.clauses if c.negated and _is_request(c.parse)))
    wanted: list[ParsedClause] = []
    for clause in turn.clauses:
        if clause.negated or not _is_request(clause.parse) or clause.parse.intent in declined:
            continue
        if _flow_of(clause.parse.intent) not in {_flow_of(w.parse.intent) for w in wanted}:
            wanted.append(clause)
    if not wanted:
        return Reading(declined=declined, only_declined=bool(declined) and nlu.intent in declined)
    return Reading(declined=declined, primary=wanted[0], others=tuple(wanted[1:]))


def read_answer(turn: Turn) -> Reading:
    """A message while a question is open: the answer stays whole, but a later part that is clearly another
    request waits in the queue, and a "not X" is noted."""
    nlu = turn.nlu
    if not turn.clauses:
        negated = is_negated(turn.text) and _is_request(nlu)
        return Reading(declined=(nlu.intent,) if negated else ())
    declined = tuple(dict.fromkeys(c.parse.intent for c in turn.clauses if c.negated and _is_request(c.parse)))
    open_flows = {f.flow for f in turn.state.stack}
    others = tuple(
        c for c in turn.clauses[1:]
        if not c.negated and _is_request(c.parse) and c.parse.confidence >= ANSWER_SPLIT_CONFIDENCE
        and _flow_of(c.parse.intent) not in open_flows
    )
    return Reading(declined=declined, others=others)


def apply(turn: Turn, reading: Reading) -> None:
    """Note what was declined; narrow the turn to its first request; queue the others."""
    state = turn.state
    for intent in reading.declined:
        if intent not in state.avoid:
            state.avoid.append(intent)
    for words in excluded(turn.text):
        if words not in state.avoid:
            state.avoid.append(words)
    if not turn.clauses or (reading.primary is None and not reading.others):
        return
    blank = [c for c in turn.clauses if c is not reading.primary and (c in reading.others
                                                                     or (c.negated and reading.primary))]
    text = turn.text
    for c in blank:
        text = text[: c.start] + " " * (c.end - c.start) + text[c.end :]
    entities = [e for e in turn.nlu.entities if not any(c.start <= e.start < c.end for c in blank)]
    turn.nlu = dataclasses.replace(turn.nlu, text=text, entities=entities)
    if reading.primary is not None:
        primary = reading.primary.parse
        turn.nlu = dataclasses.replace(turn.nlu, intent=primary.intent, confidence=primary.confidence, clarify=None)
    turn.text = text
    for other in reading.others:
        if len(state.queue) < MAX_QUEUED:
            state.queue.append(other.parse.to_saved())


def declined_kinds(turn: Turn) -> set[str]:
    """The intents (journey names) the shopper said no to in this conversation."""
    return {a for a in turn.state.avoid if a in REGISTRY}


def avoided_words(turn: Turn) -> list[str]:
    """The shopper's own words for what they don't want ("piccadilly", "the locker")."""
    return [a for a in turn.state.avoid if a not in REGISTRY]


def rules_out(turn: Turn, label: str) -> bool:
    """Does this option's label name something the shopper ruled out ("Piccadilly Corner Shop" after "not
    piccadilly")?"""
    low = label.lower()
    return any(re.search(rf"\b{re.escape(words)}", low) for words in avoided_words(turn))


def next_queued(turn: Turn) -> bool:
    """Start the next request the shopper made earlier, if the journey before it has ended. True if one did."""
    state = turn.state
    if state.stack or not state.queue:
        return False
    saved = state.queue.pop(0)
    parse = ParseResult.from_saved(saved)
    flow = REGISTRY.get(parse.intent)
    if flow is None:
        return False
    label = f"label_{flow.name}"
    turn.say("utter_next_request", what=turn.render(label) if turn.voice.has(label) else parse.intent)
    turn.nlu, turn.text = parse, parse.text
    flow.run_start(turn)
    return True
