"""An opt-out is a wish to stop: a message that asks FOR texts is no opt-out, whatever the classifier says.

Why: an opt-out silences every delivery text to the number, codes included. A model trained on "dont text me
again" hears "text me again", "can you message me when it's out" and "txt me the code" as the same thing (a sixth
review unsubscribed shoppers who asked *for* a text). The first mend kept the model's opt-out only beside a listed
word of stopping; a code review then found real opt-outs it threw away ("I'd like to be removed from your list",
"no texts please", "please halt all messages"): no list of ways to say stop is ever complete, and a missed
opt-out is a legal problem. So the rule is the other way round: the model's opt-out stands unless the message
asks to be texted ("text me", "let me know", "keep me posted", "send me the code") and carries no word of
stopping. The keyword STOP and its friends never reach this: they are recognised before the NLU
(dialogues/kit/keywords.py).
"""

from __future__ import annotations

import dataclasses
import re

from intents.types import OUT_OF_SCOPE, ParseResult

OPT_OUT = "opt_out"
HELP = "help"
# The runner-up stands in for a refused opt-out only if the model was fairly sure of it too; otherwise the message
# is read as out of scope (the help reply says what the bot can do), never a journey started on a 0.2 guess.
NEXT_BEST_CONFIDENCE = 0.5

# Stopping, refusing, removing, muting, or being fed up, as shoppers write it (misspellings included).
_STOPPING = re.compile(
    r"\b(?:sto+p+\w*|stpo|unsu\w*|opt(?:[\s-]+(?:me|us|this\s+number|my\s+number))?[\s-]*out|optout|cease|"
    r"quit\w*|end|mute|disable|cancel\w*|remov\w*|delet\w*|block\w*|halt|withdraw\w*|get\s+(?:me|us)\s+off|"
    r"no\s+(?:texts?|messages?|sms|further)|done\s+with|rather\s+not|"
    r"take\s+(?:me|my|this|it|us)\b.*\boff|(?:turn|switch|shut)\s+(?:\w+\s+){0,3}off|"
    r"no\s+more|no\s+longer|never|don'?t|dont|do\s+not|doesn'?t|not\s+(?:want|interested|the|my|wish)|"
    r"want\s+out|leave\s+(?:me|us)\s+alone|spam\w*|enough|too\s+many|sick\s+of|fed\s+up|wrong\s+number|"
    r"without|less|fewer|pause|silence)\b",
    re.IGNORECASE,
)


# Asking to be texted, written to, told or reminded ("can you text me again", "let me know when it's out").
_ASKS_FOR_TEXTS = re.compile(
    r"\b(?:text|txt|message|msg|sms|whatsapp|ping|notify|update|email|e-mail|tell|remind|call|ring|buzz)\s+(?:me|us)\b"
    r"|\blet\s+(?:me|us)\s+know\b|\bkeep\s+(?:me|us)\s+(?:posted|updated|informed|in\s+the\s+loop)\b"
    r"|\b(?:send|give|get)\s+(?:me|us)\s+(?:a\s+|the\s+|another\s+|a\s+new\s+)?(?:text|txt|message|msg|sms|code|"
    r"heads[\s-]+up|update|link|shout)\b|\bheads[\s-]+up\b",
    re.IGNORECASE,
)


# A new number for the texts ("can i change the phone number for delivery updates", "update my cell number", "send
# the texts to my wifes phone instead", "i got a new number"): no stop in it, so never an opt-out (the classifier
# heard one and unsubscribed the shopper); dialogues/kit/faq.py answers it (a person changes it). A house, flat or
# door number is the address's ("change the house number", "change the number on the door", "... on my address": a
# false-positive review found the last answered as the phone's).
NUMBER_CHANGE = re.compile(
    r"\b(?:change|changing|update|updating|switch|swap|amend)\b[^.?!]{0,25}?\b(?:phone|mobile|cell|contact)"
    r"(?:\s+(?:phone|number|no|num))?\b"
    r"|\b(?:change|changing|update|updating|switch|swap|amend)\s+(?:the|my)\s+number\s+(?:for|on|the|that|you)\b"
    r"(?!\s+(?:the\s+|my\s+|our\s+|this\s+)?(?:house|flat|door|apartment|apt|street|building|address|parcel|package"
    r"|label|box))"
    r"|\b(?:i'?ve|ive|i\s+have|i|we'?ve|we)\s+(?:got|get|have)\s+a\s+new\s+(?:phone\s+|mobile\s+|cell\s+)?(?:number|no)\b"
    r"|\b(?:new|different|another|other)\s+(?:phone|mobile|cell)\s+(?:number|no)\b"
    # "my number has changed", "text my new number instead" (a false-positive review found both an address change)
    r"|\b(?:my|our)\s+(?:phone\s+|mobile\s+|cell\s+)?(?:number|no)\s+(?:has|have|'s|is)\s+(?:just\s+)?changed\b"
    r"|\b(?:text|txt|message|msg)\s+(?:me\s+(?:on|at)\s+)?(?:my|our)\s+(?:new|other|work|second|different)\s+"
    r"(?:phone\s+|mobile\s+|cell\s+)?(?:number|no|phone|mobile|cell)\b"
    r"|\b(?:send|text)\s+(?:the\s+|my\s+|all\s+)?(?:texts?|updates?|messages?|notifications?|alerts?)\s+to\s+"
    r"(?:my\s+\w+'?s\s+(?:phone|mobile|cell|number)|(?:my\s+)?(?:other|new|work)\s+(?:phone|mobile|cell|number)|"
    r"(?:\+|0)\d[\d ]{8,})",
    re.IGNORECASE,
)


