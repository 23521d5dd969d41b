"""Access codes (gate, door, key-safe, building) found in what a shopper typed.

They are secrets: every path that stores shopper text (the message log, a note, a safe place, a neighbour)
finds them here, masks them, and seals them (bot/core/secrets_box.py) for the delivery's manifest only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CODE_MASK = "[code]"
LOG_MASK = "\u2022"  # what stands for each character of a code in the stored message log


# -- access codes ---------------------------------------------------------------------------------------
_PLACE = (
    r"(?P<place>gate|front\s+door|main\s+door|back\s+door|side\s+door|door|key\s*-?\s*safe|key\s*box|lock\s*box"
    r"|building|block|entry|entrance|access|lobby|intercom|buzzer|alarm|garage|bike\s+store|bin\s+store"
    r"|car\s*park|barrier)"
)


_WORD = r"(?:code|pin|passcode|pass\s*code|combination|combo)"


_DIGITS = r"(?P<code>[#*]?\d(?:[ -]?[\d#*]){2,9})"


_GAP = r"(?:(?!\b(?:call|ring|phone|text|tel|mobile)\b)[^\d.!?\n]){0,30}?"


_CODE_PATTERNS = (
    re.compile(rf"(?:\b{_PLACE}\s+)?\b{_WORD}\b{_GAP}{_DIGITS}", re.IGNORECASE),
    re.compile(rf"{_DIGITS}\s+(?:is\s+)?(?:the\s+|my\s+|our\s+)?(?:{_PLACE}\s+)?{_WORD}\b", re.IGNORECASE),
    re.compile(
        rf"\b(?P<place>gate|door|key\s*-?\s*safe|key\s*box|lock\s*box|intercom|buzzer)\s*(?:number|no\.?|#|:|-)?"
        rf"\s*{_DIGITS}",
        re.IGNORECASE,
    ),
)


_KINDS = (
    ("gate", "gate"), ("door", "door"), ("safe", "key-safe"), ("box", "key-safe"), ("alarm", "alarm"),
    ("garage", "garage"), ("store", "store"), ("park", "car park"), ("barrier", "barrier"),
    ("intercom", "intercom"), ("buzzer", "buzzer"), ("entr", "entry"),
)


_ANY_PLACE = re.compile(rf"\b{_PLACE}\b", re.IGNORECASE)


@dataclass(frozen=True)
class AccessCode:
    kind: str  # "gate", "door", "key-safe", "building", "access"...
    code: str
    start: int
    end: int


def _kind(place: str | None) -> str:
    if not place:
        return "access"
    low = place.lower()
    return next((kind for word, kind in _KINDS if word in low), "building")


def find_access_codes(text: str) -> list[AccessCode]:
    """Every access code in the text (non-overlapping, in order), with what it opens."""
    found: list[AccessCode] = []
    for pattern in _CODE_PATTERNS:
        for match in pattern.finditer(text):
            start, end = match.span("code")
            if sum(c.isdigit() for c in match.group("code")) < 3:
                continue
            if any(start < f.end and f.start < end for f in found):
                continue
            place = match.groupdict().get("place")
            if not place:  # "code for the side gate is 1234": the place may sit anywhere near
                near = _ANY_PLACE.search(text, max(0, match.start() - 30), min(len(text), match.end() + 30))
                place = near.group("place") if near else None
            code = re.sub(r"[\s-]", "", match.group("code"))
            found.append(AccessCode(_kind(place), code, start, end))
    return sorted(found, key=lambda c: c.start)


def mask_codes(text: str, codes: list[AccessCode]) -> str:
    for code in sorted(codes, key=lambda c: c.start, reverse=True):
        text = text[: code.start] + CODE_MASK + text[code.end :]
    return text


def redact_log(text: str) -> str:
    """The message log's copy of a shopper's text: every access code blanked out, character for character."""
    for code in reversed(find_access_codes(text)):
        text = text[: code.start] + LOG_MASK * (code.end - code.start) + text[code.end :]
    return text
