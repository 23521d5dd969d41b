"""House and flat numbers: "number 22", "no. 14", "#14 next door", "flat 3", "my neighbour at 16".

A number is only a house number with a house cue in front of it, or right after a neighbour
description; "#14" needs neighbour words after it, otherwise it is left to the order-number rules.
"""

from __future__ import annotations

import re

from intents.entities._base import QUANTITY_NOUNS, Candidate, cand

_NUM = r"(?P<n>\d{1,4}[a-z]?)\b(?![:./]\d|\s*(?:am|pm)\b)"
_NEIGHBOURISH = r"(?:next[\s-]*door|opposite|across|over\s+the\s+road|neighbou?rs?|upstairs|downstairs)"
_PATTERNS = (
    # (pattern, kind, priority bonus): the "#14 next door" form must beat a merchant's "#\d+" order rule
    (re.compile(rf"(?<![\w&])(?:house\s+|door\s+)?(?:number|num|no\.?|nr)\s*\#?\s*{_NUM}", re.I), "house", 0),
    (re.compile(rf"(?<![\w&])\#{_NUM}(?=\s*{_NEIGHBOURISH})", re.I), "house", 40),
    (re.compile(rf"\b(?:at|to|with)\s+(?P<hash>\#){_NUM}", re.I), "house", 40),
    (re.compile(rf"\b(?P<kind>flat|apartment|apt\.?|unit|suite)\s*\#?\s*{_NUM}", re.I), None, 0),
    (re.compile(rf"\b(?:neighbou?rs?|next\s*door|opposite|lady|man|guy|bloke|chap|people|family|couple"
                rf"|(?:mrs?|ms|miss|dr)\.?\s+[a-z]+)\s+(?:at|in|@)\s+{_NUM}", re.I), "house", 0),
)
# A "number" cue that belongs to something else: "order number 2231", "phone no. 0161".
_OTHER_NUMBER = re.compile(
    r"\b(?:order|tracking|phone|mobile|tel|reference|ref|confirmation|account|invoice|parcel|item|case"
    r"|ticket|contact|my|your|the|a|wrong|this|that)\s*$|[£$€]\s*$",
    re.IGNORECASE,
)
_KINDS = {"flat": "flat", "apartment": "apartment", "apt": "apartment", "unit": "unit", "suite": "suite"}
_QUANTITY_AFTER = re.compile(rf"\s+{QUANTITY_NOUNS}\b", re.IGNORECASE)


def extract(text: str) -> list[Candidate]:
    if not any(c.isdigit() for c in text):
        return []
    out: list[Candidate] = []
    for pattern, kind, bonus in _PATTERNS:
        for m in pattern.finditer(text):
            if _QUANTITY_AFTER.match(text, m.end()):
                continue
            if kind == "house" and pattern is _PATTERNS[0][0] and _OTHER_NUMBER.search(text, 0, m.start()):
                continue
            start = m.start("n")
            if text[start - 1 : start] == "#":
                start -= 1  # "#14" is one token, as with "#100234"
            if "kind" in pattern.groupindex:
                start, resolved = m.start(), {"kind": _KINDS.get(m.group("kind").lower().rstrip("."), "flat")}
            else:
                resolved = {"kind": "house"}
            out.append(cand("house_number", m.group("n").upper(), start, m.end("n"), resolved, bonus=bonus))
    return out