def changes_the_number(text: str) -> bool:
    """Does the message ask for the texts to go to another phone number?"""
    return NUMBER_CHANGE.search(text.replace("\u2019", "'")) is not None


# Doubting the texts, asked ("Are these texts legit?", "is this message genuine?"): no stopping in it (review 12 found
# it unsubscribed the shopper). "is this spam? stop" keeps its opt-out: the stop word is there.
_DOUBTS = re.compile(
    r"\b(?:is|are)\s+(?:this|these|you|u)\s+(?:(?:text|txt|message|msg|sms)s?\s+)?(?:a\s+)?(?:scam|fake|phishing"
    r"|fraud|genuine|legit(?:imate)?|for\s+real|real)\b",
    re.IGNORECASE,
)


# Not understanding the text ("i am not understand the message you send", "I don't understand the message"): a
# shopper writing in a second language, or unsure, asking what it means. The classifier heard an opt-out in "not ...
# message" and unsubscribed them (review 12). Its own "don't" is no word of stopping; another one still is.
_NOT_UNDERSTOOD = re.compile(
    r"\b(?:(?:i|we)\s+)?(?:(?:do|did|am|are|is|was)\s*n[o']?t|dont|didnt|not|can\s*n[o']?t|cannot|cant|could\s*n[o']?t"
    r"|couldnt)\s+(?:really\s+|quite\s+|fully\s+)?(?:understand\w*|understood|follow|get\s+it|know\s+what\s+(?:this|it|that)"
    r"\s+(?:means|is))\b",
    re.IGNORECASE,
)


def asks_for_texts(text: str) -> bool:
    """Does the message ask to be texted or told ("text me when it's out", "send me the code again")?"""
    return _ASKS_FOR_TEXTS.search(text.replace("\u2019", "'")) is not None


def says_stop(text: str) -> bool:
    """Does the message carry a word of stopping ("stop", "no more", "unsubscribe", "leave me alone")?"""
    return _STOPPING.search(text.replace("\u2019", "'")) is not None


def unless_asked_for(parsed: ParseResult) -> ParseResult:
    """The parse, with an opt-out that asks for texts (or for them on another number, or doubts them: "are these
    texts legit?", or says it doesn't understand them: the help) and says no stop read as the next-best intent ("can
    you text me again", "update my cell number" are no opt-outs); a clarification between such an opt-out and
    another intent becomes that other intent. Every other opt-out reading stands. Not understanding read as out of
    scope is the help too."""
    # "I don't understand the message": asks what it means, with no stopping in it
    not_understood = (_NOT_UNDERSTOOD.search(parsed.text) is not None
                      and not says_stop(_NOT_UNDERSTOOD.sub(" ", parsed.text)))
    if not not_understood and (says_stop(parsed.text) or not (
            asks_for_texts(parsed.text) or _DOUBTS.search(parsed.text) or changes_the_number(parsed.text))):
        return parsed
    if not_understood and parsed.intent == OUT_OF_SCOPE:
        return dataclasses.replace(parsed, intent=HELP, confidence=NEXT_BEST_CONFIDENCE, clarify=None)
    if parsed.intent != OPT_OUT and not (parsed.clarify and OPT_OUT in parsed.clarify):
        return parsed
    ranking = [s for s in parsed.ranking if s.intent != OPT_OUT]
    if parsed.intent != OPT_OUT:  # only the clarification named it
        return dataclasses.replace(parsed, clarify=None, ranking=ranking)
    if not_understood:  # the help text says what the texts are for and what to ask
        return dataclasses.replace(parsed, intent=HELP, confidence=NEXT_BEST_CONFIDENCE, ranking=ranking, clarify=None)
    best = ranking[0] if ranking else None
    if best is None or best.confidence < NEXT_BEST_CONFIDENCE:  # "pls text me back" is no return request either
        return dataclasses.replace(parsed, intent=OUT_OF_SCOPE, confidence=0.0, ranking=[], clarify=None)
    return dataclasses.replace(parsed, intent=best.intent, confidence=best.confidence, ranking=ranking, clarify=None)


