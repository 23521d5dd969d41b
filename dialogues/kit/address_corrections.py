"""A house number corrected on its own, against the address being given ("sorry i meant 41 not 14" at the read-back
of "14 Oak Road"): the rest of the address stays as given. Kept apart from address_text.py, which reads an address
out of a message; this reads a correction of one part of it.
"""

from __future__ import annotations

import re

# "sorry i meant 41 not 14", "41, not 14", "should be 41", "i meant number 41": a house number corrected on its own,
# with nothing else of an address in the message (a probe: it was answered "I need at least the house number and
# street"). The number replaces the one the address being given starts with; "N not M" only when M is that one.
_NUMBER = r"(\d{1,4}[a-z]?)\b(?!\s*(?:am|pm|a\.m|p\.m)\b)"  # a house number: not a ZIP, not "10 am"
_NOT_THAT = re.compile(
    rf"(?:^|[^\w/]){_NUMBER}\s*,?\s*(?:not|instead\s+of|rather\s+than)\s+(?:number\s+|no\.?\s*)?{_NUMBER}",
    re.IGNORECASE)
_MEANT = re.compile(
    r"\b(?:i\s+meant|meant\s+to\s+(?:say|put|type|write)|should\s+(?:be|have\s+been|say)|it'?s\s+actually|its\s+actually"
    r"|make\s+(?:it|that)|change\s+(?:it|that)\s+to)\s+(?:house\s+)?(?:number\s+|no\.?\s*|#)?" + _NUMBER
    + r"(?!\s*(?:[a-z]{3,}|\d))", re.IGNORECASE)
_LEADING = re.compile(r"^\s*(\d{1,5}[a-z]?)\b", re.IGNORECASE)


# "the zip should be 10002", "the flat number should be 12", "apt 3, not 14": another part's number, not the house's
_OTHER_PART = re.compile(r"\b(?:zip|post\s*code|postal\s*code|flat|apartment|apt|unit|suite|ste|floor|room|code|phone|"
                         r"order|tracking|time|pm|am|o'?clock)\b", re.IGNORECASE)


def corrected_house_number(text: str, line1: str | None) -> str | None:
    """The first address line with its house number corrected by this message, or None if it doesn't do that."""
    current = _LEADING.match(line1 or "")
    if current is None or _OTHER_PART.search(text):
        return None
    old = current.group(1).lower()
    contrast = _NOT_THAT.search(text)
    if contrast is not None:
        new, named_old = contrast.group(1), contrast.group(2).lower()
        if named_old != old:
            return None
    else:
        meant = _MEANT.search(text)
        if meant is None:
            return None
        new = meant.group(1)
    if new.lower() == old:
        return None
    return f"{new.upper() if new[-1:].isalpha() else new}{line1[current.end():]}"  # type: ignore[index]


# "my postcode is wrong, its M1 4BU not M1 4BT", "the zip should be 78702", "wrong postcode, should be m14bu": the
# postcode of the address on file corrected on its own (a probe: it proposed "M1 4BU, Manchester M1 4BT", the new
# postcode read as the first line and the old one kept). One postcode wanted, none of the rest of an address.
_UK_CODE = re.compile(r"(?<![\w])([A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2})(?![\w])", re.IGNORECASE)
_US_CODE = re.compile(r"(?<![\w-])(\d{5})(?:-\d{4})?(?![\w-])")
_NAMES_THE_CODE = re.compile(r"\b(?:post\s*code|postal\s*code|zip(?:\s*code)?|zipcode)\b", re.IGNORECASE)
_OLD = re.compile(r"\b(?:not|instead\s+of|rather\s+than|isn'?t|wasn'?t|from)\s*$", re.IGNORECASE)


def corrected_postcode(text: str, on_file: str | None, country: str = "GB") -> str | None:
    """The postcode (ZIP) this message corrects the one on file to, when that is all it says; None otherwise."""
    from backend.postal import uk_postcode, us_zip
    from dialogues.kit.address_text import read_address

    pattern, normal = (_US_CODE, us_zip) if country == "US" else (_UK_CODE, uk_postcode)
    found = [(m, normal(m.group(1))) for m in pattern.finditer(text or "")]
    old = normal(on_file or "") or ""
    if not found or not (_NAMES_THE_CODE.search(text) or len(found) > 1):
        return None
    wanted = {code for m, code in found if code and code != old and not _OLD.search(text[:m.start()])}
    if len(wanted) != 1:
        return None
    rest = pattern.sub(" ", text)
    if not read_address(rest, country=country).address.empty:
        return None  # "5 new street, postcode m1 1aa": a new address, not its postcode alone
    return wanted.pop()
