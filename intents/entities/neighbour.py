"""Who (or which door) may take the parcel: "next door", "the lady opposite", "my neighbour at 16",
"the blue door across the road", "Mrs Patel".

``value`` is the description as typed, minus a leading "the/my/our" and extra spaces. A house number
right next to it ("#14 next door", "neighbour at 16") stays its own ``house_number`` entity and is
linked here via ``resolved["house_number"]`` plus a combined ``resolved["description"]`` for the note.

Speed: most descriptions hang off a key noun (neighbour, lady, door...). Rather than trying a large
case-insensitive regex at every character, the words are scanned once, and only around a key noun
are the determiner/adjectives to its left and the locator to its right matched.
"""

from __future__ import annotations

import re

from intents import spelt_numbers
from intents.entities._base import Candidate, cand, tokens, word_set
from intents.entities.safe_place import OWNER

_NEIGHBOUR_WORDS = word_set("neighbour neighbours neighbor neighbors")
_PEOPLE_WORDS = word_set(
    "man men lady ladies woman women guy guys bloke chap fella gentleman gent girl boy people person family"
    " couple folk folks student students landlord landlady caretaker shop cafe café pub"
)
_BUILDING_WORDS = word_set("house door flat cottage bungalow building one place unit apartment")
_ADJ = (
    r"(?:\b(?:old|elderly|young|nice|lovely|retired|blue|red|green|black|white|yellow|grey|gray|brown|purple"
    r"|big|small|corner|end|other|first|second|next[\s-]*door)\s+){0,2}"
)
_LEFT = re.compile(rf"(?:\b(?:the|my|our|your|a|an)\s+)?{_ADJ}$", re.IGNORECASE)
_LOCATOR = (
    r"(?:next[\s-]*door|opposite|across\s+the\s+(?:road|street|way|hall|landing|corridor)|over\s+the\s+road"
    r"|upstairs|downstairs|below|above|on\s+the\s+(?:left|right|corner)|either\s+side"
    r"|(?:a\s+)?(?:couple\s+of|few|\d|two|three|four)\s+doors?\s+(?:down|up|along)"
    r"|with\s+the\s+[a-z]+\s+(?:door|car|gate|fence|van))"
)
# A capitalised name ("Dave next door", "my neighbour Sue"), not a capitalised sentence word.
_NAME = (
    r"(?-i:(?=[A-Z])(?!(?:Please|Pls|Thanks|Leave|Try|Or|And|If|Is|At|The|Can|Could|Will|Just|Ok|Okay|Yes|No"
    r"|Hi)\b)[A-Z][a-z]+)"
)
# "... at 16" / "... at number 16" (not "at 9am", "at 10:30"); the number itself is a house_number.
_AT_HOUSE = (r"(?=\s+(?:at|in|@)\s+(?:(?:(?:number|no\.?)\s*)?\d{1,4}[a-z]?\b(?![:.]\d|\s*[ap]\.?m\b)"
             r"|(?:number|no\.)\s+" + spelt_numbers.PLAIN + "))")  # "at number thirty-one" (review 12)
# A house called by its name ("my neighbour at The Willows", "next door at Rose Cottage"): capitalised words.
_HOUSE_NAME = r"(?-i:\s+(?:at|in)\s+(?:The\s+)?[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?)"
# A name as shoppers text it, in lower case ("leave it with sue at number 10", "give it to dave next door", "my
# neighbour jo at 4"): only after "with" / "give it to" or a neighbour word, and only where a house or a locator follows
# it, so "with them at number 10", "to my neighbour" or "move it to tuesday at 10" name nobody.
_LOWER_NAME = (
    r"(?!(?:the|my|our|your|a|an|this|that|number|num|no|house|flat|apartment|apt|unit|it|them|him|her|me|us|you"
    r"|one|either|neighbou?rs?|neighbors?|someone|somebody|anyone|anybody|whoever|people|next|door|opposite|at|in"
    r"|or|and|please|pls|work|home|school|office|reception|today|tomorrow|tonight|monday|tuesday|wednesday|thursday"
    r"|friday|saturday|sunday|mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun|noon|midday|lunch|least|last|first|about"
    r"|around)\b)[a-z]{2,15}"
)
_GIVEN_TO = r"(?:(?<=\bwith\s)|(?<=\bgive\sit\sto\s)|(?<=\bhand\sit\sto\s)|(?<=\bgive\sthem\sto\s))"
_LOWER_NAMED = rf"{_LOWER_NAME}(?:(?:\s+{_LOCATOR}\b){{1,2}}|(?={_AT_HOUSE}))"
_AFTER_NEIGHBOUR = re.compile(rf"(?:(?:\s+{_LOCATOR}\b){{1,2}}|\s+{_NAME}\b|\s+{_LOWER_NAMED}|{_HOUSE_NAME}\b)?",
                              re.IGNORECASE)
_AFTER_KEY = re.compile(rf"(?:\s+{_LOCATOR}\b){{1,2}}", re.IGNORECASE)  # "the blue door opposite"
_AT_HOUSE_AFTER = re.compile(_AT_HOUSE, re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_]+")