# The texts themselves, or being contacted: an opt-out that names any of these stands ("stop sending me delivery
# updates", "the driver's fine but stop the texts").
_ABOUT_MESSAGES = re.compile(
    r"\b(?:texts?|txts?|texting|messag\w*|msgs?|sms|notifications?|notify\w*|updates?|alerts?|contact\w*|spam\w*|"
    r"unsu\w*|opt\w*|list|number|e-?mails?|whatsapp|reminders?|bother\w*|pester\w*|sending\s+(?:me|us)|"
    r"send\s+(?:me|us))\b",
    re.IGNORECASE,
)
# The driver or the van not stopping: "the van drove off without stopping", "driver didn't stop", "he never even
# stopped at mine". The stopping is the delivery's, said of who or what delivers, so it is a missed delivery.
_DRIVER = (r"(?:driver|van|courier|postie|postman|post\s+man|mailman|mail\s+carrier|lorry|truck|delivery\s+"
           r"(?:guy|man|lady|woman|person|driver|bloke)|he|she|they)")
# Said in the past, of one visit: "they never stop" / "he won't stop" / "she doesn't stop" is pestering, an opt-out
# (a review found "they never stop, make it stop" let through as a status).
_DID_NOT_STOP = re.compile(
    rf"\b{_DRIVER}\b(?:\s+\w+){{0,5}}?\s+(?:(?:didn'?t|did\s+not|wouldn'?t|would\s+not)\s+(?:even\s+)?stop|"
    r"(?:never|not)\s+(?:even\s+)?stopped)\b"
    r"|\bwithout\s+(?:even\s+)?stopping\b|\bdrove\s+(?:straight\s+|right\s+)?(?:past|by|off|away)\b",
    re.IGNORECASE,
)
# A stop said to the bot beside the driver's story ("the driver didnt stop. I want out", "stop, driver drove past
# anyway"): what is left once the story is taken out still asks to stop, so the opt-out stands. Narrower than
# `_STOPPING` ("never", "don't" and "not" are the story's words too); a stop kept in doubt errs toward the opt-out.
_STOP_TO_US = re.compile(
    r"\b(?:stop|stp|stpo|sotp|unsu\w*|opt[\s-]*out|optout|quit|cease|halt|want\s+out|leave\s+(?:me|us)\s+alone|"
    r"get\s+(?:me|us)\s+off|remove\s+(?:me|us)|enough|no\s+more)\b",
    re.IGNORECASE,
)
# "stop the delivery", "stop my order", "stop the driver": the parcel stopped, not the texts (a cancellation or a
# hold: asked). Only the parcel, or whoever brings it: "stop the delivery", "... please", "... to my house", "...
# until monday". A noun after it is the delivery's something else ("stop the delivery confirmations / chasers /
# nonsense"), and "stop the courier texting me" is about the texts: both opt-outs. The one table of this: the
# keyword step (dialogues/kit/keywords.py) asks `stops_the_parcel` too, so the two can't drift apart.
_STOP_THE_PARCEL = re.compile(
    r"\bstop\s+(?:the|my|this|that|your)\s+(?:delivery|deliveries|order|parcel|package|shipment|driver|courier|van|"
    r"redelivery|re-delivery|pickup|pick\s+up|collection)\b"
    r"(?=\s*(?:$|[.,;:!?)-]|(?:please|pls|plz|now|asap|to|for|until|till|til|today|tonight|tomorrow|and|i|i'?m|im|it|as|"
    r"because|cos|coz|cause|we|thanks|thank|then|so|or|but|if|on|from|while|going|coming|being|x+)\b))",
    re.IGNORECASE,
)
# Where the driver or the van should stop ("can the van stop round the back", "the courier can stop outside number 4"):
# an instruction for the driver, not the texts stopped (a probe found the first unsubscribed the shopper). Said of
# who delivers, and a place after it; "he/they can stop at once" is no place.
_STOPS_AT_A_PLACE = re.compile(
    r"\b(?:driver|van|courier|postie|postman|post\s+man|mailman|mail\s+carrier|lorry|truck|delivery\s+(?:guy|man|lady"
    r"|woman|person|driver|bloke))\b(?:\s+\w+){0,3}?\s+stop\s+(?:(?:right|just)\s+)?(?:at|outside|round|around|by"
    r"|behind|in\s+front|near|opposite|across|next\s+to|beside|further|closer|nearer|on\s+the)\b(?!\s+(?:once|all)\b)",
    re.IGNORECASE,
)
_NOTE = "add_delivery_note"
_STATUS = "where_is_my_order"
_MISSING = "report_not_received"
DELIVERY_STOPPED_CONFIDENCE = 0.7  # a rule's reading: never surer than this


