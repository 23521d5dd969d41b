"""US ZIP codes (12345 or 12345-6789), only where a five-digit number is plausibly a ZIP.

Rule: a 5-digit number is a ZIP when (a) it is ZIP+4 shaped (12345-6789), (b) "zip" / "zipcode" /
"postal code" / "post code" comes earlier in the same clause ("zip should be 94103") or "is my zip"
follows, (c) it follows a capitalised USPS state code ("Austin, TX 78701"), or, for US merchants only,
(d) it is the whole message, (e) it follows "near" / "close to" ("lockers near 90210") or (f) it follows
"live in" / "deliver (it) to" / "send it to" / "ship to" and ends the clause ("deliver to 90210", not
"deliver to 12345 main st", which is a street number). A bare "in 12345" or "to 12345" stays
ambiguous, and anything else (order numbers, codes, amounts) is left alone.
"""

from __future__ import annotations

import re

from intents.context import ParseContext
from intents.entities._base import Candidate, cand

_FINDER = re.compile(r"(?<![\w#£$€.,/:-])(\d{5})(?:-(\d{4}))?(?![\w-]|[.,:/]\d)")
# "zip" (or "postal code") earlier in the same clause: "zip should be 94103", "wrong zip, pls use 02139".
_CUE = re.compile(r"\b(?:zip|zipcode|postal\s*code|post\s*code)\b[^.!?\d]{0,48}$", re.IGNORECASE)
_CUE_AFTER = re.compile(r"\s+(?:is|was)\s+(?:my|the)\s+(?:zip|zipcode|postal\s+code)\b", re.IGNORECASE)
_NEAR = re.compile(r"\b(?:near|close\s+to|nearest\s+to|around)\s+$", re.IGNORECASE)
_PLACE = re.compile(
    r"\b(?:(?:live|living|lives|located|based)\s+in|(?:deliver|send|ship|post|mail|bring|forward|redirect|move)"
    r"(?:\s+(?:it|them|this|that|(?:the|my)\s+(?:parcel|package|order|box|stuff)))?\s+to)\s+$",
    re.IGNORECASE,
)
_CLAUSE_END = re.compile(r"\s*(?:$|[,.!?;)]|(?:please|pls|plz|instead|now|thanks|thx|and|asap)\b)", re.IGNORECASE)
_STATES = frozenset({
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN", "IA", "KS",
    "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM", "NY", "NC",
    "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY",
    "PR", "GU", "VI", "AS", "MP",
})  # fmt: skip
_STATE_BEFORE = re.compile(r"\b([A-Z]{2}),?\s+$")  # case-sensitive on purpose: "in 12345" is not Indiana
_BARE = re.compile(r"^\s*(?:\d{5})(?:-\d{4})?\s*[.!]?\s*$")


def extract(text: str, context: ParseContext) -> list[Candidate]:
    out: list[Candidate] = []
    for m in _FINDER.finditer(text):
        before = text[max(0, m.start() - 20) : m.start()]
        state = _STATE_BEFORE.search(before)
        if m.group(2):
            why = "zip+4"
        elif _CUE.search(text, 0, m.start()) or _CUE_AFTER.match(text, m.end()):
            why = "cue"
        elif state and state.group(1) in _STATES:
            why = "state"
        elif context.region.upper() == "US" and _BARE.match(text):
            why = "bare"
        elif context.region.upper() == "US" and _NEAR.search(before):
            why = "near"
        elif context.region.upper() == "US" and _PLACE.search(text, 0, m.start()) and _CLAUSE_END.match(text, m.end()):
            why = "place"
        else:
            continue
        out.append(cand("zip_code", m.group(0), m.start(), m.end(), {"rule": why}))
    return out
