"""Access codes (gate, door, keypad, key-safe, building) found in what a shopper typed.

They are secrets: every path that stores shopper text (the message log, a note, a safe place, a neighbour,
an address line) finds them here, masks them, and seals them (bot/core/secrets_box.py) for the driver only.

Why candidates and cues rather than one pattern per phrasing: shoppers write a code in endless ways ("gate
code is 4821", "its 4455 to get in the gate", "press 7790 on the keypad", "keypad 1234", "1357 for the
door", "gate: 2468", "door code 1 2 3 4"). Every run of digits is a candidate; it is a code when a cue ties
it to a lock in the same clause (a code word before it, a keypad verb, a place and a separator, "to get in",
or "is the code" / "for the gate" after it), and never when its own context says it is something else: a
phone number, a house or flat number, an order number, a time, a date, a price or a quantity.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CODE_MASK = "[code]"
LOG_MASK = "\u2022"  # what stands for each character of a code in the stored message log
MIN_DIGITS, MAX_DIGITS = 3, 8  # keypads and key safes use 3-8 digits; 9 or more is a phone or an order number
CONTEXT = 48  # how far (characters) a cue may sit from its code, within one clause


# -- the words ------------------------------------------------------------------------------------------
# A place with a lock, and the kind of code it gives ("the gate code you gave").
_PLACES = (
    (r"key\s*-?\s*safe|key\s*box|lock\s*-?\s*box|key\s+lock\s*box|key\s+holder", "key-safe"),
    (r"key\s*pad|number\s*pad|entry\s*pad|door\s*pad|pin\s*pad|pad", "keypad"),
    (r"padlock|combination\s+lock|lock", "padlock"),
    (r"(?:side|back|front|main|garden|electric|car\s*park|security)?\s*gates?", "gate"),
    (r"(?:front|back|side|main|street|communal|outer|inner|building|porch|flat)?\s*doors?", "door"),
    (r"intercom|buzzer|door\s*entry|door\s*bell", "intercom"),
    (r"entrance|entry|lobby|foyer|reception|access", "entry"),
    (r"building|block|complex|apartments?|flats|tower|estate|development", "building"),
    (r"garage|car\s*park|parking|barrier|bollard", "car park"),
    (r"(?:bike|bin|cycle|parcel)\s*(?:store|shed|room|locker|cage)|shed|locker|cage", "store"),
    (r"alarm", "alarm"),
)
_PLACE = "|".join(f"(?:{p})" for p, _ in _PLACES)
_PLACE_RE = re.compile(rf"\b(?:{_PLACE})\b", re.IGNORECASE)
# Places that take a code right after them with no separator: "keypad 1234", "key safe 4455", "gate 2468".
# ("door 22" and "block 4" are more often numbers of a door or a block, so those need "door: 1234".)
_BARE_PLACE = r"key\s*-?\s*safe|key\s*box|lock\s*-?\s*box|key\s*pad|padlock|gate"
_CODE_WORD = (
    r"codes?|pin|pins|pass\s*-?\s*code|key\s*-?\s*code|access\s+code|combination|combo"
    r"|(?:gate|door|entry|front|building|alarm|garage|block)(?:code|pin)s?"  # typed as one word: "gatecode"
)
# "postcode", "promo code", "the code you sent": codes that don't open anything.
_NOT_ACCESS = re.compile(
    r"\b(?:post|zip|area|promo|promotional|discount|voucher|gift|coupon|referral|tracking|order|verification"
    r"|confirmation|security|one[\s-]*time|otp|sms|text|sort|tax|reference|ref|qr|bar|wi-?fi|dialling|dialing"
    r"|country|product|item|colour|color)\s*-?\s*(?:code|pin)s?\b"
    r"|\b(?:code|pin)s?\s+(?:that\s+|which\s+)?(?:you|u|ya|i\s+was|i\s+got|i\s+received|i've\s+got)\s+"
    r"(?:just\s+)?(?:sent|texted|gave|got|received|emailed)",
    re.IGNORECASE,
)
_PHONE_WORD = re.compile(
    r"\b(?:call|calls|ring|phone|tel|telephone|mobile|mob|cell|text|txt|whatsapp|contact|number\s+is|no\s+is"
    r"|landline)\b",
    re.IGNORECASE,
)

# -- cues to the left of a candidate (the clause before it) ----------------------------------------------
_LEFT_CUES = (
    # "gate code is", "the code to the building is", "PIN:", "passcode =", "combination"
    re.compile(rf"\b(?:{_CODE_WORD})\b", re.IGNORECASE),
    # "press 7790", "punch in", "key in the code", "type", "tap in"
    re.compile(
        r"\b(?:press|enter|punch(?:\s+in)?|key\s+in|type(?:\s+in)?|tap(?:\s+in)?|input|push|hit)\s+"
        r"(?:in\s+)?(?:the\s+)?(?:numbers?\s+|digits\s+)?$",
        re.IGNORECASE,
    ),
    # "to get in the gate it's 4455", "to open the door use 1357", "for access press"
    re.compile(
        r"\b(?:to\s+(?:get\s+(?:in|into|through|past|inside)|open|unlock|access|enter|let\s+(?:you|yourself)\s+in)"
        r"|for\s+(?:access|entry))\b",
        re.IGNORECASE,
    ),
    # "gate: 2468", "keypad is 1234", "the door's 5678", "intercom = 0405", "gate 2468"
    re.compile(rf"\b(?:{_PLACE})\s*(?:'s|\s+is|\s+=|[:=#-])\s*$", re.IGNORECASE),
    re.compile(rf"\b(?:{_BARE_PLACE})\s*$", re.IGNORECASE),
    # "in the key safe by the front door, its 1973": a lock named earlier in the clause, then "it's <digits>"
    re.compile(rf"\b(?:{_PLACE})\b[^\d]{{0,40}}?[,:-]\s*(?:it'?s|it\s+is|thats|that's|which\s+is)\s*$", re.IGNORECASE),
)
# A candidate is not a code when this is right before it.
_LEFT_VETO = re.compile(
    r"(?:\b(?:number|no\.?|nos?|num|#\s*no|flat|house|unit|apt|apartment|room|suite|plot|floor|order|orders"
    r"|ref|reference|invoice|account|acct|tracking|parcel|parcels|item|items|bus|route|platform|junction|exit"
    r"|door\s+number|block\s+number|after|before|until|till|til|from|around|about|between|by|at|on|since"
    r"|in|of|x|and|or)\s*#?\s*"
    r"|[£$€+]\s*|\b\d+\s*[/.:]\s*)$",
    re.IGNORECASE,
)
# ...unless a cue sits right there: "the code at the gate is 1234" has "is" before it, "code: at" doesn't exist.
_RIGHT_CUES = (
    # "1234 is the gate code", "4455 is our code", "5678 as the code"
    re.compile(
        rf"^\s*(?:is|=|as|was|will\s+be)?\s*(?:the|my|our|your|their)?\s*(?:(?:{_PLACE})\s*)?(?:{_CODE_WORD})\b",
        re.IGNORECASE,
    ),
    # "4455 to get in the gate", "1357 to open the door", "2468 opens the gate", "gets you in"
    re.compile(
        r"^\s*(?:to\s+(?:get\s+(?:in|into|through|past|inside)|open|unlock|access|enter)|opens|unlocks"
        r"|will\s+(?:open|unlock|get\s+you\s+in)|gets?\s+(?:you\s+)?(?:in|into|through)|lets?\s+(?:you\s+)?in)\b"
        rf"(?:\s+(?:to\s+|through\s+|past\s+)?(?:the|my|our)?\s*(?:{_PLACE})\b)?",
        re.IGNORECASE,
    ),
    # "7790 on the keypad", "1234 into the key safe", "1357 for the gate", "2468 at the door"
    re.compile(
        rf"^\s*(?:on|into|in|for|at|to)\s+(?:the|my|our)?\s*(?:{_PLACE})\b",
        re.IGNORECASE,
    ),
    # "4455 then press enter", "1234 then the bell", "1234 and then #"
    re.compile(r"^\s*(?:and\s+)?then\s+(?:press|hit|push|the\s+(?:tick|key|bell|green)|#|\*|enter)", re.IGNORECASE),
)
_RIGHT_VETO = re.compile(
    r"^(?:\s*(?:am|pm|a\.m|p\.m|h|hrs?|hours?|mins?|minutes?|secs?|days?|weeks?|months?|years?|yrs?|kg|g|grams?"
    r"|km|miles?|mi|m|cm|mm|ft|feet|p|pence|pounds?|quid|dollars?|bucks|gbp|usd|eur|parcels?|packages?|items?"
    r"|boxes|orders?|times|x|st|nd|rd|th|street|st\.|road|rd|avenue|ave|lane|ln|close|drive|way|court|place"
    r"|crescent|terrace|grove|gardens|square|mews|row|walk|hill|park|view|rise|parade|green|yard)\b"
    r"|[/:.,]\d|\s*%)",
    re.IGNORECASE,
)

# A run of digits (spaced or hyphenated groups, a # or * before or after), not inside a word (M1, PB100...).
# A keypad's letter may lead or end it ("C1234", "1234X"); a postcode ("M1 4BT") or a tracking number can't fit.
# (Only A-D and X end one: "1200m" or "1500g" are distances and weights.)
_RUN = re.compile(r"(?<![\w+£$€.,/])(?:[A-Za-z](?=\d))?[#*]?\d+(?:[ -]\d+)*(?:[#*]|[A-DXa-dx](?!\w))?(?![\w/]|[.,:]\d)")
_GROUP = re.compile(r"[A-Za-z]?[#*]?\d+(?:[#*]|[A-DXa-dx](?!\w))?")
_CLAUSE_END = re.compile(r"[.!?;\n](?=\s|$)|\b(?:but|also|btw|ps)\b", re.IGNORECASE)


@dataclass(frozen=True)
class AccessCode:
    kind: str  # "gate", "door", "keypad", "key-safe", "building", "access"...
    code: str  # as keyed in: digits, with a # or * if the shopper wrote one
    start: int  # the code's span in the text
    end: int
    phrase_start: int  # the words about it ("gate code is 4821", "4455 to get in the gate"), for cutting
    phrase_end: int  # it out of a place a driver reads on a label


@dataclass(frozen=True)
class _Candidate:
    start: int
    end: int
    continued: bool  # a later group of a longer run ("07700 900123"): only its own words after it count


def _candidates(text: str) -> list[_Candidate]:
    """Digit runs; "12 34" or "1 2 3 4" is one run, "4821 12" or "07700 900123" are separate groups."""
    out: list[_Candidate] = []
    for run in _RUN.finditer(text):
        groups = list(_GROUP.finditer(run.group()))
        sizes = {sum(c.isdigit() for c in g.group()) for g in groups}
        digits = sum(c.isdigit() for c in run.group())
        if len(groups) == 1 or (len(sizes) == 1 and digits <= MAX_DIGITS):
            out.append(_Candidate(*run.span(), continued=False))
        else:
            out.extend(_Candidate(run.start() + g.start(), run.start() + g.end(), continued=n > 0)
                       for n, g in enumerate(groups))
    return out


def _clause_start(text: str, limit: int, start: int) -> int:
    """Where the clause holding position `start` begins (not before `limit`)."""
    begin = max(limit, start - CONTEXT)
    ends = list(_CLAUSE_END.finditer(text, begin, start))
    return ends[-1].end() if ends else begin


def _clause_end(text: str, end: int, limit: int) -> int:
    stop = min(limit, end + CONTEXT)
    found = _CLAUSE_END.search(text, end, stop)
    return found.start() if found else stop


def _kind(words: str, *, first: bool) -> str | None:
    places = list(_PLACE_RE.finditer(words))
    if not places:
        return None
    place = " ".join((places[0] if first else places[-1]).group().lower().split())
    return next((kind for pattern, kind in _PLACES if re.fullmatch(pattern, place, re.IGNORECASE)), None)


def _left_cue(left: str) -> tuple[re.Match[str], int] | None:
    """The nearest cue in the clause before a candidate (and where the first one starts), if nothing between
    them says "phone" and the cue isn't a postcode's or a one-time code's."""
    cues = sorted((found for cue in _LEFT_CUES for found in cue.finditer(left)), key=lambda f: f.start())
    if not cues:
        return None
    best = cues[-1]
    if _PHONE_WORD.search(left, best.end()) or _NOT_ACCESS.search(left[max(0, best.start() - 16) : best.end() + 40]):
        return None
    first = next(f for f in cues if not _PHONE_WORD.search(left, f.end()))
    return best, first.start()