# Shapes without a key noun, each with the words that must be present for it to run.
_OTHER = (
    (word_set("next nextdoor doors"), re.compile(
        rf"\b(?:{_NAME}\s+)?(?:next[\s-]*door|(?:a\s+)?(?:couple\s+of|\d|two|three)\s+doors?\s+(?:down|up|along))\b",
        re.IGNORECASE)),
    (word_set("mrs mr ms miss dr"), re.compile(
        rf"\b(?:mrs?|ms|miss)\.?\s+[a-z]+\b|\bdr\.?\s+{_NAME}\b", re.IGNORECASE)),
    (word_set("at"), re.compile(
        rf"{_NAME}(?=\s+at\s+(?:number|no\.?)\s*\d)|(?:(?<=\bto\s)|(?<=\bwith\s)){_NAME}{_AT_HOUSE}",
        re.IGNORECASE)),
    (word_set("with to"), re.compile(_GIVEN_TO + _LOWER_NAMED, re.IGNORECASE)),
)  # fmt: skip
_LINK_AFTER = re.compile(
    r"\s*,?\s*(?:at|in|@|to)?\s*(?:(?:house\s+)?(?:number|no\.?|num)|flat|apartment|apt\.?)?\s*$", re.IGNORECASE
)
_LINK_BEFORE = re.compile(r"^\s*,?\s*$")
_GATE = _NEIGHBOUR_WORDS | _PEOPLE_WORDS | _BUILDING_WORDS | word_set(
    "next nextdoor doors mrs mr ms miss dr at with to")


def _clean(raw: str) -> str:
    value = re.sub(r"\s+", " ", raw).strip(" ,.")
    value = re.sub(r"^(?:the|my|our|your|a|an)\s+", "", value, flags=re.IGNORECASE)
    return re.sub(r"next[\s-]*door", "next door", value, flags=re.IGNORECASE)


def _spans(text: str, toks: frozenset[str]) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for w in _WORD.finditer(text):
        word = w.group().lower()
        if word in _NEIGHBOUR_WORDS:
            right = _AFTER_NEIGHBOUR.match(text, w.end())
            end = right.end() if right else w.end()
        elif word in _PEOPLE_WORDS or word in _BUILDING_WORDS:
            right = _AFTER_KEY.match(text, w.end())
            if right:
                end = right.end()
            elif word in _PEOPLE_WORDS and _AT_HOUSE_AFTER.match(text, w.end()):
                end = w.end()
            else:
                continue
        else:
            continue
        left = _LEFT.search(text, max(0, w.start() - 40), w.start())
        spans.append((left.start() if left else w.start(), end))
    for gate, pattern in _OTHER:
        if not gate.isdisjoint(toks):
            spans.extend(m.span() for m in pattern.finditer(text))
    return spans


def extract(text: str, houses: list[Candidate]) -> list[Candidate]:
    toks = tokens(text)
    if _GATE.isdisjoint(toks):
        return []
    out: list[Candidate] = []
    for start, end in _described(text, _spans(text, toks)):
        if _OWNS_A_PLACE.match(text, _word_start(text, end)):
            continue  # "my neighbour's porch": a safe place (whose it is), not the person to take it
        resolved: dict[str, str] = {}
        house = _linked_house(text, start, end, houses)
        if house is not None:
            lo, hi = min(start, house.start), max(end, house.end)
            cue = _CUE_BEFORE.search(text, 0, lo) if lo == house.start else None
            if cue is not None and not any(ch.isdigit() for ch in text[house.start:house.end]):
                lo = cue.start()  # "number eight next door", not "eight next door": a number in words needs its cue
            resolved = {"house_number": house.value, "description": _clean(text[lo:hi])}
        out.append(cand("neighbour", _clean(text[start:end]), start, end, resolved or None))
    return out


_OWNS_A_PLACE = re.compile(OWNER, re.IGNORECASE)
_CUE_BEFORE = re.compile(r"\b(?:number|num|no\.|nr)\s*$", re.IGNORECASE)
_APPOSITION = re.compile(r"\s*,\s*(?:i\.?e\.?\s+)?$", re.IGNORECASE)


def _described(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Spans in order, a description set after a comma joined to the one it describes ("next door, the one
    with the blue door"): one neighbour, said twice over, and the driver needs both halves."""
    out: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if out and _APPOSITION.fullmatch(text, out[-1][1], start):
            out[-1] = (out[-1][0], max(end, out[-1][1]))
        else:
            out.append((start, end))
    return out


def _word_start(text: str, end: int) -> int:
    """Where the word that the span ends in starts ("my neighbour" -> "neighbour")."""
    found = re.search(r"(?:next[\s-]*door|[^\W\d_]+)$", text[:end], re.IGNORECASE)
    return found.start() if found else end


def _linked_house(text: str, start: int, end: int, houses: list[Candidate]) -> Candidate | None:
    for h in houses:
        if h.start >= end and h.start - end <= 20 and _LINK_AFTER.fullmatch(text, end, h.start):
            return h
        if h.end <= start and start - h.end <= 3 and _LINK_BEFORE.match(text[h.end : start]):
            return h
    return None
