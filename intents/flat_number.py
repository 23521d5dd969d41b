"""'flat number is 4b', 'i forgot my flat number, it's 12', 'forgot to put the apt number, its 7': the flat,
apartment or unit number of the delivery address, given as one.

Why a rule beside the classifier: a short message of a number and "flat number" reads like nothing it was taught
("flat number is 4b" was out of scope, review 10), while its words are plain: the unit named as a number ("flat
number", "apt no.") and the number said just after it. Only a parse the classifier was unsure of, or read as out of
scope, becomes an address change (whose journey adds the flat to the address on file: dialogues/kit/address_text).
A bare "12", or "my house number is 12", names no flat and is left alone.
"""

from __future__ import annotations

import dataclasses
import re

from intents.types import OUT_OF_SCOPE, ParseResult

ADDRESS = "change_delivery_address"
CONFIDENCE = 0.8
_UNSURE = 0.6
_NOTHING_ASKED = frozenset({OUT_OF_SCOPE, "help", "inform"})  # "the unit number is 5": a bare value, or help
# The words for a unit of a building, and the unit named as a number ("flat number", "apt no.") with the number said
# just after it ("is", "'s missing, its", a comma or a dash between). One table: the address journey reads the same
# words when it adds the flat to the address on file (dialogues/kit/address_text.py imports these).
UNIT = r"(?:flat|apartment|apt|unit|suite|ste|room|studio|maisonette|floor|block)"
UNIT_NUMBER = re.compile(rf"\b(?P<kind>{UNIT})\s+(?:number|no\.?|num|#)(?!\w)", re.IGNORECASE)
SAID_NUMBER = re.compile(r"[^\d\n]{0,30}?(?<![\w#£$])(?P<number>\d{1,4}[a-z]?)\b", re.IGNORECASE)


def _given(text: str) -> bool:
    return any(SAID_NUMBER.match(text, named.end()) for named in UNIT_NUMBER.finditer(text))


def flat_number(parsed: ParseResult) -> ParseResult:
    """The parse, as an address change when the message gives a flat's number and the classifier was unsure or
    heard it as out of scope, a bare value or a call for help; otherwise as it was."""
    if parsed.intent == ADDRESS or not _given(parsed.text):
        return parsed
    if parsed.intent not in _NOTHING_ASKED and parsed.confidence >= _UNSURE and not parsed.clarify:
        return parsed
    # As sure as CONFIDENCE, no surer: at a free-text question ("Which neighbour?") it is not sure enough to switch
    return dataclasses.replace(parsed, intent=ADDRESS, confidence=CONFIDENCE, clarify=None)
