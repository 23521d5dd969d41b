"""How much of an address anyone but its proven recipient may see: one module for the chat and the page.

- the chat's masked delivery address ("3 ***, M1 ***": Address.masked) - enough for the recipient to
  recognise, too little for anyone else to use;
- a carrier's event location and description on the signed tracking page (/t/<token>), which anyone holding
  the link can open: at most a town, county, state or depot name and the outward postcode district ("M1").

Why an allow-list: a carrier's free text can spell a street in endless ways ("Twelve Acacia Avenue", "Acacia
Ave", "Flat 3"), so rather than hunt street words we keep only what has a known coarse shape (a post town
from backend/data/post_towns.json, a depot, a US city before its state) and drop the rest. The recipient's
own address lines are checked too: a part naming any of their distinctive words goes, whatever its shape.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Protocol

from backend import postal

STARS = "*" * 3
WORDS = Path(__file__).resolve().parent / "data" / "carrier_words.txt"
# A full UK postcode in any spelling: "M1 4BT", "M14BT", "m1 4bt", "M1-4BT", "M1.4BT".
FULL_POSTCODE = re.compile(r"(?<![A-Za-z0-9])([A-Za-z]{1,2}[0-9][0-9A-Za-z]?)[\s.-]*([0-9][A-Za-z]{2})(?![A-Za-z0-9])")
# A US ZIP code, ZIP+4 too ("62704", "62704-1234", "62704 1234").
ZIP_CODE = re.compile(r"(?<!\d)\d{5}(?:[\s-]?\d{4})?(?!\d)")
_OUTWARD = re.compile(r"^[A-Za-z]{1,2}[0-9][0-9A-Za-z]?$")
_PARTS = re.compile(r"[,;|/()\[\]\n\r\t]+|\s+[-:]+\s+")
_DEPOT = re.compile(
    r"\b(?:depot|hub|sort(?:ing)?\s+(?:centre|center|office|facility)|(?:delivery|distribution|service|parcel"
    r"|mail|processing|collection|network)\s+(?:office|unit|centre|center|station|facility|point|hub)"
    r"|facility|warehouse|gateway|terminal|post\s+office|parcel\s*shop|pick\s*-?\s*up\s+point)\b",
    re.IGNORECASE,
)
_STREETISH = re.compile(  # a second line of defence only: a shape the allow-list would keep, holding a street
    r"\b(?:st|street|rd|road|ave|avenue|ln|lane|dr|drive|blvd|boulevard|ct|court|way|pl|place|close|terrace|cres"
    r"|crescent|hwy|highway|grove|gardens|mews|square|row|walk|hill|rise|parade|green|vale|view|circle|plaza|trail"
    r"|parkway|pkwy|alley|wharf|quay|esplanade|embankment|park|flat|apt|apartment|suite|house|floor|po box)\b\.?",
    re.IGNORECASE,
)
MAX_DEPOT_WORDS = 5
MAX_PLACE_WORDS = 4  # "Newcastle upon Tyne", "East Riding of Yorkshire"


class AddressLike(Protocol):
    line1: str
    city: str
    postcode: str
    line2: str | None


# -- the chat ---------------------------------------------------------------------------------------------
def masked_address(line1: str, postcode: str) -> str:
    """'3 Acacia Avenue', 'M1 4BT' -> '3 ***, M1 ***' (a ZIP, ZIP+4 too, keeps its first two digits)."""
    first = line1.split(" ")[0] if line1 else ""
    return f"{first} {STARS}, {outward_shown(postcode)} {STARS}".strip()


def outward_shown(postcode: str) -> str:
    """'M1 4BT', 'M14BT', 'm1-4bt' -> 'M1'/'m1' (as typed); '94105' or '94105-1234' -> '94'."""
    raw = (postcode or "").strip()
    if ZIP_CODE.fullmatch(raw):
        return raw[:2]
    compact = re.sub(r"[\s.-]", "", raw)
    return compact[:-3]


# Words that can stand before a street's suffix without being its name ("by the house", "at the green").
_NOT_A_NAME = frozenset({
    "a", "an", "the", "at", "to", "by", "in", "on", "of", "with", "from", "near", "next", "outside", "inside", "behind",
    "beside", "under", "left", "door", "front", "back", "side", "rear", "their", "his", "her", "our", "my", "your",
    "its", "neighbour", "neighbor", "neighbours", "neighbors", "no", "number", "safe", "delivery", "parcel", "drop",
})
_TOKENS = re.compile(r"[A-Za-z][A-Za-z'-]*|\d+[A-Za-z]?|[^A-Za-z\d]+")


def masked_place(text: str, address: AddressLike | None = None) -> str:
    """Where a carrier left it, in the chat's masking ("Front porch, 12 Acacia Avenue, M1 4BT" -> "Front porch,
    12 ***, M1 ***"): the words of a place are kept ("porch", "neighbour", "safe place"), a street's name and
    suffix, the recipient's own address words and a postcode's inward part are not. House numbers stay, as in
    masked_address. For whoever proved only the number and postcode, as every other reply (review: a proof of
    delivery's place and the carrier's delivered words went out as sent)."""
    text = FULL_POSTCODE.sub(lambda found: f"{found.group(1).upper()} {STARS}", text)
    text = ZIP_CODE.sub(lambda found: f"{found.group(0)[:2]}{STARS}", text)
    private = Private.of(address)
    tokens = _TOKENS.findall(text)
    hidden = [False] * len(tokens)
    words = [i for i, t in enumerate(tokens) if t[0].isalpha()]
    for i in words:
        word = tokens[i].lower()
        if word in private.words:
            hidden[i] = True
        if _STREETISH.fullmatch(tokens[i]):  # "Acacia Avenue": a name just before it makes it a street
            name = _name_before(tokens, i)
            for j in name:
                hidden[j] = True
            hidden[i] = hidden[i] or bool(name)
    out: list[str] = []
    for token, hide in zip(tokens, hidden, strict=True):
        if hide:
            if out and out[-1] == STARS:
                continue
            if len(out) >= 2 and out[-2] == STARS and not out[-1].strip():
                out.pop()  # "*** ***" -> "***"
                continue
            out.append(STARS)
        else:
            out.append(token)
    return "".join(out)


def _name_before(tokens: list[str], at: int) -> list[int]:
    """The one or two words just before tokens[at], separated by spaces only, that can be a street's name."""
    name: list[int] = []
    i = at - 1
    while len(name) < 2 and i >= 1 and not tokens[i].strip() and tokens[i - 1][0].isalpha():
        if tokens[i - 1].lower() in _NOT_A_NAME:
            break
        name.append(i - 1)
        i -= 2
    return name


