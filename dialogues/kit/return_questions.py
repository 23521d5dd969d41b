"""Questions about sending something back that have a short answer and start nothing: "whats the return address",
"do i need the original box", "can i swap it instead of a refund" (review 11: the first and last started a return
and asked why, the second was out of scope). Answered by journeys/return_question.py through the router's asides.

Why rules beside kit/faq.py and not in it: these are about a return being booked here (the label carries the
address; a return is a refund, not an exchange), read only where the question is plain. "i threw the box away" is
no question (a damage report says it), and "can i exchange it for a different size" is faq's (the item itself).
"""

from __future__ import annotations

import re
from enum import StrEnum


class ReturnQuestion(StrEnum):
    ADDRESS = "address"
    PACKAGING = "packaging"
    SWAP = "swap"


_SEND = r"(?:send|post|mail|ship|return|take|drop)"
_QUESTIONS: tuple[tuple[ReturnQuestion, re.Pattern[str]], ...] = tuple(
    (question, re.compile(words, re.IGNORECASE)) for question, words in (
        (ReturnQuestion.ADDRESS,
         r"\breturns?\s+(?:address|addy)\b"
         r"|\bwhat\s+address\b[^.?!]{0,30}\b(?:return|back)\b"
         rf"|\bwhere\s+(?:do|should|can|shall|will)\s+i\s+{_SEND}\s+(?:it|them|the\s+\w+|my\s+return)"
         r"(?:\s+back)?(?:\s+to)?\s*\??\s*$"
         r"|\b(?:which|what)\s+address\s+(?:do|should)\s+i\s+(?:use|put)\b[^.?!]{0,20}\breturn"),
        (ReturnQuestion.PACKAGING,
         r"\b(?:need|needs|have\s+to|has\s+to|must|got\s+to|gotta|requires?d?)\b[^.?!]{0,30}\b(?:the\s+)?"
         r"(?:original|orig|same|og)\s+(?:box|packaging|packing|package|bag)\b"
         rf"|\b(?:can|could)\s+i\s+{_SEND}\s+(?:it|them)(?:\s+back)?\s+without\s+(?:the\s+|a\s+)?(?:original\s+)?"
         r"(?:box|packaging|packing)\b"
         r"|\b(?:do|does|will)\s+(?:i|it|you)\s+(?:\w+\s+){0,3}(?:original|same)\s+(?:box|packaging|packing)\b"),
        (ReturnQuestion.SWAP,
         r"\b(?:swap|exchange|switch)\b[^.?!]{0,40}\b(?:instead|rather\s+than)\b[^.?!]{0,20}\b(?:refund|money)"
         r"|\binstead\s+of\s+(?:a\s+|my\s+|the\s+)?(?:refund|money\s+back)\b[^.?!]{0,40}\b(?:swap|exchange)\b"
         r"|\bcan\s+i\s+(?:just\s+)?(?:swap|exchange)\s+(?:it|them|this|these)\s*(?:instead)?\s*\??\s*$"),
    ))


def return_question(text: str) -> ReturnQuestion | None:
    """The return question the message asks, or None."""
    return next((question for question, words in _QUESTIONS if words.search(text)), None)
