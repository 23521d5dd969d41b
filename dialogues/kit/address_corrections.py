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