# -- the recipient's own words ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Private:
    """What the public page must never echo of this recipient: their distinctive address words and phrases."""

    words: frozenset[str] = frozenset()
    phrases: tuple[str, ...] = ()
    postcode: str = ""  # compact, upper case

    @classmethod
    def of(cls, address: AddressLike | None) -> Private:
        if address is None:
            return cls()
        lines = [line for line in (address.line1, address.line2) if line]
        coarse = set(_words(address.city))  # the town is shown anyway; any other word of theirs is not
        words = {w for line in lines for w in _words(line) if len(w) >= 3 and not w.isdigit() and w not in coarse}
        # "Acacia Avenue" of "3 Acacia Avenue": the street without its number, as a phrase.
        phrases = tuple(p for p in (" ".join(w for w in _words(line) if not any(c.isdigit() for c in w))
                                    for line in lines) if len(p) >= 4)
        return cls(frozenset(words), phrases, re.sub(r"[\s.-]", "", address.postcode or "").upper())

    def named_in(self, text: str) -> bool:
        words = _words(text)
        joined = " ".join(words)
        return (bool(self.words.intersection(words)) or any(f" {p} " in f" {joined} " for p in self.phrases)
                or (len(self.postcode) >= 5 and self.postcode in re.sub(r"[\s.-]", "", text).upper()))


def _words(text: str | None) -> list[str]:
    return re.findall(r"[a-z0-9]+", (text or "").lower())


def _scrub_codes(text: str) -> str:
    """Full postcodes become their outward code ("M1 4BT" -> "M1"); ZIP codes go altogether."""
    text = FULL_POSTCODE.sub(lambda found: found.group(1).upper(), text)
    return ZIP_CODE.sub(" ", text)


def _is_outward(token: str) -> bool:
    return bool(_OUTWARD.match(token)) and postal.uk_area(postal.area_code(token.upper())) is not None