def stops_the_parcel(text: str) -> bool:
    """The message asks to stop the parcel or its delivery ("stop the delivery", "stop the driver"), not the texts."""
    return bool(_STOP_THE_PARCEL.search(text.replace("\u2019", "'")))


def not_the_texts(parsed: ParseResult) -> ParseResult:
    """The parse, with an opt-out about the delivery rather than the texts read as what it is about. "the van drove
    off without stopping" unsubscribed the shopper (the model hears "stop"): a driver or van that did not stop is
    a missed delivery (its status, or the missing-parcel report where the model heard one); "stop the delivery"
    asks whether to cancel or hold it. A message that names the texts or being contacted keeps its opt-out."""
    named = parsed.intent == OPT_OUT or bool(parsed.clarify and OPT_OUT in parsed.clarify)
    text = parsed.text.replace("\u2019", "'")
    if not named or _ABOUT_MESSAGES.search(text):
        return parsed
    ranking = [s for s in parsed.ranking if s.intent != OPT_OUT]
    if _DID_NOT_STOP.search(text) and not _STOP_TO_US.search(_DID_NOT_STOP.sub(" ", text)):
        intent = _MISSING if any(s.intent == _MISSING and s.confidence >= 0.3 for s in ranking[:2]) else _STATUS
        return dataclasses.replace(parsed, intent=intent, confidence=DELIVERY_STOPPED_CONFIDENCE, ranking=ranking,
                                   clarify=None)
    if _STOPS_AT_A_PLACE.search(text) and not _STOP_TO_US.search(_STOPS_AT_A_PLACE.sub(" ", text)):
        return dataclasses.replace(parsed, intent=_NOTE, confidence=DELIVERY_STOPPED_CONFIDENCE, ranking=ranking,
                                   clarify=None)
    if stops_the_parcel(text):
        return dataclasses.replace(parsed, intent="cancel_order", confidence=0.5, ranking=ranking,
                                   clarify=("cancel_order", "hold_delivery"))
    return parsed


# "dont stop the updates": a wish to keep the texts, which the model heard as an opt-out (it unsubscribed the shopper);
# "stop the order pings": the texts by another name, which it heard as a cancellation. Both found by a probe of the
# day's opt-out rules; the texts named after the stop decide, and a "don't" before it turns it round.
_TEXTS_NAMED = (r"(?:pings?|texts?|txts?|messages|msgs|notifications?|notifs?|updates|alerts|reminders|spam|e-?mails|"
                r"sms)")
_KEEP_TEXTS = re.compile(
    rf"\b(?:don'?t|dont|do\s+not|never|pls\s+don'?t|please\s+don'?t)\s+stop\s+(?:sending\s+(?:me\s+|us\s+)?)?"
    rf"(?:the\s+|my\s+|these\s+|your\s+)?(?:\w+\s+)?{_TEXTS_NAMED}\b",
    re.IGNORECASE,
)
_STOP_TEXTS = re.compile(
    rf"(?<!n't\s)(?<!not\s)(?<!dont\s)(?<!never\s)\bstop\s+(?:all\s+)?(?:the\s+|these\s+|those\s+|my\s+|your\s+)?"
    rf"(?:\w+\s+)?{_TEXTS_NAMED}\b",
    re.IGNORECASE,
)


def keeps_texts(text: str) -> bool:
    """Does the message ask for the texts not to stop ("dont stop the updates")? Answered as a wish to have them."""
    return _KEEP_TEXTS.search(text.replace("\u2019", "'")) is not None


def texts_named(parsed: ParseResult) -> ParseResult:
    """The parse, as an opt-out when the message stops the texts by any name ("stop the order pings"), and as no
    opt-out when it asks them not to stop ("dont stop the updates": the next-best reading, or out of scope)."""
    text = parsed.text.replace("\u2019", "'")
    if _KEEP_TEXTS.search(text):
        if parsed.intent != OPT_OUT and not (parsed.clarify and OPT_OUT in parsed.clarify):
            return parsed
        ranking = [s for s in parsed.ranking if s.intent != OPT_OUT]
        best = ranking[0] if ranking and ranking[0].confidence >= NEXT_BEST_CONFIDENCE else None
        return dataclasses.replace(parsed, intent=best.intent if best else OUT_OF_SCOPE,
                                   confidence=best.confidence if best else 0.0, ranking=ranking, clarify=None)
    if _STOP_TEXTS.search(text) and parsed.intent != OPT_OUT:
        return dataclasses.replace(parsed, intent=OPT_OUT, confidence=0.9, clarify=None)
    return parsed