def _right_cue(right: str) -> tuple[re.Match[str], bool] | None:
    """The cue right after a candidate, and whether it is strong enough to overrule "at"/"number" before it."""
    for n, cue in enumerate(_RIGHT_CUES):
        found = cue.match(right)
        if found and not _NOT_ACCESS.search(found.group()):
            return found, n != 2  # "on the keypad"/"for the gate" alone doesn't overrule "flat 104 for the gate"
    return None


_LIST_LINK = re.compile(
    rf"^(?:\s*(?:,|and|&|or|then|/|plus))+\s*(?:(?:the\s+)?(?:{_PLACE})\s*(?:is|:|-|=)?\s*)?$", re.IGNORECASE
)


def find_access_codes(text: str) -> list[AccessCode]:
    """Every access code in the text, in order, with what it opens."""
    found: list[AccessCode] = []
    spans = _candidates(text)
    for i, cand in enumerate(spans):
        start, end = cand.start, cand.end
        raw = text[start:end]
        if not MIN_DIGITS <= sum(c.isdigit() for c in raw) <= MAX_DIGITS:
            continue
        prev_end = spans[i - 1].end if i else 0
        left_from = _clause_start(text, prev_end, start)
        right_to = _clause_end(text, end, spans[i + 1].start if i + 1 < len(spans) else len(text))
        left, right = text[left_from:start], text[end:right_to]
        if _RIGHT_VETO.match(right):
            continue
        cued = None if cand.continued else _left_cue(left)
        cue = cued[0] if cued else None
        after = _right_cue(right)
        listed = (not cand.continued and bool(found) and found[-1].end == prev_end
                  and _LIST_LINK.match(text[prev_end:start]) is not None)  # "codes are 1234 and 5678"
        adjacent = cue is not None and not left[cue.end() :].strip()
        if _LEFT_VETO.search(left) and not (adjacent or listed or (after and after[1])):
            continue
        if cue is None and after is None and not listed:
            continue
        kind = (
            (_kind(after[0].group(), first=True) if after else None)
            or (_kind(re.sub(r"(?:code|pin)s?\b", " ", cue.group(), flags=re.I), first=True) if cue else None)
            or (_kind(left, first=False) if cue is not None or listed else None)
            or (found[-1].kind if listed else None)
            or _kind(text[max(0, start - CONTEXT) : min(len(text), end + CONTEXT)], first=False)
            or "access"
        )
        phrase = _phrase_start(text, left_from + cued[1], start) if cued else (prev_end if listed else start)
        phrase_end = end + after[0].end() if after else end
        found.append(AccessCode(kind, re.sub(r"[\s-]", "", raw), start, end, phrase, phrase_end))
    return found