# -- a carrier's place on the public page -----------------------------------------------------------------
def public_place(location: str | None, address: AddressLike | None = None) -> str:
    """'23 Chorlton Road, Manchester M15 4AJ' -> 'Manchester M15'; 'Manchester Hub' stays; '16 Oak Lane' -> ''.

    Each comma/semicolon/line part is kept only when it is a known coarse place: a post town, county, country
    or state (with an outward code after it), a bare outward code, a depot's name, or the word before a US
    state ("Springfield, IL"). A part naming the recipient's own address words never is."""
    if not location:
        return ""
    private = Private.of(address)
    parts = [" ".join(p.split()) for p in _PARTS.split(_scrub_codes(location))]
    parts = [p for p in parts if p]
    kept: list[str] = []
    for i, part in enumerate(parts):
        shown = _coarse(part, before_state=i + 1 < len(parts) and _state_part(parts[i + 1]))
        if shown and not private.named_in(shown) and shown not in kept:
            kept.append(shown)
    return ", ".join(kept[-2:])


def _coarse(part: str, *, before_state: bool) -> str:
    """The part as shown when it has a known coarse shape, else ''."""
    words = part.split()
    tail = ""
    if words and _is_outward(words[-1]):
        tail, words = words[-1].upper(), words[:-1]
    elif len(words) > 1 and _state_code(words[-1]):  # "Springfield IL"
        tail, words, before_state = words[-1], words[:-1], True
    head = " ".join(words)
    if not head:
        return tail
    if _known_place(head) or _depot(head) or (before_state and _us_city(head)):
        return f"{head} {tail}".strip()
    return ""


def _state_code(word: str) -> bool:
    return len(word) == 2 and word.isupper() and postal.state_code(word) is not None


def _state_part(part: str) -> bool:
    words = part.split()
    return bool(words) and (_state_code(words[0]) or postal.state_code(part) is not None)


def _known_place(text: str) -> bool:
    return bool(postal.known_town(text) or postal.is_county(text) or postal.country_named(text)
                or postal.state_code(text) and (len(text) > 2 or text.isupper()))


def _depot(text: str) -> bool:
    """ "Manchester Hub", "Salford Delivery Office", "Local depot": a facility word with nothing but a known place
    and carrier words before or after it ("Trafford Park Depot" or "Acacia Grove Depot" could be anyone's)."""
    return _DEPOT.search(text) is not None and len(text.split()) <= MAX_DEPOT_WORDS and _plain(text)


def _us_city(text: str) -> bool:
    return (not any(c.isdigit() for c in text) and not _STREETISH.search(text) and len(text.split()) <= 3
            and all(w[:1].isupper() for w in text.split()))


# -- a carrier's words on the public page ------------------------------------------------------------------
@lru_cache(maxsize=1)
def carrier_words(path: Path = WORDS) -> frozenset[str]:
    """The allow-list of plain carrier wording (backend/data/carrier_words.txt)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(w.lower() for line in lines if not line.startswith("#") for w in line.split())


def public_description(text: str | None, address: AddressLike | None = None) -> str | None:
    """The carrier's description when it is plain carrier wording ("Arrived at Manchester Hub"), else None:
    the page then shows the status's own wording. A number, an unknown word (a street, a name), a full
    ZIP, or any word of the recipient's address means it may say where they live."""
    if not text or not text.strip() or ZIP_CODE.search(text) or Private.of(address).named_in(text):
        return None
    scrubbed = " ".join(FULL_POSTCODE.sub(lambda found: found.group(1).upper(), text).split())
    return scrubbed if _plain(scrubbed) else None


def _plain(text: str) -> bool:
    """Every word is a carrier word, part of a known place name, or an outward code."""
    tokens = re.findall(r"[A-Za-z0-9]+", text)
    i = 0
    while i < len(tokens):
        place = next((j for j in range(min(len(tokens), i + MAX_PLACE_WORDS), i, -1)
                      if not any(_STREETISH.fullmatch(t) for t in tokens[i:j]) and _known_place(" ".join(tokens[i:j]))),
                     None)
        if place is not None:
            if place < len(tokens) and _STREETISH.fullmatch(tokens[place]):
                return False  # "Manchester Way", "Bath Street": a street named after a town
            i = place
        elif tokens[i].lower() in carrier_words() or _is_outward(tokens[i]):
            i += 1
        else:
            return False  # a number, a name, a street: not shown to whoever holds the link
    return True
