"""Who (or which door) may take the parcel: "next door", "the lady opposite", "my neighbour at 16",
"the blue door across the road", "Mrs Patel".

``value`` is the description as typed, minus a leading "the/my/our" and extra spaces. A house number
right next to it ("#14 next door", "neighbour at 16") stays its own ``house_number`` entity and is
linked here via ``resolved["house_number"]`` plus a combined ``resolved["description"]`` for the note.
"""

from __future__ import annotations

import re

from intents.entities._base import Candidate, cand, tokens, word_set

_DET = r"(?:(?:the|my|our|your|a|an)\s+)"
_ADJ = (
    r"(?:(?:old|elderly|young|nice|lovely|retired|blue|red|green|black|white|yellow|grey|gray|brown|purple"
    r"|big|small|corner|end|other|first|second|next[\s-]*door)\s+){0,2}"
)
_PEOPLE = (
    r"(?:man|men|lady|ladies|woman|women|guy|guys|bloke|chap|fella|gentleman|gent|girl|boy|people|person"
    r"|family|couple|folks?|students?|landlord|landlady|caretaker|shop|cafe|café|pub|neighbou?rs?)"
)
_BUILDING = r"(?:house|door|flat|cottage|bungalow|building|one|place|unit|apartment)"
_LOCATOR = (
    r"(?:next[\s-]*door|opposite|across\s+the\s+(?:road|street|way|hall|landing|corridor)|over\s+the\s+road"
    r"|upstairs|downstairs|below|above|on\s+the\s+(?:left|right|corner)|either\s+side"
    r"|(?:a\s+)?(?:couple\s+of|few|\d|two|three|four)\s+doors?\s+(?:down|up|along)"
    r"|with\s+the\s+[a-z]+\s+(?:door|car|gate|fence|van))"
)
# A capitalised name ("Dave next door", "my neighbour Sue"), not a capitalised sentence word.
_NAME = (
    r"(?-i:(?!(?:Please|Pls|Thanks|Leave|Try|Or|And|If|Is|At|The|Can|Could|Will|Just|Ok|Okay|Yes|No|Hi)\b)"
    r"[A-Z][a-z]+)"
)
# "... at 16" / "... at number 16" (not "at 9am", "at 10:30"); the number itself is a house_number.
_AT_HOUSE = r"(?=\s+(?:at|in|@)\s+(?:(?:number|no\.?)\s*)?\d{1,4}[a-z]?\b(?![:.]\d|\s*[ap]\.?m\b))"
_PATTERN = re.compile(
    rf"\b{_DET}?{_ADJ}neighbou?rs?(?:\s+{_LOCATOR}|\s+{_NAME})?\b"
    rf"|\b{_DET}?{_ADJ}{_PEOPLE}{_AT_HOUSE}"
    rf"|{_NAME}(?=\s+at\s+(?:number|no\.?)\s*\d)|(?:(?<=\bto\s)|(?<=\bwith\s)){_NAME}{_AT_HOUSE}"
    rf"|\b{_DET}?{_ADJ}(?:{_PEOPLE}|{_BUILDING})\s+{_LOCATOR}\b"
    rf"|\b(?:{_NAME}\s+)?(?:next[\s-]*door|(?:a\s+)?(?:couple\s+of|\d|two|three)\s+doors?\s+(?:down|up|along))\b"
    rf"|\b(?:mrs?|ms|miss)\.?\s+[a-z]+\b|\bdr\.?\s+{_NAME}\b",
    re.IGNORECASE,
)
_LINK_AFTER = re.compile(
    r"\s*,?\s*(?:at|in|@)?\s*(?:(?:house\s+)?(?:number|no\.?|num)|flat|apartment|apt\.?)?\s*$", re.IGNORECASE
)
_LINK_BEFORE = re.compile(r"^\s*,?\s*$")
# Every match needs one of these words (a neighbour noun, a locator or a title): a cheap pre-check.
_GATE = word_set(
    "neighbour neighbours neighbor neighbors next nextdoor opposite across over upstairs downstairs below above"
    " left right corner either door doors car gate fence van mrs mr ms miss dr at"
)


def _clean(raw: str) -> str:
    value = re.sub(r"\s+", " ", raw).strip(" ,.")
    value = re.sub(r"^(?:the|my|our|your|a|an)\s+", "", value, flags=re.IGNORECASE)
    return re.sub(r"next[\s-]*door", "next door", value, flags=re.IGNORECASE)


def extract(text: str, houses: list[Candidate]) -> list[Candidate]:
    out: list[Candidate] = []
    if _GATE.isdisjoint(tokens(text)):
        return out
    for m in _PATTERN.finditer(text):
        start, end = m.start(), m.end()
        resolved: dict[str, str] = {}
        house = _linked_house(text, start, end, houses)
        if house is not None:
            lo, hi = min(start, house.start), max(end, house.end)
            resolved = {"house_number": house.value, "description": _clean(text[lo:hi])}
        out.append(cand("neighbour", _clean(text[start:end]), start, end, resolved or None))
    return out


def _linked_house(text: str, start: int, end: int, houses: list[Candidate]) -> Candidate | None:
    for h in houses:
        if h.start >= end and h.start - end <= 20 and _LINK_AFTER.fullmatch(text, end, h.start):
            return h
        if h.end <= start and start - h.end <= 3 and _LINK_BEFORE.match(text[h.end : start]):
            return h
    return None