_PLACE_BEFORE = re.compile(
    rf"(?:^|[,;:.!?(-]|\b(?:and|also|plus|btw|ps)\b)\s*(?P<place>(?:(?:the|my|our|a)\s+)?(?:(?:{_PLACE})(?:'s)?\s*)+)$",
    re.IGNORECASE,
)


_GOVERNED = re.compile(
    r"\b(?:in|into|inside|behind|by|beside|next\s+to|near|under|at|on|through|past|round|around|outside|of|with"
    r"|beneath|below|above|opposite)\s+(?:(?:the|my|our|a)\s+)?$",
    re.IGNORECASE,
)


def _phrase_start(text: str, cue_start: int, code_start: int) -> int:
    """"gate code is 4821" is about the gate as a whole; "in the key safe code 4821" keeps "in the key safe",
    and "by the keypad 1234" keeps "by the keypad" (the place is where to leave it, the digits are the code)."""
    if _GOVERNED.search(text, 0, cue_start):
        return code_start
    found = _PLACE_BEFORE.search(text, 0, cue_start)
    return found.start("place") if found else cue_start


# -- what the rest of the bot does with them -------------------------------------------------------------
def mask_codes(text: str, codes: list[AccessCode] | None = None) -> str:
    """The text with each code replaced by "[code]" (a note keeps its words: "the gate code is [code]")."""
    for code in sorted(find_access_codes(text) if codes is None else codes, key=lambda c: c.start, reverse=True):
        text = text[: code.start] + CODE_MASK + text[code.end :]
    return text


