"""A shopper saying the parcel was left somewhere that isn't theirs: "thats not my door in the photo!!", "thanks
thats not my house tho", "that's someone else's porch", "never seen that door before", "it went to the wrong
address". That is a missing parcel (delivered to the wrong address), whatever the NLU hears in it: the words name a
place, and "not my door" reads as a refusal (review 7).

Said as a statement about where it went, not as a wish: "leave it at the back, not my front door" or "can you
leave it at someone else's house" ask for a delivery, and are no report."""

from __future__ import annotations

import re

_PLACE = (r"(?:front\s+|back\s+|actual\s+)?(?:door|house|home|porch|doorstep|step|steps|flat|apartment|apt|building"
          r"|street|road|address|gate|drive|driveway|stoop|place|garden|yard|mailbox|letterbox|letter box)")
# "that's not my door", "this isn't our house", "its not even my street", "that aint my porch", "thats someone
# elses door"
_NOT_OURS = re.compile(
    rf"\b(?:that|thats|that's|this|it|its|it's|which)(?:\s+(?:is|was|one))?\s+(?:not|isn'?t|isnt|wasn'?t|wasnt"
    rf"|aint|ain't)\s+(?:even\s+|actually\s+)?(?:my|our)\s+{_PLACE}\b"
    rf"|\b(?:that|thats|that's|this|its|it's)(?:\s+is)?\s+(?:someone|somebody)\s+else'?s\s+{_PLACE}\b",
    re.IGNORECASE)
# "thats not where i live" about the photo or where it went ("the address on the order is my old one, thats not where
# i live now" is an address change, not a report)
_NOT_WHERE_WE_LIVE = re.compile(
    r"\b(?:that|thats|that's|this|it|its|it's)(?:\s+is)?\s+(?:not|isn'?t|isnt|aint|ain't)\s+where\s+(?:i|we)\s+live\b",
    re.IGNORECASE)
# "not my door in the photo", "the photo shows a door that isnt mine": what the photo shows
_SHOWN = re.compile(r"\b(?:photo|photos|picture|pic|pics|image|photograph|snap)\b", re.IGNORECASE)
# ... and with the photo as the subject: "the photo isnt my house", "the pic doesnt show our door"
_NOT_MY = re.compile(
    rf"\b(?:not|isn'?t|isnt|wasn'?t|wasnt|aint|ain't|(?:doesn'?t|doesnt|does\s+not|didn'?t|didnt)\s+show)"
    rf"\s+(?:even\s+)?(?:of\s+)?(?:my|our)\s+{_PLACE}\b"
    rf"|\b{_PLACE}\s+(?:(?:that|which)\s+)?(?:is\s+not|isn'?t|isnt|aint|ain't|not)\s+(?:mine|ours)\b",
    re.IGNORECASE)
_ELSEWHERE = re.compile(
    rf"\b(?:(?:someone|somebody|some1|sum1)\s+else'?s|a\s+stranger'?s|random)\s+{_PLACE}\b"
    rf"|\bnever\s+seen\s+(?:that|this)\s+{_PLACE}"
    r"|\b(?:wrong|different)\s+(?:house|address|door|flat|apartment|building|street|number|porch|place)\b",
    re.IGNORECASE)
# It went there: "left at someone else's door", "delivered to the wrong house", "went to the wrong address"; not
# "i put the wrong address", which is the shopper's own slip (a new address, before delivery)
_LEFT_THERE = re.compile(r"\b(?:left|dropped|went|gone|photographed)\b", re.IGNORECASE)  # not "delivered": a wish too
_WENT = re.compile(r"\b(?:left|delivered|dropped|went|gone|taken|took|brought|photographed|shows?)\b", re.IGNORECASE)


def says_wrong_place(text: str) -> bool:
    """Does the shopper say the parcel (or the driver's photo of it) is at a place that isn't theirs?"""
    if _NOT_OURS.search(text):
        return True
    shown = bool(_SHOWN.search(text))
    if _NOT_MY.search(text) and shown:
        return True
    if _NOT_WHERE_WE_LIVE.search(text) and (shown or _LEFT_THERE.search(text)):
        return True
    return bool(_ELSEWHERE.search(text)) and (shown or bool(_WENT.search(text)))


# "my neighbour says they dont have it", "asked next door, they havent got it", "its not with next door", "none of
# the neighbours have it": the shopper has already asked where a parcel marked delivered usually turns up. A
# missing parcel too, not a wish to leave it with a neighbour (found by a probe: it was refused as a change to a
# delivered parcel). The object is required: "leave it with next door if i dont get back" asks for a delivery.
_NEIGHBOUR = (r"(?:neighbou?rs?|next\s+door|(?:people|lady|man|guy|woman|family|folks)\s+(?:next\s+door|opposite"
              r"|across\s+the\s+(?:road|street|hall)|at\s+(?:number|no\.?|#)\s*\d+\w?))")
_NOT_HAVE = (r"(?:don'?t|dont|do\s+not|doesn'?t|doesnt|does\s+not|haven'?t|havent|have\s+not|hasn'?t|hasnt|has\s+not"
             r"|didn'?t|didnt|did\s+not|never|aint|ain't)\s+(?:got|get|have|has|had|take|took|taken|receive|received"
             r"|see|seen|saw|sign(?:ed)?\s+for)(?:\s+(?:it|them|one|a\s+parcel|any\s+parcel|anything|the\s+parcel"
             r"|my\s+parcel|a\s+package|the\s+package|it\s+in|them\s+in))\b")
# A bare "not with next door" is a wish ("not with next door please, number 10 is fine"), so "it's not with" needs
# "it" as what was looked for ("its not with next door either"). Any request to place the parcel in the same message
# ("leave it in the porch, next door never take them in") makes it no report: a review of the rule found those.
_ASKED = re.compile(
    rf"\b{_NEIGHBOUR}\b[^.!?]{{0,40}}?\b{_NOT_HAVE}"
    rf"|\b(?:it'?s|its|it\s+is|it\s+was|it\s+wasn'?t|it\s+isn'?t)\s+(?:not\s+)?(?:with|at)\s+(?:my\s+|our\s+|the\s+|any\s+of\s+the\s+)?"
    rf"{_NEIGHBOUR}\b"
    rf"|\b(?:nobody|no\s*one|none\s+of\s+(?:my|our|the)\s+neighbou?rs)\s+(?:next\s+door\s+)?"
    r"(?:has|have|had|took|got|signed\s+for)\s+(?:it|them)\b",
    re.IGNORECASE)
_PLACING = re.compile(r"\b(?:leave|put|give|drop|pop|hand|deliver|bring|send)\b", re.IGNORECASE)


def says_not_with_neighbour(text: str) -> bool:
    """Has the shopper already asked the neighbours, and they don't have it? Never beside a wish to place it."""
    return bool(_ASKED.search(text)) and not _PLACING.search(text)
