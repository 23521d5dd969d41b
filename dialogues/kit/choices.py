"""Reading a pick from a numbered list: "2", "the second one", "#2", "the shoes", "thurs", "the saturday one";
and an answer that takes them all ("both", "all of them"), in the words a request uses for them all too."""

from __future__ import annotations

import re
from difflib import SequenceMatcher

_ORDINALS = {
    "first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4,
    "fifth": 5, "5th": 5, "sixth": 6, "6th": 6, "last": -1, "top": 1,
}
# "two" is a choice only on its own ("two", "number two"); in "the saturday one", "one" names nothing.
_CARDINALS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
# Words that only point at a number said ("the 2 please", "its number 2, thanks"): the answer is still that number.
_AROUND_NUMBER = frozenset({"the", "number", "option", "no", "please", "pls", "plz", "thanks", "thank", "you", "ta",
                            "thx", "cheers", "its", "it's", "it", "is", "that", "x", "xx", "just", "ok", "okay"})
_STOP = {"the", "one", "a", "an", "my", "that", "this", "please", "pls", "plz", "its", "it", "is", "on", "for"}


# "Every one of them" in words: one table for an answer at a list (picks_all: "both", "all of them", "both boxes")
# and a request (dialogues/kit/every_parcel: "leave them both in the porch", "all my parcels to the shop"). Each
# keeps its own rule for when the words are about the parcels: an answer says nothing else, a request must tie them
# to the parcels ("we're both out" and "both of us" are people, "all good" is nothing).
EVERY = ("all", "both", "each", "every")  # how many: all of them ("both" only of two)
THEM = ("them", "em", "'em")  # the parcels as a pronoun: "all of them", "them both"
POINTING = ("my", "the", "these", "those")  # "all my parcels", "both of these"
BOXES = ("parcels", "packages", "pkgs", "orders", "deliveries", "items", "boxes", "things")
ONE_BOX = ("parcel", "package", "order", "delivery")  # after "every" or "each": "every parcel"

# "both", "all of them", "the two of em pls": an answer that takes every option on the list, and says nothing else.
# "everything" and "the lot" only as a whole answer: in a request they are seldom the parcels ("is everything ok").
_ALL_WORDS = frozenset({*EVERY, "everything", "lot"})
_ALL_FILLER = frozenset({
    *THEM, *POINTING, *BOXES, *ONE_BOX, "of", "one", "ones", "two", "three", "four", "please", "pls", "plz",
    "thanks", "ta", "x", "xx", "i", "want", "need", "to", "know", "tell", "me", "about", "where", "are", "r", "they",
    "mate", "really", "just", "oh", "um", "erm", "haha", "lol", "2", "3", "4",
})


def one_of(words: tuple[str, ...]) -> str:
    """The table's words in a pattern: a group that matches any one of them."""
    return f"(?:{'|'.join(re.escape(w) for w in words)})"


# "the two of them", "the 3 of em", "the two please": as many as the list has, said as a number of them (a bare
# "two" or "number two" is the second option). "the pair (of them)": both of two.
_COUNTED = re.compile(rf"^(?:(?:yes|yeah|yep|yup|ok|okay|um|erm|oh)\W+)*(?:all\s+)?(?:(?:the\s+)?(?P<n>\w+)\s+of\s+"
                      rf"(?:{one_of(THEM)}|those|these|my\s+\w+)|the\s+(?P<m>[a-z]+)(?:\s+(?:{one_of(BOXES)}"
                      r"|please|pls|plz|thanks|ta)\b|$))")
_YES = frozenset({"yes", "yeah", "yep", "yup", "ok", "okay"})


