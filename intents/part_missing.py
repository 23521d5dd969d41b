"""'some of my order is missing', 'there should be 3 items but only 2 came', 'the socks werent in the box': part of
a delivery missing, told. It is the claim for what came (dialogues/journeys/report_damaged.py, worded for a missing
item), not the whole parcel gone missing and not a change to make.

Why a rule beside the classifier: a third probe of plain messages found the story read as the missing-parcel report
("Have you found it? ... ask your neighbours", about a parcel the shopper is holding), as an address change ("there
should be 3 items but only 2 came") and as a bare answer ("i ordered 2 but only got 1"). Its words are plain: a part
(half, some, one of, N of N) that didn't come or is missing from the box or order. The journey reads the same words
to say what happened (`says_part_missing`), so the rule and the wording agree.
"""

from __future__ import annotations

import dataclasses
import re

from intents.types import ParseResult

CLAIM = "report_damaged"
CONFIDENCE = 0.8
_SURE = 0.9  # a classifier this sure of another request keeps it ("leave the rest with my neighbour")
_ALWAYS = frozenset({"report_not_received", "inform", "deny", "affirm", "out_of_scope", "help",
                     "change_delivery_address", "cancel_order"})

_N = r"(?:one|two|three|four|five|six|half|1|2|3|4|5|6|a\s+couple|a\s+few|some|part|most|any|all)"
# No "parcels": of a shopper's two parcels, one not come is another delivery (its status), not a part of this one.
_ORDER = r"(?:order|items?|things?|stuff|boxes|box|bits|pieces|delivery|bags?|products?)"
_CAME = r"(?:come|came|arrive[ds]?|turn(?:ed)?\s+up|show(?:ed)?\s+up|been\s+delivered|got\s+here|here)"
_NOT = (r"(?:did\s*n[o']?t|didnt|did\s+not|has\s*n[o']?t|hasnt|have\s*n[o']?t|havent|never|was\s*n[o']?t|wasnt"
        r"|were\s*n[o']?t|werent)")
_PART_MISSING = re.compile(
    # "half my order didnt come", "one of my items didnt arrive", "two of the boxes never turned up"
    rf"\b{_N}\s+(?:of\s+)?(?:my|the|our|your)\s+{_ORDER}\s+(?:\w+\s+){{0,2}}?{_NOT}\s+(?:\w+\s+)?{_CAME}\b"
    # "some of my order is missing", "stuff was missing", "something's missing from my order"
    rf"|\b(?:{_N}\s+(?:of\s+)?(?:my|the|our)\s+{_ORDER}|something|stuff|things|items?|bits?|pieces?|parts?|"
    rf"an?\s+item|one|1)\s*(?:'s|is|are|was|were|has\s+gone|have\s+gone)?\s+missing\b"
    rf"|\bmissing\s+(?:from|out\s+of)\s+(?:my|the|our)\s+{_ORDER}\b"
    r"|\bmissing\s+(?:an?\s+|one\s+|some\s+)?(?:item|piece|part|bit)s?\b"
    # "only got one of the two", "only one of the two boxes came", "only 2 arrived"
    rf"|\bonly\s+(?:got|received|had|came\s+with|found)\s+{_N}\b(?=\s*(?:$|[.,!?]|of\b|(?:\w+\s+)?{_ORDER}\b))"
    rf"|\bonly\s+{_N}\s+(?:(?:of|out\s+of)\s+(?:my|the|our)?\s*(?:{_N}\s+)?{_ORDER}?\s*)?(?:\w+\s+)?{_CAME}\b"
    # "there should be 3 items but only 2 came", "ordered 2 but only got 1"
    rf"|\b(?:should\s+(?:be|have\s+been)|ordered|paid\s+for|bought)\s+{_N}\b.{{0,30}}\bbut\s+(?:only|just)\b"
    # "the socks werent in the box", "the charger wasnt in there"
    r"|\b(?:was\s*n[o']?t|wasnt|were\s*n[o']?t|werent|is\s*n[o']?t|isnt|are\s*n[o']?t|arent|not)\s+in\s+(?:the|my)\s+"
    r"(?:box|parcel|package|bag|delivery)\b|\bnot\s+everything\s+(?:was|came|is|arrived)\b"
    # an empty box: "the box was empty", "only the box came, it was empty", "nothing in it"
    r"|\bempty\s+(?:box|parcel|package|bag)\b|\b(?:box|parcel|package|bag|it)\s+(?:was|is|came)\s+(?:completely\s+)?empty\b"
    r"|\bnothing\s+(?:was\s+)?in\s+(?:it|the\s+(?:box|parcel|package|bag))\b",
    re.IGNORECASE,
)
# The whole parcel, or a parcel of two that is another delivery ("my parcel is missing", "one of my parcels
# hasn't come" from a shopper with two deliveries is its own status): not a part of what came.
_WHOLE = re.compile(r"(?<!of\s)\b(?:my|the)\s+(?:parcel|package|order|delivery)\s+(?:is|was|has\s+gone)\s+missing\b",
                    re.IGNORECASE)


def says_part_missing(text: str) -> bool:
    """Does the message say part of what was delivered is missing?"""
    return bool(text) and _PART_MISSING.search(text.replace("\u2019", "'")) is not None and not _WHOLE.search(text)


def part_missing(parsed: ParseResult) -> ParseResult:
    """The parse, as the claim for what came when the message says part of the delivery is missing and the
    classifier heard the whole parcel missing, a bare answer, an address change or was unsure; otherwise as it was."""
    if not says_part_missing(parsed.text) or (parsed.intent == CLAIM and not parsed.clarify):
        return parsed
    if parsed.intent not in _ALWAYS and parsed.confidence >= _SURE and not parsed.clarify:
        return parsed
    return dataclasses.replace(parsed, intent=CLAIM, confidence=CONFIDENCE, clarify=None)
