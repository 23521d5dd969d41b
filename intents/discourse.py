"""How shoppers actually write: two requests in one message, "not X", and corrections ("no wait, ...").

Plain text functions, the same for every channel and journey:
- `clauses(text)`: the parts of a message that could each be a request ("leave it with number 9 | and tell the
  driver to watch out for the dog"); the engine parses each, and the router queues the second request instead
  of dropping it;
- `is_negated(clause)`: "i dont want a pickup point", "not piccadilly", "stop sending me X": a "not X" never
  starts X, and counts as a preference against it (`excluded(text)` names what is ruled out);
- `last_word(text)`: after a correction the last word wins: "with reception i guess, no wait, put it in the
  porch" -> "put it in the porch"; "no, the note should say: ..." -> "the note should say: ...".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Where a new request starts: the end of a sentence, or a joining word followed by a request's first words.
_REQUEST_START = (
    r"(?:can|could|would|will)\s+(?:you|u|ya|the\s+driver)|pls|please|plz|tell|ask|let|add|leave|move|send|put"
    r"|make\s+sure|deliver|drop|hold|keep|change|cancel|redeliver|reschedule|collect|bring|give|when|where|what"
    r"|how|is|are|does|do|did|has|have|i\s+(?:just\s+|only\s+|really\s+|would\s+|'d\s+)?(?:want|need|like|prefer)"
    r"|i\s+(?:would|'d|'ll|will)|id|ill|if|also|just"
)
_SPLIT = re.compile(
    r"(?:[.!?]+\s+|[.!?]{2,}\s*|\s*;\s*|\s+-\s+"
    rf"|,\s*(?:and|but|also|then|so|plus|oh|oh\s+and)?\s*(?=(?:{_REQUEST_START})\b)"
    rf"|\s+(?:and|also|but|plus)\s+(?:also\s+|then\s+)?(?=(?:{_REQUEST_START})\b)"
    r"|\s+also\s+)",
    re.IGNORECASE,
)
# "Not X" as shoppers write it: a wish against something ("i dont want a pickup point"), a don't-do-this ("dont
# cancel the order", "don't leave it outside"), "no X" / "not X" ("no pickup point", "not piccadilly"), "stop
# sending me X". Not a statement of fact: "never arrived", "didn't come", "not delivered" are requests in
# themselves (a missing parcel), and "don't leave my parcels with 14 any more" ends a standing preference.
_LEAD = r"^\W*(?:(?:no|nah|nope|oh|and|but|so|ok|okay|please|pls|plz|just|um|hmm)\W+)*"
_NEGATION = re.compile(
    _LEAD
    + r"(?:(?:i\s+)?(?:really\s+)?(?:do\s*n[o']?t|dont|do\s+not|did\s*n[o']?t|didnt)\s+(?:really\s+)?"
    r"(?:want|need|like|wish|fancy|ask\s+for)\b"
    r"|(?:i'?d|i\s+would)?\s*rather\s+not\b|no\s+need\s+(?:for|to)\b|not\s+interested\s+in\b"
    r"|(?:please\s+)?(?:do\s*n[o']?t|dont|do\s+not|never)\s+(?:cancel|send|deliver|redeliver|reschedule|move"
    r"|change|hold|collect|leave|put|give|bring|take|add|return|post|drop|book|redirect)\b"
    r"|stop\s+(?:sending|giving|offering|suggesting|showing|telling|asking)\b"
    r"|(?:no|not)\s+(?!(?:sure|now|yet|really|idea|clue|here|there|home|in|at|delivered|received|arrived|come"
    r"|came|turned|showing|working|right|good|happy|ok|okay|been|had|got|gotten|seen|found|mine|me|my|for|until"
    r"|till|before|after|on|anyone|anybody|any|long|much|very|quite|one|thanks|thank|sign|trace|news|word"
    r"|update|answer|reply|response|knock|card|email|text|message|call|parcel|package|delivery|show|way)\b)"
    r"(?:the\s+|a\s+|an\s+"
    r"|to\s+(?:a\s+|the\s+)?)?[a-z])",
    re.IGNORECASE,
)
_ONGOING = re.compile(r"\b(?:any\s*more|again|in\s+(?:the\s+)?future|from\s+now\s+on|no\s+longer|ever)\b",
                      re.IGNORECASE)
# A bare "no" or "no thanks" answers a question; it rules nothing out by itself.
_BARE_NO = re.compile(
    r"^\W*(?:no|nah|nope|no\s+thanks?|no\s+thank\s+you|not\s+really|not\s+now|not\s+yet|not\s+sure|no\s+ta"
    r"|no\s+idea|not\s+a\s+clue|dont\s+know|don'?t\s+know|not\s+that\s+i\s+know)\W*$",
    re.IGNORECASE,
)
_EXCLUDED = re.compile(
    r"\b(?:not|no|anything\s+but|except(?:\s+for)?|other\s+than|apart\s+from|rather\s+than|instead\s+of)\s+"
    r"(?:the\s+|a\s+|an\s+|that\s+|to\s+(?:a\s+|the\s+)?)?(?P<term>[a-z][\w'&-]*(?:\s+[a-z][\w'&-]*){0,3}?)"
    r"(?=\s*(?:[,.!?;]|$|\s+(?:please|pls|thanks|one|1|again|instead|either|is|it|its|it's|i|but|and)\b))",
    re.IGNORECASE,
)
_NOT_A_TERM = frozenset({"sure", "now", "yet", "really", "today", "home", "in", "there", "thanks", "problem",
                         "worries", "idea", "one", "longer", "need", "way", "much", "bad", "good", "ok", "okay",
                         "dont", "don't", "do", "did", "didnt", "want", "i", "me", "my", "it", "is", "at", "here"})
_CORRECTION = re.compile(
    r"(?:\bno\s+wait\b|\bwait\s+no\b|\bwait\b,|\bsorry,?\s+(?:i\s+)?mean[t]?\b|\bi\s+mean[t]?\b|\bactually(?:,?\s+no)?\b"
    r"|\bon\s+second\s+thoughts?\b|\bscratch\s+that\b|\bchange\s+(?:it|that)\s+to\b|\bmake\s+(?:it|that)\b"
    r"|\bcorrection\b|\bno,?\s+sorry\b|\bsorry,?\s+no\b|\bor\s+rather\b|\bi\s+changed\s+my\s+mind\b)",
    re.IGNORECASE,
)
_LEADING_NO = re.compile(r"^\W*(?:no|nope|nah|sorry|oops|ok|okay|right)\s*[,.!:;-]+\s*", re.IGNORECASE)
_TRAILING_INSTEAD = re.compile(r"\s+(?:instead|please|pls|thanks|thank\s+you|ta)\W*$", re.IGNORECASE)


@dataclass(frozen=True)
class Clause:
    text: str
    start: int
    end: int
    negated: bool


def clauses(text: str) -> list[Clause]:
    """The parts of a message that could each be a request, in order, with where they sit in the text."""
    parts: list[Clause] = []
    pos = 0
    for match in _SPLIT.finditer(text):
        _add(parts, text, pos, match.start())
        pos = match.end()
    _add(parts, text, pos, len(text))
    return parts or [Clause(text, 0, len(text), is_negated(text))]


def _add(parts: list[Clause], text: str, start: int, end: int) -> None:
    piece = text[start:end]
    stripped = piece.strip(" ,;:-")
    if not re.search(r"\w", stripped):
        return
    offset = start + piece.find(stripped)
    parts.append(Clause(stripped, offset, offset + len(stripped), is_negated(stripped)))


def is_negated(clause: str) -> bool:
    """Does this clause say what the shopper does NOT want ("i dont want a pickup point", "not piccadilly")?"""
    if _BARE_NO.match(clause) or _ONGOING.search(clause):
        return False
    return bool(_NEGATION.match(clause))


def excluded(text: str) -> list[str]:
    """What a message rules out, in its own words: "is there one nearer? not piccadilly" -> ["piccadilly"]."""
    found = []
    for match in _EXCLUDED.finditer(text):
        term = match.group("term").strip().lower()
        if term.split()[0] not in _NOT_A_TERM:
            found.append(term)
    return found


def has_correction(text: str) -> bool:
    return bool(_CORRECTION.search(text))


def last_word(text: str) -> str:
    """What the shopper settled on: the words after the last correction ("..., no wait, put it in the porch"
    -> "put it in the porch"), without a leading "no," and a trailing "instead" or "please"."""
    last = None
    for match in _CORRECTION.finditer(text):
        if text[match.end():].strip(" ,.;:!-"):
            last = match
    settled = text[last.end():] if last is not None else text
    settled = settled.strip(" ,.;:!-")
    if last is None and re.search(r"\w", _LEADING_NO.sub("", settled, count=1)):
        settled = _LEADING_NO.sub("", settled, count=1)
    settled = _TRAILING_INSTEAD.sub("", settled).strip(" ,.;:!-")
    return settled or text.strip()