def picks_all(text: str, count: int) -> bool:
    """Does the answer take every one of `count` options ("both", "all of them", "the two of them", "the pair")?
    "Both" and "the pair" only of two."""
    low = text.lower()
    words = re.findall(r"[\w']+", low)
    counted = _COUNTED.match(" ".join(words))
    number = counted and (counted.group("n") or counted.group("m"))
    if number and str(count) in {number, str(_CARDINALS.get(number))}:
        words = [w for w in words if w != number] + ["all"]
    if count == 2:
        words = ["both" if w == "pair" else w for w in words]
    named = [w for w in words if w in _ALL_WORDS]
    if not named or any(w not in _ALL_WORDS and w not in _ALL_FILLER and w not in _YES for w in words):
        return False
    return count == 2 or "both" not in named


def pick(text: str, options: list[str]) -> int | None:
    """Index into options, or None when the text doesn't clearly name one. An exclusion ("any but the first",
    "not the socks") names the one option it leaves, if it leaves one, and never the one it rules out."""
    if not options:
        return None
    left = excluding(text, options)
    if left is not None:
        return left[0] if len(left) == 1 else None
    return _named(text, options)


def _named(text: str, options: list[str]) -> int | None:
    low = text.lower().strip()
    digits = re.fullmatch(r"\W*(?:no\.?|number|option|#)?\s*(\d{1,2})\W*", low)
    if digits:
        n = int(digits.group(1))
        return n - 1 if 1 <= n <= len(options) else None
    words = re.findall(r"[\w']+", low)
    said = _number_said(words)
    if said is not None:
        return said - 1 if 1 <= said <= len(options) else None
    for w in words:
        if w in _ORDINALS:
            n = _ORDINALS[w]
            if n == -1:
                return len(options) - 1
            if n <= len(options):
                return n - 1
    meaningful = {w for w in words if w not in _STOP and len(w) > 2}
    if not meaningful:
        return None
    found = _best(meaningful, options, lambda w, ow: ow.startswith(w[:4]))
    if found is None:  # "picadilly": a name misspelt, when nothing on the list is named as written
        found = _best(meaningful, options, misspelt)
    return found


def _number_said(words: list[str]) -> int | None:
    """The one number an answer is made of, with only pointing words round it ("the 2", "2 please", "number 2,
    thanks", "its the no.2 one", "two"): as the list numbers it. None when anything else is said beside it."""
    bare = [w for w in words if w not in _AROUND_NUMBER]
    if len(bare) == 2 and bare[1] == "one" and (bare[0].isdecimal() or bare[0] in _CARDINALS):
        bare = bare[:1]  # "the 2 one": "one" is the option, not a number
    if len(bare) != 1:
        return None
    word = bare[0]
    return int(word) if word.isdecimal() and len(word) <= 2 else _CARDINALS.get(word)


def _best(words: set[str], options: list[str], same: object) -> int | None:
    """The one option most of these words name (same(word, option_word)); None if none, or a tie."""
    scores = []
    for i, option in enumerate(options):
        option_words = set(re.findall(r"[\w']+", option.lower()))
        hits = sum(1 for w in words if any(same(w, ow) for ow in option_words))  # type: ignore[operator]
        scores.append((hits, i))
    scores.sort(reverse=True)
    best = scores[0]
    if best[0] == 0 or (len(scores) > 1 and scores[1][0] == best[0]):
        return None
    return best[1]


def misspelt(word: str, name: str) -> bool:
    """A word of five letters or more that is the name with a letter or two wrong, missing or doubled
    ("picadilly", "piccadily", "rusholm", "ancotes")."""
    if len(word) < 5 or len(name) < 5 or word[0] != name[0] or word.isdigit():
        return False
    return SequenceMatcher(None, word, name).ratio() >= 0.85


