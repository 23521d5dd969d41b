"""Agreement in templates: "Your Hiking boots are on the way", "Your GPS watch is on the way".

A template names the word that decides the form and gives both forms, singular first:

    "Your {parcel} {parcel|is/are} on the way."

so one template serves a pair of boots and a watch, and a merchant's own wording can do the same. What is
plural is read from the value itself (item names are free text from the shop, with no grammatical number
attached): "(+2 more)" or "(x2)" is plural; otherwise the head noun decides ("Pair of socks" is one pair,
"Socks" are many), with the common English words that end in s but are one thing ("dress", "lens",
"series") kept singular. A tracking number is one parcel; a bare count agrees as a count ("{minutes}
{minutes|minute/minutes}": 1 minute, 12 minutes). When unsure, singular: "Your Hiking boots is" reads as a
slip, "Your GPS watch are" as a bug.
"""

from __future__ import annotations

import re

_MORE = re.compile(r"\((?:\+\d+ more|x\s*(?:[2-9]|\d{2,}))\)\s*$", re.IGNORECASE)
_COUNTED = re.compile(r"^(?:[2-9]|\d{2,})\s*(?:x\s+)?[a-z]", re.IGNORECASE)  # "2 x T-shirt", "3 mugs"
_OF = re.compile(r"\s+of\s+", re.IGNORECASE)  # "Pair of socks": the head is "pair"
_PLURAL_WORDS = frozenset({"people", "children", "men", "women", "feet", "teeth", "mice", "geese"})
_SINGULAR_S = frozenset({
    "lens", "series", "species", "news", "chassis", "canvas", "atlas", "bus", "gas", "bias", "iris", "yes",
    "christmas", "physics", "maths", "mathematics", "electronics", "gymnastics", "athletics", "billiards",
    "darts", "this", "his", "hers", "its", "plus", "bonus", "cactus", "hummus", "octopus", "walrus", "virus",
    "campus", "status", "corpus", "census", "apparatus", "thesis", "analysis", "basis", "axis", "oasis",
})
AGREEMENT = re.compile(r"^([A-Za-z_]\w*)\|([^/|{}]*)/([^/|{}]*)$")


def is_plural(phrase: str) -> bool:
    """Whether a noun phrase (an item name, a parcel label) takes "are"."""
    text = " ".join(str(phrase).split())
    if not text:
        return False
    if text.isdecimal():  # a count: "1 minute", "12 minutes", "0 tries"
        return int(text) != 1
    if _MORE.search(text) or _COUNTED.match(text):
        return True
    text = re.sub(r"\s*\([^)]*\)\s*$", "", text)  # "Hiking boots (size 9)": the brackets don't count
    head = _OF.split(text, maxsplit=1)[0]
    words = head.split()
    if not words:
        return False
    word = words[-1].lower().strip(".,;:!?'\"")
    if not word.isalpha():  # a tracking number, "T-shirt" is fine below but "PB100000001GB" is one parcel
        word = word.replace("-", "")
        if not word.isalpha():
            return False
    if word in _PLURAL_WORDS:
        return True
    if word in _SINGULAR_S or len(word) <= 3:
        return False
    return word.endswith("s") and not word.endswith(("ss", "us", "is"))


def agree(field: str, values: dict) -> str | None:
    """`{parcel|is/are}` -> "is" or "are" by the value of parcel; None if `field` is not an agreement."""
    match = AGREEMENT.match(field)
    if match is None:
        return None
    name, singular, plural = match.groups()
    return plural if is_plural(str(values.get(name, ""))) else singular
