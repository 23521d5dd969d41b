"""Reading a new delivery address out of what the shopper wrote.

The address sits inside a sentence: after "change the delivery address for order 100236 to", before
"instead please"; the order or tracking number and the filler words are not part of it (review D9). The
parts come back as a NewAddress (dialogues/kit/address.py) with nothing guessed: the town from the
postcode, and every check, are `review`'s job. Channel-free.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from backend import postal
from dialogues.kit.address import NewAddress, tidy
from dialogues.kit.driver_text import driver_text
from intents.flat_number import SAID_NUMBER, UNIT, UNIT_NUMBER

_STREET = (
    r"street|st|road|rd|avenue|ave|lane|ln|close|cl|drive|dr|way|court|ct|place|pl|crescent|cres|terrace|grove"
    r"|gardens|gdns|square|sq|mews|row|walk|hill|park|parade|green|yard|wharf|quay|rise|view|boulevard|blvd"
    r"|highway|hwy|parkway|pkwy|circle|cir|trail|plaza|gate|cottages?|farm|lodge|hall|barn|mill"
)
_STREET_END = re.compile(rf"\b(?:{_STREET})\.?$", re.IGNORECASE)
_HAS_STREET = re.compile(rf"\b(?:{_STREET})\b", re.IGNORECASE)
# Where an address starts: a flat or unit ("Flat 3", "apt 4b"), or a house number and a word ("20 Deansgate",
# "350 5th Ave"), but not "5 days", "2 more", "3 of them".
_START = re.compile(
    rf"\b{UNIT}\.?\s*(?:no\.?\s*|number\s+|#\s*)?\d{{1,4}}[a-z]?\b"
    r"|(?<![\w#£$.:/-])\d{1,5}[a-z]?(?:\s*[-/]\s*\d{1,5}[a-z]?)?\b(?![:.]\d),?\s+"
    r"(?!(?:am|pm|days?|weeks?|hours?|hrs?|mins?|minutes?|items?|parcels?|packages?|boxes|pairs?|of|x|more"
    r"|times?|o'?clock|and|or|to|is|in|on|at|for|a|an|pounds?|quid|dollars?|pence|p|percent)\b)"
    r"(?:[a-z]|\d{1,3}(?:st|nd|rd|th)\b)",
    re.IGNORECASE,
)
# What comes just before an address: "...to", "...is", "new address:", "there?".
_CUE = re.compile(r"(?:\b(?:to|is|at|there|address|its|it's|it\s+is)\b|[:?!])\s*", re.IGNORECASE)
_HOUSE_NAME = re.compile(r"^(?:the\s+)?(?:[A-Z][\w'-]*\s*){1,4}$")
_UK_LOOSE = re.compile(r"(?<![A-Za-z0-9])([A-Za-z]{1,2}\d[A-Za-z\d]?)\s*(\d[A-Za-z]{2})(?![A-Za-z0-9])")
_ZIP = re.compile(r"(?<![\w#£$.,/-])(\d{5}(?:-\d{4})?)(?![\w-])")
# Words around an address that aren't part of it ("...instead please", "sorry, ...").
_TAIL = re.compile(
    r"(?:[\s,.;!-]+|\b(?:instead|please|pls|plz|thanks|thank\s+you|thx|ta|cheers|asap|now|for\s+me|if\s+possible"
    r"|if\s+you\s+can|rather|x+)\b)+$",
    re.IGNORECASE,
)
_HEAD = re.compile(r"^(?:[\s,.;:!-]+|\b(?:and|so|then|ok|okay|sorry|oh|erm|um|yes|yeah|no)\b)+", re.IGNORECASE)
# The words that name an order or tracking number ("for order #", "on my parcel number").
_REFERENCE_WORDS = re.compile(
    r"(?:\b(?:for|on|of|with|re)\s+)?(?:\b(?:my|the|your|this)\s+)?(?:\b(?:order|parcel|package|tracking|shipment"
    r"|delivery)\s*)?(?:\b(?:number|no\.?|ref(?:erence)?)\s*)?[#:]?\s*$",
    re.IGNORECASE,
)
# Before an address that is the old one, or not the one: "from 12 Acacia Avenue to ...", "not 12 ...".
_NOT_THIS = re.compile(
    r"\b(?:from|not|instead\s+of|rather\s+than|old\s+(?:address|one)(?:\s+(?:is|was))?|currently(?:\s+\w+){0,3})"
    r"\s*:?\s*$",
    re.IGNORECASE,
)
# The rest of a part once it turns to the address it replaces: "20 Deansgate not 12 Acacia Avenue".
_NOT_TAIL = re.compile(r"(?:^|\s+)(?:not|instead\s+of|rather\s+than|from)\s+.*$", re.IGNORECASE)
# A part of the message about the address, not of it: "forgot the flat number", "they left it off", "I forgot it",
# "sorry my mistake", "it was missing". It has no digit (a flat number is never an aside).
_ASIDE = re.compile(
    r"^(?:(?:sorry|soz|oops|whoops|my\s+bad|oh|and|but|as|cos|because)\W*)*(?:i|we|they|you|u|he|she|it|that|"
    r"someone|the\s+\w+)?\W*(?:'?ve|'?d|have|had|has|must\s+have|must've)?\s*(?:forgot|forgotten|forget|left|"
    r"missed|missing|mistyped|typed|wrote|written|put|entered|didn'?t|did\s+not|never|was|were|my\s+mistake|"
    r"silly\s+me|doh)\b[^\d]*$",
    re.IGNORECASE,
)
# "add flat 3 to the address": the words after the part added.
_ADDED_TO = re.compile(r"\s+(?:to|on|onto)\s+(?:the|my|our)\s+(?:delivery\s+|shipping\s+)?(?:address|addy)\b",
                       re.IGNORECASE)
_HINT = re.compile(r"\b(?:in|at|from|near|to)\s+", re.IGNORECASE)
# Town names that are also everyday words: read as a town only where an address puts one, never as a hint.
_PLAIN_WORDS = frozenset({
    "street", "sale", "hook", "eye", "par", "march", "deal", "battle", "stone", "wick", "diss", "ware", "holt",
    "sandy", "hyde", "bures", "rye", "leigh", "gordon", "richmond", "looe", "yarm", "reading", "bath", "poole",
    "dollar", "kelty", "brough", "hayes", "ilford", "bangor", "alford", "newport", "orkney", "shetland"
})
_DIRECTIONS = r"\b(?:north|south|east|west|upper|lower|central|extension|apt|apartment|unit|suite|flat)\b"
# Two-letter words that are states only when written in capitals ("IN", "OR"), not "in" or "or".
_AMBIGUOUS_STATES = frozenset({"in", "or", "me", "ok", "hi", "oh", "pa", "la", "de", "al", "co", "ma", "mo", "id"})


@dataclass(frozen=True)
class Reading:
    """What one message says about the new address."""

    address: NewAddress
    bad_postcode: str | None = None  # typed in the shape of a postcode, but no real one ("M1 4CX")
    town_hint: str | None = None  # a town named outside the address ("my mum's in Leeds")


def read_address(text: str, *, skip: Iterable[tuple[int, int]] = (), country: str = "GB",
                 expect: str | None = None) -> Reading:
    """The address parts in `text`. `skip`: spans that are something else (the order or tracking number).
    `country`: the parcel's (how a bare five-digit number reads). `expect`: the part just asked for ("town",
    "line1"...), so a bare "Leeds" answers it."""
    text = _blank(text or "", skip)
    postcode, bad, found_country, span = _postcode(text, country)
    head, tail = (text[: span[0]], text[span[1]:]) if span else (text, "")
    body = head[_start(head, expect, bool(span)):]
    lead = head[: len(head) - len(body)]
    state, body = _state(body, tail) if (found_country or country) == "US" else (None, body)
    parts = _parts(body)
    town = _town_after(tail) if postcode else None
    if town is None:
        town, parts = _town_in(parts, expect)
    line1, line2 = _lines(parts, expect)
    if state and not found_country:
        found_country = "US"
    hint = None if town else _hint(lead)
    address = NewAddress(line1, line2, tidy(town) if town else None, postcode, found_country, state)
    return Reading(address, bad, hint)


_UNIT_PART = re.compile(rf"\b(?P<kind>{UNIT})\.?\s*(?:no\.?\s*|number\s+|#\s*)?(?P<number>\d{{1,4}}[a-z]?)\b",
                        re.IGNORECASE)


_ELSEWHERE = re.compile(r"\b(?:moved|moving|move|relocat\w*|new\s+(?:address|place|flat|home|apartment|apt)|another"
                        r"|different)\b", re.IGNORECASE)


_REFUSED_UNIT = re.compile(rf"\b(?:not|instead\s+of|rather\s+than)\s+(?:{UNIT}\.?\s*(?:no\.?\s*|number\s+|#\s*)?)?"
                           r"\d{1,4}[a-z]?\b", re.IGNORECASE)


def added_unit(text: str, *, skip: Iterable[tuple[int, int]] = (), country: str = "GB") -> str | None:
    """ "add flat 3 to the address", "it's flat 3", "put unit 5 on it": a flat, apartment or unit named with no other
    part of an address is a line to add to the address on file ("Flat 3"), not a new address whose postcode to
    ask for. None when the message names more (a street, a town, a postcode, another number) or no unit."""
    text = _blank(text or "", skip)
    if _ELSEWHERE.search(text):  # "i've moved to flat 3": a new home, not a line missing from this one
        return None
    found = list(_UNIT_PART.finditer(text))
    # "it should be flat 2 not flat 3", "apt 4b, not 4a": the unit refused is the one on file, not another to add
    refused = [m.span() for m in _REFUSED_UNIT.finditer(text)]
    found = [m for m in found if not any(a <= m.start() < b for a, b in refused)]
    if len(found) == 1:
        kind, number, spans = found[0].group("kind"), found[0].group("number"), [found[0].span(), *refused]
    elif not found and (named := _named_unit(text)) is not None:  # "i forgot my flat number, it's 12"
        kind, number, spans = named
    else:
        return None
    rest = text
    for a, b in sorted(spans, reverse=True):
        rest = f"{rest[:a]} {rest[b:]}"
    if re.search(r"\d", rest):
        return None
    reading = read_address(rest, country=country)
    if not reading.address.empty or reading.town_hint or reading.bad_postcode:
        return None
    return f"{kind[0].upper()}{kind[1:].lower()} {number.upper()}"


# "my flat number is 12", "forgot to put the apt number, its 7", "flat no. - it's 22": the unit named as a number,
# and the number said just after it (intents/flat_number's words, so the rule that makes such a message an address
# change and the journey that adds the flat agree); the rest of the message is then checked to name no more.


def unit_asked_for(text: str) -> str | None:
    """ "i need to add my flat number", "forgot the apt number": the unit's kind ("Flat") when a message says its
    number is missing but gives no number; None otherwise."""
    named = UNIT_NUMBER.search(text or "")
    if named is None or re.search(r"\d", text):
        return None
    kind = named.group("kind")
    return f"{kind[0].upper()}{kind[1:].lower()}"


def unit_answer(text: str, kind: str) -> str | None:
    """The answer to "What's the flat number?": "14", "its 3b", "flat 14" -> "Flat 14"; None when it says more
    (a street, a postcode) or no single number."""
    given = added_unit(text)  # "flat 14", "flat number is 14"
    if given:
        return given
    number = r"(?<![\w#£$])\d{1,4}[a-z]?\b"
    numbers = re.findall(number, text or "", re.IGNORECASE)
    if len(numbers) != 1 or not read_address(re.sub(number, " ", text, flags=re.IGNORECASE)).address.empty:
        return None
    return f"{kind} {numbers[0].upper()}"


def _named_unit(text: str) -> tuple[str, str, list[tuple[int, int]]] | None:
    """The unit's kind, its number, and where both sit, when a message names a flat's number and then says it."""
    named = list(UNIT_NUMBER.finditer(text))
    if len(named) != 1:
        return None
    said = SAID_NUMBER.match(text, named[0].end())
    if said is None:
        return None
    return named[0].group("kind"), said.group("number"), [named[0].span(), said.span("number")]


def without_unit(line: str) -> str:
    """The address line less a flat or unit it opens with ("Flat 1, 12 Acacia Avenue" -> "12 Acacia Avenue")."""
    found = _UNIT_PART.match(line.strip())
    return line.strip()[found.end():].lstrip(" ,") if found else line.strip()


def _blank(text: str, spans: Iterable[tuple[int, int]]) -> str:
    """The order or tracking number, and the words that name it ("for order #"), read as nothing."""
    for a, b in sorted(spans, reverse=True):
        words = _REFERENCE_WORDS.search(text, 0, a)
        a = words.start() if words else a
        text = text[:a] + " " * (b - a) + text[b:]
    return text


def _postcode(text: str, country: str) -> tuple[str | None, str | None, str | None, tuple[int, int] | None]:
    """(postcode, a bad one, the country it says, where it is): the last postcode-shaped thing wins."""
    found = list(_UK_LOOSE.finditer(text))
    zips = [z for z in _ZIP.finditer(text) if _zip_plausible(text, z, country)]
    last_uk, last_zip = (found[-1] if found else None), (zips[-1] if zips else None)
    if last_zip and (not last_uk or last_zip.start() > last_uk.start()):
        return postal.us_zip(last_zip.group(1)), None, "US", last_zip.span()
    if last_uk:
        real = postal.uk_postcode(last_uk.group(0))
        if real:
            return real, None, "GB", last_uk.span()
        return None, f"{last_uk.group(1)} {last_uk.group(2)}".upper(), None, last_uk.span()
    return None, None, None, None


def _zip_plausible(text: str, match: re.Match[str], country: str) -> bool:
    """Five digits are a ZIP at the end of an address (not "12345 Main St"), for a US parcel or after a state."""
    after = text[match.end():]
    if re.match(r"\s*[A-Za-z]", after) and not re.match(r"\s*(?:instead|please|pls|thanks|usa|us)\b", after, re.I):
        return False
    return country == "US" or _state_suffix(text[: match.start()]) is not None


def _start(head: str, expect: str | None, postcode: bool) -> int:
    """Where the address begins in the text before the postcode. A request with no house number and no
    postcode names no address ("i want to check it's got my house number right")."""
    starts = [m for m in _START.finditer(head) if not _NOT_THIS.search(head, 0, m.start())] or \
        list(_START.finditer(head))
    if starts:
        first = starts[0].start()
        cue = _last(_CUE, head, 0, first)
        name = head[cue:first].strip()
        if name.endswith(",") and _HOUSE_NAME.match(name.rstrip(",").strip()) and \
                not postal.known_town(name.rstrip(",")):
            return cue + (len(head[cue:first]) - len(head[cue:first].lstrip()))  # "The Old Mill, 3 River Lane"
        return first
    if expect is None and not postcode:
        return len(head)
    return _last(_CUE, head, 0, len(head))


def _last(pattern: re.Pattern[str], text: str, start: int, end: int) -> int:
    """Where the text after the last match of `pattern` in text[start:end] begins (start if none)."""
    position = start
    for match in pattern.finditer(text, start, end):
        position = match.end()
    return position


def _state_suffix(text: str) -> tuple[str, int] | None:
    """A US state written at the end of `text` ("..., TX", "... Texas", "new york"): (its code, where it starts)."""
    words = list(re.finditer(r"[A-Za-z]+", text.rstrip(" ,.")))
    for n in (3, 2, 1):
        if len(words) < n or text.rstrip(" ,.")[words[-1].end():].strip():
            continue
        start = words[-n].start()
        name = text[start: words[-1].end()]
        if n == 1 and len(name) == 2 and name.lower() in _AMBIGUOUS_STATES and not name.isupper():
            continue
        code = postal.state_code(name)
        if code:
            return code, start
    return None


def _state(body: str, tail: str) -> tuple[str | None, str]:
    """A US state just before the ZIP ("Austin, TX 78701") or just after it, taken off the address text."""
    found = _state_suffix(body)
    if found:
        return found[0], body[: found[1]]
    match = re.match(r"[\s,]*([A-Z]{2})\b", tail)
    return (postal.state_code(match.group(1)) if match else None), body


def _parts(body: str) -> list[str]:
    """The comma-separated parts, each cleaned for a label; a county or a country adds nothing, nor does an aside
    ("forgot the flat number", "they left it off", "I forgot it") or "to the address" after the part added."""
    out = []
    for raw in re.split(r"[,\n;()]+", _ADDED_TO.sub("", body)):
        part = driver_text(_HEAD.sub("", _TAIL.sub("", _NOT_TAIL.sub("", raw))))
        if _ASIDE.match(part or ""):
            continue
        if part and not postal.is_county(part) and not postal.country_named(part):
            out.append(part)
    return out


def _town_after(tail: str) -> str | None:
    """ "20 Deansgate M3 2BW Manchester": a town written after the postcode."""
    match = re.match(r"[\s,]*([A-Za-z][A-Za-z' -]{2,30}?)[\s,.!]*(?:$|\b(?:instead|please|pls|thanks)\b)", tail)
    if match and postal.known_town(match.group(1)):
        return match.group(1).strip()
    return None


def _town_in(parts: list[str], expect: str | None) -> tuple[str | None, list[str]]:
    """The town: the last part when it names one (or when the shopper was just asked for the town), else one
    written at the end of the last line ("20 Deansgate Manchester", "742 Evergreen Terrace Springfield")."""
    if not parts:
        return None, parts
    last = parts[-1]
    if expect == "town" and len(parts) == 1 and not any(ch.isdigit() for ch in last):
        return last, []
    if not any(ch.isdigit() for ch in last) and (
            postal.known_town(last) or (len(parts) > 1 and not _HAS_STREET.search(last))):
        return last, parts[:-1]
    words = last.split()
    for n in (3, 2, 1):
        if len(words) > n:
            name = " ".join(words[-n:])
            rest = re.sub(r"\s+(?:in|at|near)$", "", " ".join(words[:-n]), flags=re.IGNORECASE)
            if postal.known_town(name) and not _STREET_END.search(name) and len(rest.split()) >= 2:
                return name, [*parts[:-1], rest]
    after = re.search(rf"^(.*\d.*\b(?:{_STREET})\.?)\s+((?:[A-Za-z][\w'-]*\s*){{1,3}})$", last, re.IGNORECASE)
    if after and not re.search(_DIRECTIONS, after.group(2), re.IGNORECASE) and not _HAS_STREET.search(after.group(2)):
        return after.group(2).strip(), [*parts[:-1], after.group(1)]
    return None, parts


def _lines(parts: list[str], expect: str | None) -> tuple[str | None, str | None]:
    """Line 1 (a flat on its own goes with the street after it) and line 2 (everything else)."""
    parts = [p for p in parts if p]
    if not parts:
        return None, None
    if len(parts) > 1 and re.fullmatch(r"\d{1,5}[a-z]?", parts[0], re.IGNORECASE):
        parts = [f"{parts[0]} {parts[1]}", *parts[2:]]  # "5, Park Row"
    elif len(parts) > 1 and re.fullmatch(rf"{UNIT}\.?\s*\S+", parts[0], re.IGNORECASE):
        parts = [f"{parts[0]}, {parts[1]}", *parts[2:]]
    line1 = parts[0]
    if not _plausible_line(line1, parts, expect):
        return None, None
    return tidy(line1), (tidy(", ".join(parts[1:])) if len(parts) > 1 else None)


def _plausible_line(line: str, parts: Sequence[str], expect: str | None) -> bool:
    """A first line has a number or a street word, or is a house name followed by more of the address."""
    if len(line) < 3 or not re.search(r"[A-Za-z]", line):
        return False
    if any(ch.isdigit() for ch in line) or _HAS_STREET.search(line):
        return True
    return (len(parts) > 1 or expect == "line1") and bool(_HOUSE_NAME.match(line))


def _hint(lead: str) -> str | None:
    """A town named before the address ("my mum's in Leeds, 5 Park Row..."); everyday words don't count."""
    for cue in _HINT.finditer(lead):
        words = re.findall(r"[A-Za-z][\w'-]*", lead[cue.end():])[:3]
        for n in range(len(words), 0, -1):
            name = " ".join(words[:n])
            if postal.town_key(name) not in _PLAIN_WORDS and postal.known_town(name):
                return postal.known_town(name)
    return None