# An answer that rules options out instead of naming one: "anything except the corner shop", "any of them apart
# from 1", "any but the first"; "not that one, any other", "not the socks", "not 1 - a different one".
_LEAD = r"^\W*(?:(?:oh|ok|okay|um|erm|hmm|ah|so|just|well|no|nah|nope|sorry|please|pls|yeah|yes)\b\W*)*"
_ANY_BUT = re.compile(
    _LEAD + r"(?:any(?:thing|where|one|\s+one|\s+of\s+(?:them|those|these|the\s+others)|\s+other(?:\s+one)?)?"
    r"|all|whichever|either|one\s+of\s+the\s+others)\s+(?:(?:is|are|will\s+do|would\s+do|works?)\s+(?:fine|ok|okay"
    r"|good)?\s*)?(?:but|except(?:\s+for)?|other\s+than|apart\s+from|besides|bar|excluding|save\s+for|not)\s+"
    r"(?P<x>.+)$",
    re.IGNORECASE,
)
_NOT = re.compile(
    _LEAD + r"(?:not|never|(?:i\s+)?(?:do\s*n[o']?t|dont|do\s+not)\s+(?:want|like|fancy)|anything\s+not)\s+(?P<x>.+)$",
    re.IGNORECASE,
)
# What follows the options ruled out: "..., any other", "- a different one please", "is fine", "thanks".
_REST = re.compile(
    r"(?:\W+|\s+)(?:(?:any|some|an?)\s*(?:other|others|one|else|where\s+else|thing\s+else|body\s+else)"
    r"|another|a\s+different|different|(?:the\s+)?others?\b|one\s+of\s+the\s+others|(?:is|are|will\s+do|would\s+do"
    r"|works?)\s+(?:fine|ok|okay|good)|(?:please|pls|plz|thanks|thank\s+you|ta|cheers|then|instead|mate)\b)(?:\W.*)?$",
    re.IGNORECASE,
)
_THAT_ONE = frozenset({"that", "this", "it", "there", "that one", "this one", "that place", "that shop", "them",
                       "the one you said", "the one you suggested", "yours", "your suggestion"})
_SPLIT = re.compile(r"\s*(?:,|&|\+|/|\bor\b|\band\b|\bnor\b)\s*", re.IGNORECASE)
_COUNTED_FIRST = re.compile(r"^(?:the\s+)?(first|top|last)\s+(two|three|2|3)$", re.IGNORECASE)


def excluding(text: str, options: list[str], *, referent: int | None = None) -> list[int] | None:
    """The options left when the answer rules some out ("anything except the corner shop", "any but the first",
    "not that one, any other": `referent` is the option "that one" points at, the one just proposed), in order;
    None when the answer is no exclusion, or names something that is not on the list."""
    found = _ANY_BUT.match(text)
    words = _REST.sub("", found.group("x")) if found else ""
    if found is None:
        found = _NOT.match(text)
        if found is None:
            return None
        # "not 3, 5" is a correction to 5, not two ruled out: after a "not X" only "any other" and the like may follow
        head, *tail = re.split(r"\s*(?:[,;]|\s-+\s|\.{2,})\s*", found.group("x"), maxsplit=1)
        rest = tail[0] if tail else ""
        if rest.strip(" .!?") and not _REST.match(" " + rest):
            return None
        words = _REST.sub("", head)
    words = words.strip(" .!?-,;:")
    counted = _COUNTED_FIRST.match(words)
    if counted:  # "the first two", "the last 2"
        n = _CARDINALS.get(counted.group(2).lower()) or int(counted.group(2))
        span = range(len(options) - n, len(options)) if counted.group(1).lower() == "last" else range(n)
        return [i for i in range(len(options)) if i not in span]
    out: set[int] = set()
    for piece in _SPLIT.split(words):
        piece = re.sub(r"^(?:the|a|an|number|no\.?|option|#)\s+|\s+(?:one|ones|option)$", "", piece.strip(" .!?-"),
                       flags=re.IGNORECASE).strip()
        if not piece:
            continue
        if piece.lower() in _THAT_ONE:
            if referent is None:
                return None
            out.add(referent)
            continue
        index = _named(piece, options)
        if index is None:
            return None
        out.add(index)
    if not out:
        return None
    return [i for i in range(len(options)) if i not in out]
