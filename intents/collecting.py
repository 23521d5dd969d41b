"""'can I grab it from the rusholme store', 'can i get them from the piccadilly store': the shopper's parcel, to be
collected from a shop, store, locker or pickup point they name.

Why a rule beside the classifier: the out-of-scope examples are full of the merchant's own shops ("has the
manchester store got the chelsea boots in", "what time does the leeds store shut"), so a named place and "store"
pull a collection request out of scope (review 9). What tells them apart is plain in the words: a verb of
collecting, the parcel ("it", "them", "my parcel"), and a place it is collected from. Only a parse the classifier
was unsure of, or read as out of scope, is changed; "can I get the boots from the leeds store" names no parcel.
"""

from __future__ import annotations

import dataclasses
import re

from intents.types import OUT_OF_SCOPE, ParseResult

PICKUP = "deliver_to_pickup_point"
CONFIDENCE = 0.8
_UNSURE = 0.6  # a reading less sure than this, of another request, gives way to the collection words
_COLLECT = (r"(?:collect|pick|picking|grab|get|fetch|nab|come\s+and\s+get|swing\s+by|nip|pop|go|head|stop\s+by"
            r"|drop\s+by|call\s+in|get\s+hold\s+of)")
_PARCEL = r"(?:it|them|this|that|these|those|(?:my|the|our)\s+(?:parcel|package|order|delivery|stuff|things|box))"
_PLACE = (r"(?:shop|store|locker|lockers|newsagents?|post\s+office|pick\s*-?up\s+point|collection\s+point"
          r"|parcel\s+point|access\s+point|service\s+point|corner\s+shop|late\s+shop|minimart|supermarket)")
# "grab it from the rusholme store", "pick them up at the ancoats locker", "nip to the rusholme store and get it"
_COLLECTING = re.compile(
    rf"\b{_COLLECT}\s+(?:up\s+)?{_PARCEL}\s+(?:up\s+)?(?:from|at|in)\s+(?:the|a|your|ur|that|one\s+of\s+the)?\s*"
    rf"(?:[\w'-]+\s+){{0,3}}?{_PLACE}\b"
    rf"|\b{_COLLECT}\s+(?:in\s+|into\s+|down\s+|over\s+|round\s+)?(?:to|by|at)\s+(?:the|a|your|ur)?\s*"
    rf"(?:[\w'-]+\s+){{0,3}}?{_PLACE}\s+(?:and|to)\s+(?:get|grab|collect|pick\s+up|fetch)\s+{_PARCEL}\b",
    re.IGNORECASE,
)


def collecting(parsed: ParseResult) -> ParseResult:
    """The parse, as a collection-point request when its words say the parcel is to be collected from a place and
    the classifier was unsure or heard it as out of scope; otherwise as it was."""
    if parsed.intent == PICKUP or not _COLLECTING.search(parsed.text):
        return parsed
    if parsed.intent != OUT_OF_SCOPE and parsed.confidence >= _UNSURE and not parsed.clarify:
        return parsed
    return dataclasses.replace(parsed, intent=PICKUP, confidence=max(parsed.confidence, CONFIDENCE), clarify=None)
