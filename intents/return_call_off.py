"""'cancel my return', 'stop the return', 'i dont want to return it anymore': the shopper calls a return off.

Why a rule beside the classifier: a probe found "cancel my return" read as cancelling the order (the shopper was
told the parcel "can't be cancelled - but you can start a return"), and "stop the return", "call off the return"
and "i dont want to return it anymore" each started the return they were calling off. The words are the return
journey's (`start_return`), which answers them without booking anything; at its questions the same words call it
off (`dialogues/kit/return_reasons.keeps_it` asks `calls_off_return` too: one table).
"""

from __future__ import annotations

import dataclasses
import re

from intents.types import ParseResult

RETURN = "start_return"
CONFIDENCE = 0.9
_NOT = r"(?:do\s*n[o']?t|dont|don't|no\s+longer|not)"
_CALL_OFF = re.compile(
    r"\b(?:cancel|cancell?ing|stop|stopping|call\s+off|scrap|forget(?:\s+about)?|withdraw|undo|drop)\s+(?:the\s+|my\s+|"
    r"this\s+|that\s+)?returns?\b(?!\s+(?:label|policy|window|address|fee|cost))"
    r"|\bcall\s+(?:the\s+|my\s+)?return\s+off\b"
    # "i dont want to return it (anymore)": said on its own or beside keeping it; with a wish after it ("..., i want a
    # refund") it is that wish's, not a call-off
    rf"|\b{_NOT}\s+(?:want|wanna|need)\s+to\s+(?:return|send)\s+(?:it|them|the\s+\w+|this|these)(?:\s+back)?"
    r"(?:\s+(?:any\s*more|after\s+all|now))?(?=\s*(?:$|[.!]|,?\s*(?:i'?ll|ill|i\s+will|i'?m|im|gonna)\s+(?:just\s+)?keep"
    r"|,?\s*(?:thanks|thank\s+you|thx|ta)\b))"
    rf"|\b(?:i'?m|im|i\s+am)\s+not\s+(?:returning|sending)\s+(?:it|them|the\s+\w+)(?:\s+back)?\s+(?:any\s*more|after\s+all)\b"
    r"|\bchanged\s+my\s+mind\s+about\s+(?:the\s+return|returning|sending\s+it\s+back)\b",
    re.IGNORECASE,
)


def calls_off_return(text: str) -> bool:
    """Does the message call a return off ("cancel my return", "i dont want to return it anymore")?"""
    return bool(text) and _CALL_OFF.search(text.replace("\u2019", "'")) is not None


def return_called_off(parsed: ParseResult) -> ParseResult:
    """The parse, as the return journey's when the message calls a return off: never a cancelled order, never a
    return started."""
    if not calls_off_return(parsed.text) or (parsed.intent == RETURN and parsed.confidence >= CONFIDENCE):
        return parsed
    return dataclasses.replace(parsed, intent=RETURN, confidence=CONFIDENCE, clarify=None)