_CLAUSES = re.compile(r"\s*(?:[,;.!?]+|\s-\s|\band\s+(?:the\s+)?(?=(?:\w+\s+){0,3}(?:code|pin)\b))\s*", re.I)
_LINK_LEFT = re.compile(
    r"(?:[\s,;:=#-]|\b(?:and|the|its|it's|it\s+is|is|with|plus|also|use|using|you\s+need|you'll\s+need|need"
    r"|press|enter|type|punch\s+in|key\s+in)\b)*$",
    re.I,
)
_DANGLING = re.compile(r"^[\s,;:.-]+|[\s,;:.-]+$|\s+\b(?:and|with|plus|the|its|it's|code|pin|is)$", re.I)


def drop_codes(text: str) -> str:
    """The text without its codes or the words about them, for a place a driver reads on a label or a list:
    "behind the side gate, code 3579" -> "behind the side gate"; "in the key safe code 4821" -> "in the key
    safe". Clauses holding a code go; if nothing would be left, only the code's own phrase goes."""
    codes = find_access_codes(text)
    if not codes:
        return text
    kept, pos = [], 0
    pieces: list[tuple[int, int]] = []
    for sep in _CLAUSES.finditer(text):
        pieces.append((pos, sep.start()))
        pos = sep.end()
    pieces.append((pos, len(text)))
    for a, b in pieces:
        if not any(a <= c.start < b or a < c.end <= b for c in codes):
            kept.append(text[a:b].strip())
    result = ", ".join(p for p in kept if p)
    if sum(ch.isalnum() for ch in result) >= 2:
        return _tidy(result)
    for code in reversed(codes):  # one clause that is place and code at once: "in the key safe code 4821"
        head = _LINK_LEFT.sub("", text[: code.phrase_start])
        text = head + text[code.phrase_end :]
    return _tidy(text)


def _tidy(text: str) -> str:
    previous = None
    while previous != text:
        previous, text = text, _DANGLING.sub("", text.strip())
    return " ".join(text.split())


def redact_log(text: str) -> str:
    """The message log's copy of a shopper's text: every access code blanked out, character for character."""
    for code in reversed(find_access_codes(text)):
        text = text[: code.start] + LOG_MASK * (code.end - code.start) + text[code.end :]
    return text
