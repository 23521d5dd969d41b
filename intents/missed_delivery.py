"""'they tried to deliver but i was out', 'got a card saying they called', 'what happened, why didnt it come': a
delivery missed, told as a story or asked about, is a question about where the parcel is now.

Why a rule beside the classifier: the story reads as several things at once (tracking or a new slot: "Did you mean
...?"), as a note for the driver ("there was a card through my door" was proposed as one), or as nothing it knows
(review 10). Its words are plain: someone came or tried while the shopper was out, a card or note through the door,
a delivery missed; or why it didn't come. The parcel's status answers it, and after a failed attempt the status
offers the next step (redelivery, a pickup point, a safe place). Only a parse the classifier was unsure of, or read
as out of scope, a bare value, help or a note for the driver, is changed; a message that asks for something in
words ("... can you redeliver tomorrow", "... anyway can you try again on wednesday") is the classifier's, and
"it never came" after a delivery stays a missing parcel.
"""

from __future__ import annotations

import dataclasses
import re

from intents.types import OUT_OF_SCOPE, ParseResult

STATUS = "where_is_my_order"
# Sure enough to answer, not so sure that a story told beside a request counts as a request of its own
# (dialogues/kit/requests.py OWN_REQUEST_CONFIDENCE is 0.8)
CONFIDENCE = 0.7
_UNSURE = 0.6
_TOLD = frozenset({OUT_OF_SCOPE, "help", "inform", "add_delivery_note", "greet"})

_CAME = (r"(?:tried|attempted|came|come|called|knocked|rang|buzzed|been|turned\s+up|showed\s+up|stopped\s+by"
         r"|came\s+(?:by|round|around|over)|dropped\s+by)")
_AWAY = (r"(?:i\s+was(?:\s+not|n'?t)?\s+(?:out|in|home|at\s+work|at\s+the\s+shops|away|upstairs|in\s+the\s+shower)"
         r"|(?:i|we)\s+(?:was|were)\s*n'?t\s+(?:in|home|there|around|back)|(?:i|we)\s+(?:was|were)\s+not\s+(?:in|home"
         r"|there)|no\s*(?:one|body)\s+(?:was\s+)?(?:in|home|there|answered)|(?:i|we)\s+(?:was|were)\s+(?:out|at\s+work"
         r"|away))")
_STORY = re.compile(
    # "they came but i was out"; in a hurry with no word between ("driver came i was in garden not hear door")
    rf"\b{_CAME}\b(?:.{{0,60}}\b(?:but|while|when|and|as)\s+|[,.;]?\s+){_AWAY}\b"
    rf"|\b{_AWAY}\b.{{0,40}}\b(?:when|while|and)\s+(?:they|the\s+\w+|he|she|someone|somebody|it)\s+{_CAME}\b"
    r"|\bmissed\s+(?:the|my|a|your|our)?\s*(?:driver|delivery|deliveries|courier|postman|postie|parcel|package|van"
    r"|drop|them|him|her|it)\b"
    r"|\bsorry\s+(?:we|i)\s+missed\s+you\b"
    r"|\b(?:card|slip|notice|sticker|door\s*tag|calling\s+card|note)\s+(?:through|in|on|under|left|saying|says|said"
    r"|to\s+say)\b.{0,40}\b(?:door|letterbox|letter\s+box|mat|called|tried|came|missed|deliver|attempt)"
    r"|\b(?:card|slip|notice)\s+(?:through|in|on)\s+(?:the|my|our)\s+(?:door|letterbox|letter\s+box)\b"
    r"|\b(?:got|had|found|there\s+was|received|left(?:\s+me)?)\s+(?:a|an|one\s+of\s+those|their)\s+"
    r"(?:[\w']+\s+){0,4}?(?:card|slip|notice)s?\b",
    re.IGNORECASE,
)
# A request asked in words beside the story ("... anyway can you try again on wednesday"): the message is that
# request, with the story as its complaint, never a status question.
_ASKED = re.compile(r"\b(?:can|could|would|will)\s+(?:you|u|ya|they|i|we|someone|the\s+\w+)\b|\b(?:please|pls|plz)\b"
                    r"|\bi'?d\s+(?:like|rather|prefer)\b|\b(?:i|we)\s+(?:want|need)\b", re.IGNORECASE)
# An instruction for next time, not a story ("tell the driver if no one answers to put a card through the
# letterbox", "note for driver: if im out leave a note on the door"), and a card that is no carrier's ("a gift card
# with the order"): a review of the rule found them turned into status questions, the note never proposed.
_INSTRUCTION = re.compile(
    r"\b(?:tell|ask)\s+(?:the\s+|ur\s+|your\s+)?(?:driver|courier|postman|postie)\b|\bnote\s+(?:for|to)\s+(?:the\s+)?driver\b"
    r"|^\W*driver\s*[:,-]|\b(?:leave|put|post|pop|push|stick)\s+(?:a|the|your)\s+(?:card|note|slip)\b"
    r"|\bif\s+(?:no\s*one|nobody|i'?m\s+not|im\s+not|we'?re\s+not|i'?m\s+out|im\s+out)\b|\bgift\s*card\b",
    re.IGNORECASE)
_WHY = re.compile(
    r"\b(?:why|how\s+come)\b.{0,40}?\b(?:did\s*n[o']?t|didnt|has\s*n[o']?t|hasnt|was\s*n[o']?t|wasnt|never|not|is\s*n[o']?t"
    r"|isnt|could\s*n[o']?t|couldnt)\b.{0,30}?\b(?:come|came|arrive|arrived|deliver|delivered|turn\s+up|turned\s+up"
    r"|show\s+up|get\s+here|here|drop\s+it)\b"
    r"|^\W*what\s+(?:happened|went\s+wrong)\b(?!.{0,30}\b(?:refund|return|claim|money|order\s+cancel))",
    re.IGNORECASE,
)


def missed_delivery(parsed: ParseResult) -> ParseResult:
    """The parse, as a question about the parcel's status when the message tells of a missed delivery or asks why
    it didn't come, and the classifier was unsure or read it as something it is not; otherwise as it was."""
    if (not (_STORY.search(parsed.text) or _WHY.search(parsed.text)) or _ASKED.search(parsed.text)
            or _INSTRUCTION.search(parsed.text)):
        return parsed
    sure = parsed.confidence >= _UNSURE and not parsed.clarify
    if sure and parsed.intent not in _TOLD:
        return parsed
    return dataclasses.replace(parsed, intent=STATUS, confidence=CONFIDENCE, clarify=None)
