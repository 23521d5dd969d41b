"""How shoppers actually write: two requests in one message, "not X", and corrections ("no wait, ...").

Plain text functions, the same for every channel and journey:
- `clauses(text)`: the parts of a message that could each be a request ("leave it with number 9 | and tell the
  driver to watch out for the dog"); the engine parses each, and the router queues the second request instead
  of dropping it;
- `is_negated(clause)`: "i dont want a pickup point", "not piccadilly", "stop sending me X": a "not X" never
  starts X, and counts as a preference against it (`excluded(text)` names what is ruled out);
- `last_word(text)`: after a correction the last word wins: "with reception i guess, no wait, put it in the
  porch" -> "put it in the porch"; "no, the note should say: ..." -> "the note should say: ...".
Reading the classifier's intent again from part of a message is intents/rereading.py's.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

# Where a new request starts: the end of a sentence, or a joining word followed by a request's first words.
_REQUEST_START = (
    r"(?:can|could|would|will)\s+(?:you|u|ya|it|they|i|we|the\s+[a-z]+|my\s+[a-z]+)|pls|please|plz|tell|ask|let|add|leave|move|send|put"
    r"|make\s+sure|deliver|drop|hold|keep|change|cancel|redeliver|reschedule|collect|bring|give|try|go\s+with|when|where|what"
    r"|wheres|whens|whats|hows"  # shoppers drop the apostrophe: ", wheres my parcel" asks as ", where's" does
    r"|how|is|are|does|do|did|has|have|i\s+(?:just\s+|only\s+|really\s+|would\s+|'d\s+)?(?:want|need|like|prefer)"
    r"|i\s+(?:would|'d|'ll|will)|id|ill|if|also|just"
)
_SPLIT = re.compile(
    r"(?:(?!(?<=\bno)\.\s+\d)[.!?]+\s+|[.!?]{2,}\s*|\s*;\s*|\s+-\s+"
    rf"|,\s*(?:and|but|also|then|so|plus|oh|oh\s+and)?\s*(?=(?:{_REQUEST_START})\b)"
    rf"|\s+(?:and|also|but|plus)\s+(?:also\s+|then\s+)?(?=(?:{_REQUEST_START})\b)"
    r"|\s+also\s+|\s+so\s+(?=(?:try|go\s+with)\s)"
    # "123456 pls make it thursday": a number given (a code, an order number), then a request of its own
    r"|(?<=\d)\s+(?=(?:pls|please|plz|(?:can|could|would|will)\s+(?:you|u|ya|we))\s+(?:(?:please|pls|plz|also|just)\s+)?"
    r"(?:make|change|move|deliver|leave|put|send|hold|keep|tell|add|give|drop|bring|redeliver|reschedule|cancel)\b)"
    # "leave it with 10, number 12 is away": who can't take it is a part of its own (a refusal, discourse below)
    r"|,\s*(?=(?:(?:the\s+)?(?:number|no\.?|house|flat)\s*)?\d+[a-z]?\s+(?:is|'s)\s+(?:away|out|not)\b)"
    # "the porch, not a neighbour": a trailing "not X" is a part of its own (a refusal, never the value)
    # ("number 14 not 12": a number is ruled out the same way)
    r"|(?:,\s*|\s+(?=not\s+(?:a|an|the|to\s+(?:a|the)|with\s+(?:a|the))\s)|\s+(?=not\s+\d)"
    r"|\s+(?=rather\s+than|instead\s+of))"
    r"(?=(?:not|rather\s+than|instead\s+of)\s+(?:(?:a|an|the|to|with)\s+){0,2}"
    r"[a-z0-9][\w'-]*(?:\s+[a-z][\w'-]*){0,2}\W*$))",
    re.IGNORECASE,
)
# "Not X" as shoppers write it: a wish against something ("i dont want a pickup point"), a don't-do-this ("dont
# cancel the order", "don't leave it outside"), "no X" / "not X" ("no pickup point", "not piccadilly"), "stop
# sending me X". Not a statement of fact: "never arrived", "didn't come", "not delivered" are requests in
# themselves (a missing parcel), and "don't leave my parcels with 14 any more" ends a standing preference. LEAD, the
# words before it, is intents/rereading.py's too (a refusal opens the same way).
LEAD = r"^\W*(?:(?:no|nah|nope|oh|and|but|so|ok|okay|please|pls|plz|just|um|hmm)\W+)*"
_NEGATION = re.compile(
    LEAD
    + r"(?:(?:i\s+)?(?:really\s+)?(?:do\s*n[o']?t|dont|do\s+not|did\s*n[o']?t|didnt)\s+(?:really\s+)?"
    r"(?:want|need|like|wish|fancy|ask\s+for)\b"
    r"|(?:i'?d|i\s+would|id)\s+(?:rather|prefer)\s+(?:(?:it\s+)?if\s+)?(?:you|u|they|he|she|the\s+[a-z]+)\s+"
    r"(?:not|did\s*n[o']?t|didnt|did\s+not|would\s*n[o']?t|wouldnt|would\s+not|do\s*n[o']?t|dont|do\s+not|never)\b"
    r"|(?:i'?d|i\s+would)?\s*rather\s+not\b|rather\s+than\b|instead\s+of\b|no\s+need\s+(?:for|to)\b|not\s+interested\s+in\b"
    r"|(?:please\s+)?(?:do\s*n[o']?t|dont|do\s+not|never)\s+(?:cancel|send|deliver|redeliver|reschedule|move"
    r"|change|hold|collect|leave|put|give|bring|take|add|return|post|drop|book|redirect)\b"
    r"|stop\s+(?:sending|giving|offering|suggesting|showing|telling|asking)\b"
    r"|anything\s+(?:but|except|other\s+than|apart\s+from|besides)\b"  # "anything but the locker"
    # "I cannot walk to the pickup point", "i can not go to the locker", "im not able to get to the depot": a place the
    # shopper can't get to is ruled out (review 12: it had listed the pickup points)
    r"|(?:i\s+|i'?m\s+|im\s+|i\s+am\s+)?(?:can'?t|cant|can\s*not|could\s*n[o']?t|couldnt|not\s+able\s+to|unable\s+to)"
    r"\s+(?:(?:\w+\s+){1,3}?(?:(?:a|the|any|your|that|this|to\s+(?:a|the))\s+)?(?:pick\s*-?\s*up|collection"
    r"|parcel\s+(?:shop|locker)|locker|depot|post\s+office|shop|store)\b|(?:\w+\s+)?(?:collect|pick\s+(?:it|them)\s+up"
    r"|pick\s+up|get\s+there|go\s+there)\b)"
    r"|not\s+(?:no\.?\s*|number\s+)?\d"  # "not 3", "not number 12" (a bare "no 5" is a house number, not a no)
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
# "no, number 8" corrects; "no, leave it as it is" / "no thanks" / "no, don't" does not.
_CLOSING = (r"thanks?|thank|ta|cheers|leave\s+it(?:\s+as\s+(?:it\s+is|is))?\s*$|it'?s\s+(?:fine|ok|okay)|that'?s\s+"
            r"(?:fine|ok|okay|all)|all\s+good|dont|don'?t|do\s+not|never|not|no|forget|never\s*mind|nvm|cancel|stop"
            r"|i\s+(?:dont|don'?t|do\s+not)|nothing|none|nope|nah|sorry|keep|i'?m\s+(?:fine|ok|good)")
_APOLOGY = r"(?:sorry|soz|oops|whoops|my\s+bad|my\s+mistake)"
_CORRECTION = re.compile(
    r"(?:\bno\s+wait\b|\bwait\s+no\b|\b(?:no|nope|nah),?\s+actually\b|\bwait\b,|\bsorry,?\s+(?:i\s+)?mean[t]?\b|\bi\s+mean[t]?\b|\bactually(?:,?\s+no)?\b"
    r"|\bon\s+second\s+thoughts?\b|\bscratch\s+that\b|\bchange\s+of\s+plans?\b|\bmy\s+bad\b|\bchange\s+(?:it|that)\s+to\b|\bmake\s+(?:it|that)\b"
    r"|\bcorrection\b|\bno,?\s+sorry\b|\bsorry,?\s+no\b|\bor\s+rather\b|\bi\s+changed\s+my\s+mind\b"
    r"|\b(?:it|that|the\s+(?:note|message|address|neighbou?r|place|day))\s+(?:should|must|needs\s+to)\s+"
    r"(?:say|read|be|have\s+said)\b\s*:?"
    r"|^\W*(?:no|nope|nah)\s*[,.!:;-]+\s*(?!(?:" + _CLOSING + r")\b)(?=\w)"
    # "my bad, 16 not 15", "15. oops, 16": an apology before the new word
    r"|\b" + _APOLOGY + r"\s*[,.!:;-]+\s*(?!(?:" + _CLOSING + r")\b)(?=\w))",
    re.IGNORECASE,
)
# "can u make it thursday", "pls change it to friday": "make it" asked for is the request itself, not a correction
# of what came before it (a code, a yes). What opens a request just before the cue says so.
_ASKED_TO_MAKE = re.compile(
    r"(?:\b(?:can|could|would|will)\s+(?:you|u|ya|we|they|the\s+driver)|\b(?:please|pls|plz|kindly)|\bi'?d\s+like\s+"
    r"(?:you\s+)?to|\b(?:i|we)\s+(?:want|need)\s+(?:you\s+)?to|\blet'?s)\s+(?:(?:please|pls|plz|just|also)\s+)*"
    r"\Z",
    re.IGNORECASE,
)
_WEAK_CORRECTION = re.compile(r"actually|make\s+(?:it|that)|change\s+(?:it|that)\s+to|\W*(?:no|nope|nah)\W*",
                              re.IGNORECASE)
LEADING_NO = re.compile(r"^\W*(?:(?:no|nope|nah|sorry|soz|oops|whoops|my\s+bad|my\s+mistake|ok|okay|right)"
                         r"\s*[,.!:;-]+\s*|(?:sorry|soz|oops|my\s+bad)\s+)",
                         re.IGNORECASE)
_TRAILING_INSTEAD = re.compile(r"\s+(?:instead|please|pls|thanks|thank\s+you|ta)\W*$", re.IGNORECASE)


@dataclass(frozen=True)
class Clause:
    text: str
    start: int
    end: int
    negated: bool
    # This part comes after a correction ("..., no wait, put it in the porch"): it may replace the part before.
    # A strong cue ("no wait", "i meant", "scratch that") always does; a weak one ("actually", "make it") only
    # when the two parts ask for the same thing or this part is a bare value ("number 8", "the garage").
    corrects: bool = False
    strong: bool = False


def clauses(text: str) -> list[Clause]:
    """The parts of a message that could each be a request, in order, with where they sit in the text. A
    correction starts a new part, marked as correcting the one before."""
    parts: list[Clause] = []
    opening = FILLER.match(text)  # "hang on, ...": the interjection is no part of its own
    pos, cue = (opening.end() if opening else 0), None
    for start, end, correction in _boundaries(text):
        if end <= pos:
            continue
        _add(parts, text, pos, start, cue)
        pos, cue = end, correction
    if cue is not None and parts and not re.search(r"\w", text[pos:]):
        # The cue comes last ("sorry number 14 i mean"): the part before it is the correction, less its "sorry"
        last = parts.pop()
        _add(parts, text, last.start, last.end, cue)
    else:
        _add(parts, text, pos, len(text), cue)
    return _contrasts(parts, text) or [Clause(text, 0, len(text), is_negated(text))]


# "not the porch, the garage", "no not 3, 5", "not the neighbour! the porch": what the shopper rules out, then
# what they want instead. The second half is the correction (its value replaces the first's, it is never read
# as part of a "not"), unless it asks for something of its own ("i dont want a pickup point. can you leave it
# with number 5?" is a refusal and a new request).
_NOT_THEN = re.compile(
    r"^(?P<neg>(?:(?:no|nope|nah|oh)\W+)?not\s+(?:(?:the|a|an|to|with|at|in|on|no\.?|number)\s+){0,2}"
    r"[\w'&-]+(?:\s+[\w'&-]+){0,3}?)\s*(?:,|;|\s-\s|\s+but\s+)\s*(?P<rest>\w.*)$",
    re.IGNORECASE | re.DOTALL,
)


# "never leave it at the back, front porch only", "dont send it to the locker - the shop on oxford road": a
# refusal of any shape, then (after a pause) the value wanted instead. The second half is a bare value, not a
# clause of its own: it doesn't open with a subject ("don't leave it outside, it'll get nicked" is a reason), unless
# a placing word follows the subject (`_PLACED`: "it can go in the shed", "you can put it in the garage").
_PLACED = (r"(?:(?:but|so|just)\s+)?(?:it|they|you|u|he|she|(?:the\s+)?(?:driver|courier|postman|postie))\s+"
           r"(?:(?:can|could|should|will|may|might|would|'ll|ll|is\s+to)\s+)?(?:just\s+|always\s+|still\s+)?"
           r"(?:go|be\s+(?:left|put|dropped|popped|placed)|stay|leave|put|pop|drop|stick|tuck|hide|place|give|hand)\b"
           r"(?:\s+[\w'&-]+){1,9}?")
_PLACED_PART = re.compile(_PLACED + r"\W*", re.IGNORECASE)
_REFUSAL_THEN = re.compile(
    r"^(?P<neg>[^,;]*?\w)\s*(?:,|;|\s-\s)\s*(?P<rest>(?P<placed>" + _PLACED + r")"
    r"|(?!(?:it|it'?ll|it'?s|its|itll|they|they'?re|theyre|he|he'?s|she|she'?s|i|i'?m|im|i'?ll|we|we'?re|you|u"
    r"|that|this|there|cos|coz|because|as|so|or|and|if|since|else"
    r"|otherwise|thanks?|thank|ta|cheers|x+)\b)(?:(?:just|only|but|instead)\s+)?[a-z0-9][\w'&-]*"
    r"(?:\s+[\w'&-]+){0,4}?(?:\s+(?:only|instead|is\s+(?:fine|ok|okay|good|better)|please|pls|plz|thanks?"
    r"|ta))?)\W*$",
    re.IGNORECASE | re.DOTALL,
)


# "number 12 is away", "she's out", "they're not in": who can't take it. With a house number it rules that
# house out (a "not 12"); said of "she" / "they" after a refusal it is only why, and goes with the refusal.
_AWAY_STATE = (r"(?:is|are|'s|'re|s|re)\s+(?:away|out|not\s+(?:in|home|there|around|answering)|on\s+holiday"
               r"|at\s+work|never\s+in)\b|(?:is\s*n'?t|are\s*n'?t|isnt|arent|wo\s*n'?t\s+be|wont\s+be)\s+"
               r"(?:in|home|there|around|answering)\b")
_AWAY_NUMBER = re.compile(r"^\W*(?:(?:the\s+)?(?:number|no\.?|house|flat)\s*)?\d+[a-z]?\s*(?:" + _AWAY_STATE + r")",
                          re.IGNORECASE)
_AWAY_ASIDE = re.compile(r"^\W*(?:(?:she|he|they|we|it)\s*(?:" + _AWAY_STATE + r")|(?:she|he|they)\s+(?:is|are)\s+"
                         r"(?:away|out))[\w\s',-]{0,30}?\W*$", re.IGNORECASE)
# "try 14", "go with 14": what to do instead of the one refused (a request word, but the refusal's correction)
_INSTEAD = re.compile(r"^\W*(?:(?:so|then|just|maybe|pls|please)\s+)*(?:try|go\s+with|use)\s+(?:(?:the\s+)?(?:number"
                      r"|no\.?|house|flat)\s*)?\d+[a-z]?\b", re.IGNORECASE)


def _contrasts(parts: list[Clause], text: str) -> list[Clause]:
    out: list[Clause] = []
    for part in parts:
        if out and out[-1].negated and _AWAY_ASIDE.match(part.text):  # "not 12. she's away": why, not a part
            out[-1] = dataclasses.replace(out[-1], end=part.end, text=text[out[-1].start:part.end])
            continue
        found = _NOT_THEN.match(part.text) or _refusal_then(part)
        if found is None or not part.negated or _AWAY_ASIDE.match(found.group("rest")):
            out.append(part)
            continue
        neg_end, rest_start = part.start + found.end("neg"), part.start + found.start("rest")
        out.append(dataclasses.replace(part, end=neg_end, text=text[part.start:neg_end]))
        rest = text[rest_start:part.end]
        out.append(Clause(rest, rest_start, part.end, is_negated(rest), True, True))
    for i in range(1, len(out)):
        before, part = out[i - 1], out[i]
        if before.negated and not part.negated and not part.corrects and (
                not asks(part.text) or _INSTEAD.match(part.text) or _PLACED_PART.fullmatch(part.text)):
            out[i] = dataclasses.replace(part, corrects=True, strong=True)
    return out


def _refusal_then(part: Clause) -> re.Match[str] | None:
    found = _REFUSAL_THEN.match(part.text) if part.negated else None
    if found is None or is_negated(found.group("rest")) or not is_negated(found.group("neg")) \
            or (asks(found.group("rest")) and not found.group("placed")):
        return None
    return found


def _boundaries(text: str) -> list[tuple[int, int, str | None]]:
    """Where parts end: (start, end, the correction's words or None). A pause next to a correction (", no
    wait, ") is one boundary, and it is a correction."""
    found = sorted([(m.start(), m.end(), None) for m in _SPLIT.finditer(text)]
                   + [(m.start(), m.end(), m.group(0)) for m in _CORRECTION.finditer(text)
                      if not _asked_to_make(text, m)],
                   key=lambda b: (b[0], -b[1]))
    kept: list[tuple[int, int, str | None]] = []
    for start, end, cue in found:
        if kept and not text[kept[-1][1]:start].strip(" ,;:.!-"):  # touching or overlapping: one boundary
            last = kept[-1]
            kept[-1] = (last[0], max(last[1], end), " ".join(c for c in (last[2], cue) if c) or None)
            continue
        kept.append((start, end, cue))
    return kept


def _asked_to_make(text: str, cue: re.Match[str]) -> bool:
    """Is this "make it" / "change it to" the request itself ("123456 and can u make it thursday", "yes, pls make
    it friday"), with nothing asked before it for it to correct ("leave it with 6, can u make it 8" corrects)?"""
    if not re.match(r"make|change", cue.group(0), re.IGNORECASE):
        return False
    opener = _ASKED_TO_MAKE.search(text, 0, cue.start())
    return opener is not None and not asks(text[: opener.start()])


def _add(parts: list[Clause], text: str, start: int, end: int, cue: str | None = None) -> None:
    piece = text[start:end]
    if cue is not None:  # "no wait, put it in the porch instead" -> "put it in the porch"
        lead = LEADING_NO.match(piece)
        if lead is not None:
            piece = " " * lead.end() + piece[lead.end():]
        tail = _TRAILING_INSTEAD.search(piece)
        if tail is not None:
            piece = piece[: tail.start()]
    stripped = piece.strip(" ,;:-")
    if not re.search(r"\w", stripped):
        return
    offset = start + piece.find(stripped)
    strong = cue is not None and not _WEAK_CORRECTION.fullmatch(cue.strip())
    parts.append(Clause(stripped, offset, offset + len(stripped), is_negated(stripped), cue is not None, strong))


# "im at work all week", "I'm away tomorrow", "we won't be home": why the shopper asks, not what they ask for.
_REASON = re.compile(
    r"^\W*(?:(?:oh|so|well|hi|hey|also|but|and)\W+)*(?:i'?m|i\s+am|im|we'?re|we\s+are|i'?ll\s+be|i\s+will\s+be"
    r"|i\s+won'?t\s+be|i\s+wont\s+be|we\s+won'?t\s+be|i\s+work|i\s+leave|i\s+get\s+back|nobody'?s|no\s+one'?s"
    r"|there'?s\s+no\s*one)\b",
    re.IGNORECASE,
)
_ASKS = re.compile(r"\b(?:can|could|would|will\s+you|please|pls|plz|want|need|like|leave|send|move|deliver|change"
                   r"|cancel|hold|keep|put|drop|redeliver|reschedule|tell|ask|let|bring|try|collect|pick|return"
                   r"|add|give|make|get|show|refund|replace|track|(?:where|how|what)(?:'?s|'?re)?)\b|\?"
                   # "when" asks when a question follows it ("when will it come", "when's it due"), not in a story
                   # ("I was out when the driver came": review 12 read that as a status question of its own)
                   r"|\bwhen(?:'?s|'?re|\b(?=\s*$|\s+(?:is|will|does|do|did|can|could|are|would|should|shall|might"
                   r"|r|u|wil|it'?s|its|abouts?|roughly|exactly|tomorrow|today)\b))",
                   re.IGNORECASE)  # "wheres my parcel": shoppers drop the apostrophe


# "I don't need it anymore", "we don't want them any more", "dont need this now": why the shopper wants what they
# ask beside it (a return, a cancellation), never a request of its own ("..., how do I send it back" is a return).
# Only with its "anymore" / "now": "i dont want the locker" is a refusal (negation), not a change of mind.
_NO_LONGER_WANTED = re.compile(
    r"^\W*(?:(?:oh|so|well|hi|hey|also|but|and|tbh|honestly|actually|sorry)\W+)*(?:(?:i|we)\s+)?"
    r"(?:do\s*n[o']?t|dont|dnt|no\s+longer|don'?t\s+really|no\s+need\s+for)\s+(?:really\s+)?(?:need|want|require)?"
    r"\s*(?:it|them|this|these|that|those|the\s+\w+(?:\s+\w+)?|my\s+\w+(?:\s+\w+)?)"
    r"(?:\s+(?:any\s*more|now|after\s+all|any\s+longer))+\W*$",  # "no longer" or not, a "now" says it changed
    re.IGNORECASE,
)


def is_reason(clause: str) -> bool:
    """Does this part only say why ("im at work all week", "i don't need it anymore"), asking for nothing itself?"""
    return bool(_REASON.match(clause)) and not _ASKS.search(clause) or bool(_NO_LONGER_WANTED.match(clause))


def asks(clause: str) -> bool:
    """Does this part ask for something (a request word or a question), rather than tell ("the neighbour had it")?"""
    return bool(_ASKS.search(clause))


def is_negated(clause: str) -> bool:
    """Does this clause say what the shopper does NOT want ("i dont want a pickup point", "not piccadilly")?"""
    if _BARE_NO.match(clause) or _ONGOING.search(clause):
        return False
    if _AWAY_NUMBER.match(clause):  # "number 12 is away": that house is ruled out
        return True
    return bool(_NEGATION.match(clause))


_ANYTHING_BUT = re.compile(LEAD + r"anything\s+(?:but|except|other\s+than|apart\s+from|besides)\b", re.IGNORECASE)


def only_narrows(text: str) -> bool:
    """ "anything but the locker" on its own rules out the locker, not every pickup point (beside another request,
    "anything but the locker, just redeliver", it refuses the one its words name)."""
    return bool(_ANYTHING_BUT.match(text))


def excluded(text: str) -> list[str]:
    """What a message rules out, in its own words: "is there one nearer? not piccadilly" -> ["piccadilly"]."""
    found = []
    for match in _EXCLUDED.finditer(text):
        term = match.group("term").strip().lower()
        if term.split()[0] not in _NOT_A_TERM:
            found.append(term)
    return found


def has_correction(text: str) -> bool:
    return any(c.corrects for c in clauses(text))


def last_word(text: str) -> str:
    """What the shopper settled on: the part after the last correction ("..., no wait, put it in the porch"
    -> "put it in the porch"), without the "no," before it or an "instead" after it; else the whole text."""
    corrected = [c for c in clauses(text) if c.corrects]
    return corrected[-1].text if corrected else text.strip()


# "hold on, what time is it coming": an interjection that opens a message is no request of its own (it read as
# "hold my parcel"). Followed by a comma or a stop, or ("hold on"/"hang on") by a question; "hold on to it till
# friday" keeps its meaning. No part here; read past by intents/rereading.py.
_LET_GO = (r"(?:(?:actually\s+|oh\s+|ok\s+)?"
           r"(?:never\s*mind|nvm|(?:don'?t|dont) worry(?: about (?:it|that))?|forget (?:it|that)))")
_LETS_GO = re.compile(r"^\s*" + _LET_GO + r"\b", re.IGNORECASE)
FILLER = re.compile(
    r"^\s*(?:(?:hold on|hang on|wait(?: a (?:sec|second|minute|mo))?|one (?:sec|second|moment|mo)|"
    r"just a (?:sec|second|minute)|hmm+|umm*|erm*|oh|ok(?:ay)?|right|well)\s*[,.!:;-]+"
    r"|(?:hold on|hang on)\s+(?=(?:what|when|where|how|why|is|are|can|could|will|did|do|does|has)\b)"
    # "nevermind, where is it": letting go of what went before, then a question (a probe: out of scope, so a
    # shopper waiting for a person was told "the team has your messages" instead of where the parcel is)
    r"|" + _LET_GO + r"\s*[,.!:;-]*\s*"
    r"(?=(?:what|when|whens|where|wheres|how|hows|why|is|are|can|could|will|did|do|does|has)\b))\s*",
    re.IGNORECASE)


def lets_go(text: str) -> bool:
    """Does the message open by letting go of what was asked before ("nevermind, when is it coming")? Then the
    question it interrupted is not offered back afterwards (dialogues/router._offer_parked)."""
    return bool(_LETS_GO.match(text))