# -- "is my address right?" -------------------------------------------------------------------------------
_CHECK = re.compile(
    r"\b(?:check|confirm|verify|make\s+sure|double[\s-]?check|see|show|tell\s+me|read\s+(?:me\s+)?back)\b"
    r"[^.?!]{0,60}\b(?:address|addy|addr)"
    r"|\b(?:what|which|wat|wot|whats|what's)\s+(?:is\s+)?(?:the\s+|my\s+)?(?:delivery\s+|shipping\s+)?(?:address|addy)"
    r"|\b(?:address|addy|addr)\b[^.?!]{0,40}\b(?:right|correct|ok|okay|on\s+file|you\s+have|u\s+have|you'?ve\s+got"
    r"|going\s+to|is\s+it\s+going|it'?s\s+going)\b"
    r"|\b(?:is|are|has|have)\b[^.?!]{0,30}\b(?:address|addy|postcode|house\s+number|flat\s+number|zip)\b[^.?!]{0,30}"
    r"\b(?:right|correct|on\s+it|ok)\b"
    r"|\b(?:got|has|have)\s+(?:my|the)\s+(?:house|flat|apartment|door)\s+number\b"
    r"|\b(?:is|it'?s|did|have|has)\b[^.?!]{0,30}\b(?:right|correct)\s+(?:address|addy|postcode|house\s+number)\b",
    re.IGNORECASE,
)
_CHANGE = re.compile(
    r"\b(?:change|changing|update|amend|edit|redirect|new\s+address|moved|move\s+it|send\s+it\s+to|deliver\s+"
    r"(?:it\s+)?to|ship\s+(?:it\s+)?to|instead|different|fix)\b",
    re.IGNORECASE,
)
_WRONG = re.compile(r"\b(?:wrong|incorrect|not\s+right|isn'?t\s+right)\b", re.IGNORECASE)
_CHECK_VERB = re.compile(r"\b(?:check|confirm|verify|make\s+sure|see|show|read)\b", re.IGNORECASE)


def asks_to_check(text: str) -> bool:
    """ "Is my address right?", "what address is it going to?": a question about the address on file, which
    must not start changing it (review D19). A word of changing it ("update", "send it to") makes it a change,
    and so does "it's wrong", unless they asked to check ("can you check it, the number might be wrong")."""
    text = text or ""
    if not _CHECK.search(text) or _CHANGE.search(text):
        return False
    return not _WRONG.search(text) or bool(_CHECK_VERB.search(text))
