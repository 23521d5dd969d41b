"""Whether a message asks what a change costs: "whats the fee to change the day", "is it free to redeliver", "how
much for evening delivery", "does it cost anything to change the address" (review 11: all were out of scope, and
the last started an address change without an answer).

Why a rule and not an NLU intent: a fee question names the change it is about, which the classifier would read as
that change ("change the address"); what makes it a question is the word of price beside it. Both are needed: "how
much was my order" names no change, and "is delivery free" is the shop's postage, not ours to answer. The answer
(journeys/fee_question.py) comes from the carrier's options for the parcel, so it is never a promise of our own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from backend.types import ActionKind

# A price asked about ("how much", "what's the fee", "is it free", "is there a charge", "does it cost", "do i have
# to pay"), UK and US, texting shorthand.
_PRICE = re.compile(
    r"\b(?:(?:how|hw)\s+much(?!\s+(?:time|longer|notice|later|sooner|earlier|more\s+time))|what(?:'?s|\s+is|\s+are|s)?\s+(?:the\s+|ur\s+|your\s+)?(?:fees?|costs?|charges?|price)"
    r"|is\s+(?:it|that|this|there)\s+(?:free|a\s+(?:fee|charge|cost)|any\s+(?:fee|charge|cost)|an?\s+extra)"
    r"|is\s+there\s+(?:a|any|an\s+extra)\s+(?:fee|charge|cost)|any\s+(?:extra\s+)?(?:fees?|charges?|costs?)"
    r"|(?:does|will|would|did)\s+(?:it|that|this)\s+cost|costs?\s+(?:anything|extra|more|money)"
    r"|(?:do|will|would|must)\s+(?:i|we|u|you)\s+(?:have\s+to\s+|need\s+to\s+|hafta\s+)?(?:pay|be\s+charged)"
    r"|do\s+(?:you|u|they)\s+charge|(?:fee|charge|cost|price)\s+(?:to|for|of)\b)",
    re.IGNORECASE)
# The change the price is for; the first that fits. Returns and the order's own postage are not here (the
# returns policy has its own answer, dialogues/kit/faq.py).
_KIND_WORDS: tuple[tuple[ActionKind, str], ...] = (
    (ActionKind.CHANGE_ADDRESS, r"\baddress\b"),
    (ActionKind.PICKUP_POINT, r"\bpick\s*-?\s*up\s+(?:point|shop|location)|\bcollect(?:ion)?\b|\blocker\b"),
    (ActionKind.LEAVE_WITH_NEIGHBOUR, r"\bneighbou?rs?\b|\bnext\s*door\b"),
    (ActionKind.LEAVE_IN_SAFE_PLACE, r"\bsafe\s*place\b|\bporch\b|\bleave\s+it\s+(?:outside|out)\b"),
    (ActionKind.HOLD, r"\bhold\b|\bkeep\s+it\s+at\s+the\s+depot\b"),
    (ActionKind.RESCHEDULE, r"\b(?:day|date|slot)\b|\bre-?schedul\w*|\bre-?deliver\w*|\bdeliver(?:ed)?\s+again"
                            r"|\b(?:evening|morning|afternoon|weekend|saturday)\b"),
)
_KINDS = tuple((kind, re.compile(words, re.IGNORECASE)) for kind, words in _KIND_WORDS)
_EVENING = re.compile(r"\b(?:evening|night|after\s+work|late)\b", re.IGNORECASE)


@dataclass(frozen=True)
class FeeAsked:
    kind: ActionKind
    evening: bool  # "how much for evening delivery": the evening slots' price


def fee_asked(text: str) -> FeeAsked | None:
    """The change whose price the message asks about, or None (no price asked, or no change named)."""
    if not _PRICE.search(text):
        return None
    kind = next((kind for kind, words in _KINDS if words.search(text)), None)
    if kind is None:
        return None
    return FeeAsked(kind, evening=kind is ActionKind.RESCHEDULE and bool(_EVENING.search(text)))
