"""'the driver was rude', 'your driver damaged my gate', 'i want to make a complaint': a complaint about the
delivery service, for a person to handle, said with an apology.

Why a rule beside the classifier: a third probe found these read as a status question (the shopper got the parcel's
status and nothing about the driver), as a change refused ("It has already been delivered, so the delivery can't be
changed") and as out of scope. There is nothing for the bot to do about a rude driver or a broken gate but say
sorry and pass it to the team, with the reason "complaint" in their queue. The parcel itself damaged, or missing,
is the classifier's (a claim); a complaint beside a request asked in words ("the driver was rude, can you leave it
with number 5 next time") is that request's, with the complaint as its tone.
"""

from __future__ import annotations

import dataclasses
import re

from intents.types import ParseResult

PERSON = "talk_to_human"
CONFIDENCE = 0.7  # below requests.OWN_REQUEST_CONFIDENCE: beside a request asked in words, that request leads
_SURE = 0.9
_CLAIMS = frozenset({"report_damaged", "report_not_received", "opt_out"})  # the parcel's own problem, or a stop

_WHO = (r"(?:driver|courier|delivery\s+(?:guy|man|lady|woman|person|driver|bloke)|postie|postman|mailman|van\s+driver"
        r"|your\s+(?:guy|man|lady|bloke))")
_MANNER = (r"(?:rude|aggressive|abusive|horrible|unprofessional|nasty|threatening|intimidating|disrespectful|"
           r"obnoxious|vile|arrogant|shouting|swearing|yelling|drunk|smoking|on\s+(?:his|her|their)\s+phone)")
_PROPERTY = (r"(?:gate|fence|car|lawn|grass|garden|wall|door|plants?|flowers?|bins?|property|drive(?:way)?|hedge|"
             r"window|letterbox|mailbox|porch\s+light|pots?)")
_COMPLAINT = re.compile(
    r"\b(?:make|file|raise|lodge|log|submit|put\s+in|have|register)\s+(?:a\s+)?(?:formal\s+|official\s+)?complaint\b"
    r"|\b(?:i|we)\s+(?:want|wanna|would\s+like|'?d\s+like|need)\s+to\s+complain\b|\bcomplain(?:ing)?\s+about\s+(?:the|your|my)\b"
    r"|\bhow\s+(?:do|can)\s+i\s+complain\b"
    rf"|\b{_WHO}\b[^.?!]{{0,25}}?\b(?:was|is|were|got|being|been)\s+(?:so\s+|very\s+|really\s+|extremely\s+|incredibly\s+)?"
    rf"{_MANNER}\b"
    rf"|\b(?:{_WHO}|he|she|they)\s+(?:\w+\s+)?(?:damaged|broke|smashed|dented|scratched|cracked|ran\s+over|drove\s+(?:over|on"
    rf"|into)|reversed\s+into|backed\s+into|parked\s+on|kicked|trampled)\s+(?:my|our|the)\s+(?:\w+\s+)?{_PROPERTY}\b"
    rf"|\b{_WHO}\s+(?:swore|shouted|yelled)\s+at\s+(?:me|us|my)\b",
    re.IGNORECASE,
)
_ASKED = re.compile(r"\b(?:can|could|would|will)\s+(?:you|u)\b|\b(?:please|pls|plz)\s+(?!pass|tell|let)"
                    r"|\bnext\s+time\b", re.IGNORECASE)


def is_complaint(text: str) -> bool:
    """Does the message complain about the delivery service (the driver's manner, damage to property, "a
    complaint")?"""
    return bool(text) and _COMPLAINT.search(text.replace("\u2019", "'")) is not None


def complaint(parsed: ParseResult) -> ParseResult:
    """The parse, as a request for a person when the message complains about the service and asks for nothing
    else, unless the classifier heard the parcel damaged or missing (a claim) or was sure of another request."""
    if parsed.intent == PERSON or not is_complaint(parsed.text) or _ASKED.search(parsed.text):
        return parsed
    if parsed.intent in _CLAIMS or (parsed.confidence >= _SURE and not parsed.clarify
                                    and parsed.intent not in {"where_is_my_order", "out_of_scope", "help"}):
        return parsed
    return dataclasses.replace(parsed, intent=PERSON, confidence=CONFIDENCE, clarify=None)
