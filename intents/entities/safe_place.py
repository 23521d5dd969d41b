"""Where to leave the parcel: the phrase after "leave it / put it / pop it ..." ("behind the bins"),
or a known spot on its own ("shed", "in the porch", "with the concierge").

The value is the lower-cased phrase with its preposition (in / behind / under matter to a driver),
cut at the end of the clause or at any entity already found (a date, a neighbour, a house number),
and limited to ``MAX_LEN`` characters. "with"/"to" only lead to known places, since "leave it with
Sue" is a neighbour, not a place.
"""

from __future__ import annotations

import re

from intents.entities._base import Candidate, cand, tokens, trigger_words, word_set

MAX_LEN = 60
_SPATIAL = (
    r"(?:in\s+front\s+of|on\s+top\s+of|at\s+the\s+(?:back|side|front|top|bottom)\s+of|next\s+to|inside|into"
    r"|in|behind|under(?:neath)?|beneath|below|by|beside|near|on|onto|at|round|around|through|outside"
    r"|between|up|down)"
)
_PLACES = (
    r"(?:(?:front|back|side|garden|rear|storm|porch|garage)\s+(?:door|gate|step|steps|porch|fence|garden|passage)"
    r"|(?:bike|garden)\s+shed|shed|porch|garage|reception|concierge|front\s+desk|mail\s*room|post\s+room|mail\s+desk"
    r"|letter\s*box|mail\s*box|parcel\s+(?:box|locker|safe)|(?:wheelie|recycling|green|blue|black|grey|brown)\s+bins?"
    r"|bins?|bin\s+store|recycling\s+box|door\s*step|doorway|greenhouse|conservatory|outhouse|car\s*port|meter\s+"
    r"(?:box|cupboard)|lobby|security|doorman|porter|caretaker|gatehouse|log\s+store|coal\s+bunker|summer\s*house"
    r"|patio|hedge|plant\s+pot|under\s+the\s+stairs|utility\s+room|leasing\s+office|front\s+office|barn|bench"
    r"|stoop|decking|deck|log\s+pile|water\s+butt|side\s+passage|building\s+manager|package\s+room|parcel\s+room"
    r"|mud\s*room|(?:front|back|side)\s*yard|breezeway|lanai)"
)
_NOT_PLACE_AFTER = r"(?!\s+(?:guard|guards|code|codes|number|question|team|block))"  # "security guard"
_DET = r"(?:(?:the|my|our|a|an)\s+)?"
# Whose place it is, when it isn't the shopper's: "my neighbour's porch", "next door's shed", "the neighbors' porch"
OWNER = r"(?:(?:neighbou?rs?|next[\s-]*door|nextdoor)(?:'s|s'|')?\s+(?:(?:front|back|side)\s+)?(?=" + _PLACES + r"\b))"
_OBJECT = (
    r"(?:\s+(?:it|them|this|that|these|everything|(?:the|my|our)\s+(?:parcels?|packages?|box|order|delivery)"
    r"|parcels?|packages?))?"
)
_VERB = (
    r"\b(?:leave|put|pop|drop|place|hide|stick|chuck|throw|post|push|shove|tuck|hand|give|pass|go|goes)"
    + _OBJECT
    + r"(?:\s+(?:off|over|in\s+there))?\s+"
)
_CUE_PHRASE = re.compile(
    _VERB + rf"(?P<phrase>{_SPATIAL}\s+[^.,;!?\n]+|(?:with|to)\s+{_DET}{_PLACES}{_NOT_PLACE_AFTER}\b[^.,;!?\n]*)",
    re.IGNORECASE,
)
_STANDALONE = re.compile(
    rf"\b(?:(?:{_SPATIAL}|with|to)\s+)?{_DET}{OWNER}?(?:(?:front|back|side|wooden|blue|green|black|grey|red|big|small"
    rf"|little|old)\s+){{0,2}}{_PLACES}{_NOT_PLACE_AFTER}\b|\b(?:round|around)\s+the\s+(?:back|side)\b",
    re.IGNORECASE,
)
_STOP = re.compile(
    r"\s+(?:please|pls|plz|thanks|thank|thx|ta|cheers|if|or|and|but|because|cos|coz|cause|as|when|so|since"
    r"|otherwise|instead|tomorrow|today|tonight|i'?m|im|i'll|ill|i\s+will|we'?re|it'?s|x+"
    # a hurry is no part of the place ("on the porch asap": review 12 read it back to the driver)
    r"|asap|a\.s\.a\.p|urgent(?:ly)?|quickly|quick|now|right\s+away|straight\s+away|thank\s+you|ty|tks|tx|many\s+thanks)\b",
    re.IGNORECASE,
)
_FUNCTION_WORDS = frozenset({
    "in", "inside", "into", "behind", "under", "underneath", "beneath", "below", "by", "beside", "near", "on",
    "onto", "at", "round", "around", "through", "outside", "between", "up", "down", "with", "to", "next",
    "front", "of", "top", "the", "my", "our", "a", "an", "number", "no", "no.", "it", "me",
    "us", "there", "here", "for",
})  # fmt: skip
_WORD = re.compile(r"\S+")
_VERBS = word_set("leave put pop drop place hide stick chuck throw post push shove tuck hand give pass go goes")
# "put it on hold", "leave it in the rain", "can it go on the van": a preposition, but not a place.
_NOT_PLACES = word_set(
    "hold van truck day days time way rain sun list system phone line sale stock week weekend morning afternoon"
    " evening delay touch mind charge order road"
)
_GATE = (trigger_words(_PLACES) - {"the", "under"}) | _VERBS | {"round", "around"}


def extract(text: str, blocked: list[Candidate]) -> list[Candidate]:
    out: list[Candidate] = []
    toks = tokens(text)
    if _GATE.isdisjoint(toks):
        return out
    for m in _CUE_PHRASE.finditer(text) if not _VERBS.isdisjoint(toks) else ():
        start, end = m.start("phrase"), m.end("phrase")
        stop = _STOP.search(text, start, end)
        _add(text, start, stop.start() if stop else end, blocked, out)
    for m in _STANDALONE.finditer(text):
        _add(text, m.start(), m.end(), blocked, out)
    return out


def _add(text: str, start: int, end: int, blocked: list[Candidate], out: list[Candidate]) -> None:
    for b in blocked:
        if b.start <= start < b.end:
            return
        if start < b.start < end:
            end = b.start
    words = [w for w in _WORD.finditer(text, start, end)]
    while words and words[-1].end() - start > MAX_LEN:
        words.pop()
    while words and words[-1].group(0).lower().strip("'\"-") in _FUNCTION_WORDS:
        words.pop()  # "... next to the" after a cut
    content = [w.group(0).lower() for w in words if w.group(0).lower() not in _FUNCTION_WORDS]
    if not content or not content[0].replace("'", "").isalpha() or content[0] in _NOT_PLACES:
        return
    end = words[-1].end()
    out.append(cand("safe_place", " ".join(w.group(0) for w in words).lower(), start, end))
