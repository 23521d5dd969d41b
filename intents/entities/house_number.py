"""House and flat numbers: "number 22", "no. 14", "house 14b", "#14 next door", "flat 3", "22 acacia ave",
"my neighbour at 16".

A number is only a house number with a house cue in front of it ("number", "no.", "house"), a street
after it ("12345 main st", up to three name words then st/road/ave/...), or right after a neighbour
description; "#14" needs neighbour words after it, otherwise it is left to the order-number rules.
Explicit cues and streets allow five digits (US street numbers); the looser cues stop at four. A flat
and a street number in one address ("flat 3, 22 acacia ave") are two entities, kind flat and house.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from intents import spelt_numbers
from intents.entities._base import QUANTITY_NOUNS, STREET_WORD, STREET_WORDS, Candidate, cand, tokens, word_set

_NUM = r"(?P<n>\d{1,4}[a-z]?)\b(?![:./]\d|\s*(?:am|pm)\b)"
_NUM5 = _NUM.replace("{1,4}", "{1,5}")  # after an explicit cue or before a street
# Up to three name words between the number and the street word; not "2 more on the way".
_NAME_WORD = (
    r"(?!(?:the|on|in|at|to|of|a|an|my|your|our|is|are|was|more|for|from|by|and|or|it|its|this|that|down|up"
    r"|along|across|off|near|other|all|with|round|around)\b)(?:\d{1,3}(?:st|nd|rd|th)|[a-z][a-z'.-]*)"
)
_NEIGHBOURISH = r"(?:next[\s-]*door|opposite|across|over\s+the\s+road|neighbou?rs?|upstairs|downstairs)"
_HASH = frozenset({"#"})  # gate meaning "the message contains a #"
# Words before "at 10" that name no one: "with them at 10", "with you at 10", a day or a place ("with work at 9").
_NOT_A_NAME = (r"(?:the|my|our|your|a|an|it|them|him|her|me|us|you|one|someone|anyone|work|home|school|office"
               r"|reception|today|tomorrow|tonight|monday|tuesday|wednesday|thursday|friday|saturday|sunday)")


@dataclass(frozen=True)
class _Rule:
    gate: frozenset[str]  # one of these words must be in the message
    pattern: re.Pattern[str]
    check_cue: bool = False  # "number 22" form: reject "order number 2231" and friends
    bonus: int = 0  # "#14 next door" must beat a merchant's "#\d+" order-number rule


_RULES = (
    _Rule(
        frozenset({"number", "num", "no", "nr"}),
        re.compile(rf"(?<![\w&])(?:house\s+|door\s+)?(?:number|num|no\.?|nr)\s*\#?\s*{_NUM5}", re.I),
        check_cue=True,
    ),
    _Rule(frozenset({"house"}), re.compile(rf"\bhouse\s*\#?\s*{_NUM5}(?!\s*doors?\b)", re.I)),  # "house 14b"
    _Rule(  # "22 acacia ave", "12345 main st", "101 W 14th St"
        STREET_WORDS,
        re.compile(
            rf"(?<![\w#£$€.,/:-]){_NUM5}(?=\s+(?:{_NAME_WORD}\s+){{1,3}}{STREET_WORD})",
            re.I,
        ),
    ),
    _Rule(_HASH, re.compile(rf"(?<![\w&])\#{_NUM}(?=\s*{_NEIGHBOURISH})", re.I), bonus=40),
    _Rule(_HASH, re.compile(rf"\b(?:at|to|with)\s+\#{_NUM}", re.I), bonus=40),
    _Rule(  # "house number should be 7", "my flat number, it's 12"
        frozenset({"number"}),
        re.compile(rf"\b(?P<kind>house|flat|apartment|apt|door)\s+number\b[^.!?\d]{{0,20}}?{_NUM5}", re.I),
    ),
    _Rule(
        frozenset({"flat", "apartment", "apt", "unit", "suite"}),
        re.compile(rf"\b(?P<kind>flat|apartment|apt\.?|unit|suite)\s*\#?\s*{_NUM}", re.I),
    ),
    _Rule(
        word_set(
            "neighbour neighbours neighbor neighbors next nextdoor opposite lady man guy bloke chap people"
            " family couple mrs mr ms miss dr"
        ),
        re.compile(
            rf"\b(?:neighbou?rs?|next\s*door|opposite|lady|man|guy|bloke|chap|people|family|couple"
            rf"|(?:mrs?|ms|miss|dr)\.?\s+[a-z]+)\s+(?:at|in|@)\s+{_NUM}",
            re.I,
        ),
    ),
    _Rule(  # "my neighbour sue at 10", "leave it with dave at 14", "give it to jo at 4": a name, then its house
        word_set("with to neighbour neighbours neighbor neighbors"),
        re.compile(
            rf"(?:\bneighbou?rs?\s+|(?<=\bwith\s)|(?<=\bgive\sit\sto\s)|(?<=\bhand\sit\sto\s))(?!{_NOT_A_NAME}\b)"
            rf"[a-z]{{2,15}}\s+(?:at|@)\s+{_NUM}",
            re.I,
        ),
    ),
)
# A "number" cue that belongs to something else: "order number 2231", "phone no. 0161".
_OTHER_NUMBER = re.compile(
    r"\b(?:order|tracking|phone|mobile|tel|reference|ref|confirmation|account|invoice|parcel|item|case"
    r"|ticket|contact|code|pin|booking|customer|claim|return|serial|my|your|the|a|wrong|this|that)\s*$|[£$€]\s*$",
    re.IGNORECASE,
)
_KINDS = {
    "house": "house",
    "door": "house",
    "flat": "flat",
    "apartment": "apartment",
    "apt": "apartment",
    "unit": "unit",
    "suite": "suite",
}
_QUANTITY_AFTER = re.compile(rf"\s+{QUANTITY_NOUNS}\b", re.IGNORECASE)


_CUE_BEFORE = re.compile(r"(?:number|num|no\.|no|nr)\s$", re.IGNORECASE)


def _spelt(text: str) -> list[Candidate]:
    """A house number in words after its cue ("number five", "no. twelve", "house number twenty two"): review 12
    found "please leave to number five" asked "did you mean" and "my neighbour at number nine" "Which neighbour?"."""
    out = []
    for m in spelt_numbers.AFTER_CUE.finditer(text):
        cue = _CUE_BEFORE.search(text, 0, m.start())
        if cue is None or _OTHER_NUMBER.search(text, 0, cue.start()):
            continue  # "order number two"
        out.append(cand("house_number", str(spelt_numbers.value(m)), m.start(), m.end(), {"kind": "house"}))
    return out


def extract(text: str) -> list[Candidate]:
    toks = tokens(text)
    if not any(t[0].isdigit() for t in toks):
        return _spelt(text) if not {"number", "num", "no", "nr"}.isdisjoint(toks) else []
    if "#" in text:
        toks = toks | _HASH
    out: list[Candidate] = []
    for rule in _RULES:
        if rule.gate.isdisjoint(toks):
            continue
        for m in rule.pattern.finditer(text):
            if _QUANTITY_AFTER.match(text, m.end()):
                continue
            if rule.check_cue and _OTHER_NUMBER.search(text, 0, m.start()):
                continue
            start = m.start("n")
            if text[start - 1 : start] == "#":
                start -= 1  # "#14" is one token, as with "#100234"
            resolved = {"kind": "house"}
            if "kind" in rule.pattern.groupindex:
                resolved = {"kind": _KINDS.get(m.group("kind").lower().rstrip("."), "house")}
                if "number" not in m.group(0).lower():
                    start = m.start()  # "flat 3": the kind word is part of the span
            out.append(cand("house_number", m.group("n").upper(), start, m.end("n"), resolved, bonus=rule.bonus))
    return out + _spelt(text)
