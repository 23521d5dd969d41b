"""Reading a message's intent again from part of it, where the classifier misread the whole: without the number and
postcode beside a request (`request_beside_identifiers`), without the "I'd rather you didn't" before the request it
refuses (`refusal`), without the "hang on," it opens with (`past_filler`).

Its own module because these, unlike discourse.py's plain text functions, take the classifier's reading and a way
to ask it again (`reparse`), and correct that reading; the engine runs them in turn (bot/engine/understanding.py).
The words they look for are discourse.py's.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable

from intents.discourse import FILLER, LEAD, is_negated
from intents.types import OUT_OF_SCOPE, ParseResult

# The words that say which parcel ("PB123 M1 4BT") are no request; beside a request they swamp it.
_IDENTIFIERS = frozenset({"tracking_number", "order_number", "postcode", "zip_code"})
_ANSWERS = frozenset({"inform", "affirm", "deny"})
_NO_REQUEST = _ANSWERS | {OUT_OF_SCOPE, "greet", "goodbye", "thank_you", "help"}


_ID_LABEL = re.compile(r"\b(?:(?:the\s+|my\s+|delivery\s+)?(?:post\s?code|zip(?:\s?code)?|tracking(?:\s+(?:number|no))?"
                       r"|order(?:\s+(?:number|no))?|ref(?:erence)?|number)\s*(?:is\s*)?[:#-]?\s*)$", re.IGNORECASE)

# What only introduces the number and postcode ("its PB123 and my postcode is M1 4BT", "here's the number ... and the
# zip"): when nothing else is left, no request is. Read again, "its and my" was a damage report at 0.5 (review 11);
# "cancel it" beside them has a word of its own and is read again as before.
_INTRODUCING = re.compile(
    r"\b(?:it'?s|it|is|are|here'?s|here|heres|this|that'?s|and|my|the|our|its|hi|hello|hey|hiya|ok|okay|thanks|ta"
    r"|cheers|please|pls|number|no|num|post\s?code|zip(?:\s?code)?|code|tracking|order|ref(?:erence)?|also)\b",
    re.IGNORECASE)


def request_beside_identifiers(parse: ParseResult, reparse: Callable[[str], ParseResult]) -> ParseResult:
    """ "PB100000002GB M1 4BT leave it with number 16": the number and postcode read as an answer ("inform")
    and hide the request. Read the intent again without them; if the rest is a clear request, that is the
    intent (the entities, number and postcode included, are the whole message's)."""
    spans = [(e.start, e.end) for e in parse.entities if e.entity in _IDENTIFIERS]
    if not spans or parse.intent not in _ANSWERS:
        return parse
    rest = parse.text
    for start, end in spans:
        label = _ID_LABEL.search(rest, 0, start)  # "postcode M1 4BT": the label goes with its value
        start = label.start() if label else start
        rest = rest[:start] + " " * (end - start) + rest[end:]
    rest = " ".join(rest.split()).strip(" ,.;:-")
    if len(re.findall(r"[A-Za-z]{2,}", rest)) < 2 or not re.search(r"[A-Za-z]{2,}", _INTRODUCING.sub(" ", rest)):
        return parse
    again = reparse(rest)
    if again.intent in _NO_REQUEST or again.confidence < 0.5:
        return parse
    return dataclasses.replace(parse, intent=again.intent, confidence=again.confidence, ranking=again.ranking,
                               clarify=again.clarify)


# The words that make a request a refusal ("I'd rather you didn't ", "please don't ", "i dont want you to "): what
# follows them is the request refused.
_REFUSALLEAD = re.compile(
    LEAD + r"(?:(?:i\s+)?(?:really\s+)?(?:do\s*n[o']?t|dont|do\s+not)\s+(?:really\s+)?(?:want|need|like)\s+"
    r"(?:you|u|them|they|him|her|the\s+[a-z]+)\s+to\s+"
    r"|(?:i'?d|i\s+would|id)\s+(?:rather|prefer)\s+(?:(?:it\s+)?if\s+)?(?:(?:you|u|they|he|she|the\s+[a-z]+)\s+)?"
    r"(?:not|did\s*n[o']?t|didnt|did\s+not|would\s*n[o']?t|wouldnt|would\s+not|do\s*n[o']?t|dont|do\s+not"
    r"|never)\s+"
    r"|(?:please\s+|pls\s+|just\s+)?(?:do\s*n[o']?t|dont|do\s+not|never)\s+(?:ever\s+)?)",
    re.IGNORECASE)


def refusal(parse: ParseResult, reparse: Callable[[str], ParseResult]) -> ParseResult:
    """A "not X" the classifier reads as a plain answer ("I'd rather you didn't leave it outside": "deny"): note
    the request X it refuses (its words without the "not", read again), so it is declined, never started."""
    found = _REFUSALLEAD.match(parse.text)
    if parse.intent not in _NO_REQUEST or found is None or not is_negated(parse.text):
        return parse
    again = reparse(parse.text[found.end():])
    if again.intent in _NO_REQUEST or again.confidence < 0.5:
        return parse
    return dataclasses.replace(parse, refuses=again.intent)


def past_filler(parse: ParseResult, reparse: Callable[[str], ParseResult]) -> ParseResult:
    """Read the intent of a message without the interjection it opens with ("hang on, where is it"); the entities
    stay the whole message's. Only when the rest is a clear reading of its own."""
    found = FILLER.match(parse.text)
    if found is None or found.end() >= len(parse.text):
        return parse
    again = reparse(parse.text[found.end():])
    if again.confidence < 0.5 or (again.intent == parse.intent and again.confidence <= parse.confidence):
        return parse  # (the same reading, surer without the filler, takes the surer confidence: "hold on," diluted it)
    return dataclasses.replace(parse, intent=again.intent, confidence=again.confidence, ranking=again.ranking,
                               clarify=again.clarify)
