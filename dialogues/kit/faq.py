"""Short questions the bot can answer itself, from the merchant's settings and the parcel it already knows:
"are you a robot", "return policy", "how much will I get back", "can I see him on a map", "the driver's
phone number", "when are you open".

Why rules and not NLU intents: each is a handful of fixed phrasings that must never start a journey or
hand the shopper to a person ("whats ur return policy" isn't starting a return; "the driver's number" is
a question with an answer: no). The rules are narrow on purpose: "tell the driver to call me" is a note
for the driver, not a request for their number, and "what's the email on my account" is not our address.
"""

from __future__ import annotations

import re
from enum import StrEnum

from intents.opt_out import NUMBER_CHANGE


class Question(StrEnum):
    ROBOT = "robot"
    RETURNS_POLICY = "returns_policy"
    REFUND_AMOUNT = "refund_amount"
    LIVE_LOCATION = "live_location"
    DRIVER_CONTACT = "driver_contact"
    SUPPORT_HOURS = "support_hours"
    ITEM_CHANGE = "item_change"  # "can i change the size to a 9": the item, which the bot can't change
    NAME_CHANGE = "name_change"  # "can you change the name on the parcel": not an address; the driver needs none
    PHONE_CHANGE = "phone_change"  # "can i change the number for updates": the phone is how we know it's them
    HOUSEHOLD_SIGNS = "household_signs"  # "can my partner sign for it": anyone in at the address can
    ONLY_ME_SIGNS = "only_me_signs"  # "does it have to be me that signs": no, anyone in at the address can
    SIGNATURE_NEEDED = "signature_needed"  # "do i need to sign for it": the parcel's own answer, yes or no
    CANT_SIGN = "cant_sign"  # "i wont be home to sign for it": the same answer, with what to do if nobody is in
    WHO_SIGNS = "who_signs"  # "who must sign? my husband is at home": the parcel's answer, anyone there can
    HOUSEHOLD_TAKES_IT = "household_takes_it"  # "my son will take it": anyone in can, nothing to change
    GENUINE = "genuine"  # "is this a scam?": who is texting and why, and a person to check with
    NOT_ORDERED = "not_ordered"  # "I did not order anything": what the texts are about, and a person to check


_YOU = r"(?:you|u|ya|this|i)"
# Signing in or up is an account, and a form is paperwork: no parcel's signature ("i cant sign in to the website",
# "can someone help me sign up for updates", "can someone sign the returns form"; a review found them answered
# "anyone in at the delivery address can sign"). "sign in person" is signing.
_NOT_AN_ACCOUNT = (r"(?:s|ed|ing)?(?!\w|\s+(?:up|on|out|off|into|me\s+(?:in|up)|us\s+(?:in|up))\b|\s+in\b(?!\s+person)"
                   r"|\s+(?:\w+\s+){0,2}(?:form|paperwork|documents?|contract|petition)\b)")
_DRIVER = r"(?:driver|courier|delivery (?:guy|man|driver|person|bloke|lady|woman)|van driver|postman)"
_ITEM_WORDS = r"(?:size|colou?r|style|model|variant|shade|design|pattern)"  # an item's, never a delivery's
# Someone of the household, at the address, signing ("can my husband sign for it if im at work", "is it ok if my mum
# signs for it"): the same question whoever it is, so it is answered here, not by the classifier, which knew a
# husband (from leave_with_neighbour's examples) but heard "my partner" as out of scope. No neighbour is read from it.
_HOUSEHOLD = (
    r"(?:husband|hubby|wife|missus|partner|other\s+half|spouse|son|daughter|kids?|children|mum|mom|mam|dad"
    r"|mother|father|parents|brother|sister|nan|gran|grandma|grandad|grandpa|granny|grand\s*(?:son|daughter|kids?"
    r"|children)|niece|nephew|flat\s*mate|house\s*mate|room\s*mate"
    r"|roomie|boyfriend|girlfriend|bf|gf|fianc[eé]e?|lodger|carer|cleaner|nanny|family|fella|bloke|man|wifey"
    r"|teenager|au\s*pair)")
HOUSEHOLD_SIGNS = re.compile(
    r"\b(?:my|our)\s+" + _HOUSEHOLD + r"\b[^.?!]{0,40}?\bsign"
    r"|\b(?:someone|somebody|anyone|anybody)\s+(?:else\s+)?(?:at\s+home|in\s+the\s+house|at\s+the\s+house|"
    r"(?:who\s+)?lives?\s+(?:here|there|with\s+me))[^.?!]{0,30}?\bsign"
    # anyone at all, asked ("can someone else sign for it", "could anybody sign"): found by a third probe, which got
    # a person for the first and "did you mean" for the second
    r"|\b(?:can|could|may|is\s+it\s+ok\s+if|is\s+it\s+alright\s+if)\s+(?:someone|somebody|anyone|anybody|"
    r"any1)(?:\s+else)?\s+(?:\w+\s+){0,2}?sign" + _NOT_AN_ACCOUNT,
    re.IGNORECASE,
)
# Someone of the household taking it in, told or asked ("my son will take it", "my wife is home, she can take it",
# "my daughter will be in tomorrow to receive it", "can my husband take it in?"): review 12 found it out of scope,
# asked "Which neighbour?" or answered with the status. Nothing needs changing, and the shopper is told so. Not said
# of a refusal ("my son cant take it"), nor of the parcel taken somewhere ("take it back to the shop", "get it from
# the locker"): those stay the NLU's.
_TAKE_IN = (r"(?:take|taking|get|getting|receive|receiving|accept|grab|answer\s+the\s+door\s+for)\s+(?:it|them|the\s+"
            r"(?:parcel|package|delivery|box|order)|my\s+(?:parcel|package|delivery|order))(?:\s+in)?\b"
            r"(?!\s+(?:back|to|from|out|off|round|over|away|into)\b)")
HOUSEHOLD_TAKES_IT = re.compile(
    r"^(?![^.?!]*\b(?:leave|give|drop|hand|send|deliver|return|n'?t|not|cannot|cant|wont|never)\b)[^.?!]*?"
    r"(?:\b(?:my|our)\s+" + _HOUSEHOLD + r"\b[^.?!]{0,40}?\b(?:will|'ll|ll|can|could|may|is|are|'s|s)\b[^.?!]{0,30}?"
    r"\b" + _TAKE_IN
    + r"|\b(?:can|could|may)\s+my\s+" + _HOUSEHOLD + r"\s+" + _TAKE_IN + ")",
    re.IGNORECASE,
)
# Who must sign, asked ("who must sign? my husband is at home", "who has to sign for it"): the parcel's own answer,
# said as a statement (anyone at the address can). It had been read as a request for the proof of delivery.
WHO_SIGNS = re.compile(
    r"\bwho\s+(?:must|has\s+to|have\s+to|needs\s+to|need\s+to|should|will|shall|is\s+(?:going|meant|supposed)\s+to)"
    r"\s+sign\b" + _NOT_AN_ACCOUNT,
    re.IGNORECASE,
)
# Whether only the shopper may sign ("does it have to be me that signs", "do i have to sign for it myself"): the
# same rule, answered "No - anyone in ..." (a "Yes" would read as "yes, it has to be you").
ONLY_ME_SIGNS = re.compile(
    r"\b(?:does|do|has|have|must)\s+(?:it|that|this)\s+(?:have\s+to|got\s+to|need\s+to)\s+be\s+me\b[^.?!]{0,20}?\bsign"
    r"|\b(?:do|must)\s+i\s+(?:(?:have|need|got)\s+to\s+)?sign\b[^.?!]{0,20}?\b(?:myself|personally|in\s+person)\b",
    re.IGNORECASE,
)
# Whether this parcel needs a signature, asked ("does the driver need a signature", "do i have to be in to sign
# for it", "is it signed for?"): a question with a yes or no, never a journey. Found by a probe: it was read as a
# request for the proof of delivery ("There's no proof of delivery yet") or as out of scope. "Leave it without a
# signature" is a wish, not a question (no "do/does/is" before it), and stays with the NLU.
_SIGN = r"(?:to\s+)?(?:be\s+(?:in|home|there|at\s+home)\s+to\s+)?(?:be\s+)?(?:sign(?:ed)?\b|signing|a\s+signature)"
SIGNATURE_NEEDED = re.compile(
    # who must sign: "do i need to sign", "will someone have to sign", "does it need signing"
    r"\b(?:do|does|will|would|shall|must|have|has|is)\s+(?:i|we|someone|somebody|anyone|any1|it|this|that|"
    r"the\s+(?:parcel|package|delivery|order))\s+(?:\w+\s+){0,2}?(?:need|needs|have|has|got|require|requires)\s+"
    + _SIGN
    # whether the driver needs one: "does the driver need a signature" (never "do you have a signature for it" or
    # "have they got a signature", which ask for the proof of a delivery)
    + r"|\b(?:do|does|will|would)\s+(?:you|u|they|he|she|the\s+(?:driver|courier))\s+(?:\w+\s+){0,2}?"
    r"(?:need|needs|require|requires)\s+" + _SIGN
    + r"|\b(?:is|does)\s+(?:a\s+|the\s+)?signature\s+(?:needed|required|necessary)"
    r"|\b(?:is|does)\s+(?:it|this|that|the\s+(?:parcel|package|delivery))\s+(?:a\s+)?(?:signed\s+for|need\s+signing)"
    r"|^\s*(?:signature|sign(?:ed)?\s+for)\s*(?:needed|required)?\s*\?+\s*$",
    re.IGNORECASE,
)
# Not being in to sign, told ("i wont be home to sign for it", "nobody will be in to sign for it tomorrow", "I'm not
# going to be there to sign"): the parcel's own answer (does it need one?) and what to do if nobody is in. A third
# probe found these read as a neighbour refused, a new address and tomorrow's slots offered. Said beside a request
# ("... so leave it with number 5", "... can you move it to friday") the request is the NLU's.
_REQUESTED = (r"^(?!.*\b(?:leave|send|deliver|move|change|hold|redeliver|bring|drop|put|give|reschedule|collect|pick|"
              r"redirect|cancel|return|hand|(?:can|could|will|would)\s+(?:you|u|it|they|i|we)|please|pls|plz)\b)")
CANT_SIGN = re.compile(
    _REQUESTED + r".*(?:"
    r"\b(?:nobody|no\s*-?\s*one|noone|no\s+body)(?:'s|'ll)?\b[^.?!]{0,30}?\b(?:in|home|there|around|available|"
    r"about|here)\s+to\s+sign"
    r"|\b(?:i|we|i'?m|im|we'?re|were)\b[^.?!]{0,12}?(?:n'?t|\bnot|\bcant|\bwont|\bcannot)\b[^.?!]{0,25}?\b(?:in|home|"
    r"there|around|available|about|here)\s+to\s+sign"
    r"|\b(?:i|we)\s+(?:can'?t|cant|cannot|won'?t|wont|will\s+not)\s+(?:be\s+able\s+to\s+)?sign" + _NOT_AN_ACCOUNT
    + ")",
    re.IGNORECASE,
)
# A shopper who doubts the text ("Is this a scam?", "is this message genuine?", "how do I know this is real"): review
# 12 found it answered with an apology and the status, as if the shopper were angry. "is FIRST20 a real code or a
# scam" is a discount code, not us. "is this real" alone stays the robot question.
GENUINE = re.compile(
    r"\b(?:is|are)\s+(?:this|these|you|u)\s+(?:(?:text|message|msg|sms)s?\s+)?(?:a\s+|some\s+(?:kind\s+of\s+)?)?"
    r"(?:scam|fake|spam|phishing|fraud|genuine|legit(?:imate)?|for\s+real|real\s+or)\b"
    r"|\bhow\s+(?:do|can|would)\s+i\s+know\s+(?:this|these|it|you)\s+(?:is|are|r)\s+(?:real|genuine|legit)"
    r"|^\W*(?:scam|fake|spam)\s*\?",
    re.IGNORECASE,
)
# Not having ordered anything ("I did not order anything", "what is this message? I didnt order", "i never ordered
# from you"): it had been read as a missing parcel ("It isn't marked as delivered yet, so it hasn't gone missing").
# "i didnt order this" about a parcel in hand, and "..., cancel it", stay the NLU's (a wrong item, a cancellation).
NOT_ORDERED = re.compile(
    r"^(?!.*\bcancel).*?\b(?:i|we)\s+(?:did\s*n[o']?t|didnt|did\s+not|never|have\s*n[o']?t|havent|have\s+not"
    r"|has\s*n[o']?t|hasnt)\s+(?:even\s+)?(?:order(?:ed)?|buy|bought|purchased?)\s+(?:anything|any\s*thing|nothing"
    r"|from\s+(?:you|u|ya|them|this\s+\w+|here)|at\s+all|any\s+(?:order|parcel|package)s?)\b"
    r"|^(?!.*\bcancel).*?\b(?:i|we)\s+(?:did\s*n[o']?t|didnt|did\s+not|never)\s+order\s*(?:[.!?]|$)",
    re.IGNORECASE,
)
_RULES: tuple[tuple[Question, re.Pattern[str]], ...] = (
    (Question.ROBOT, re.compile(
        rf"\b(?:are|r|is)\s+{_YOU}\s+(?:talking to\s+)?(?:a|an)?\s*(?:real\s+)?(?:robot|bot|human|person|machine|"
        r"computer|ai|chat\s*bot|automated|actual person|real person|real)\b"
        r"|\bam i (?:talking|speaking|chatting|texting) (?:to|with) (?:a|an) (?:real )?(?:robot|bot|human|person|"
        r"machine|computer|ai)\b|\b(?:you|u)(?:'?re| are) (?:a|an) (?:robot|bot|machine|ai)\b|\bis this automated\b"
        r"|\b(?:is|are) (?:this|these|you) (?:messages? )?(?:automated|automatic|real)\b",
        re.IGNORECASE)),
    (Question.REFUND_AMOUNT, re.compile(
        r"\bhow much (?:will|would|do|did|am|shall|should|can) (?:i|we) (?:get|be|receive)(?: back| refunded)?\b"
        r"|\bhow much (?:is|will be|would be) (?:my|the) refund\b|\bhow much (?:will|would) (?:my|the) refund be\b"
        r"|\bhow much (?:money )?(?:back|refund)\b"
        r"|\b(?:will|do|would) (?:i|we) get (?:a |the |my )?(?:full|all (?:of )?my|all the) (?:refund|money)\b"
        r"|\brefund amount\b|\bget (?:my |the )?(?:delivery|postage|shipping) (?:charge |cost |fee )?back\b",
        re.IGNORECASE)),
    (Question.RETURNS_POLICY, re.compile(
        r"\b(?:returns?|refund|exchange) (?:polic(?:y|ies)|window|period|rules|terms)\b"
        r"|\bhow (?:many days|long) (?:do|have|did) (?:i|we) (?:have|got)(?: left)? (?:to|for) (?:return|send|get)"
        r"|\bhow long (?:do|have) (?:i|we) (?:have|got) to (?:return|send)"
        r"|\b(?:are|is) returns? (?:free|postage free)\b|\bfree returns?\b|\bpay (?:for|to) (?:the )?return"
        r"|\bcan i (?:still )?(?:return|send back) (?:it|this|them|things|items) (?:after|within|if)\b",
        re.IGNORECASE)),
    (Question.DRIVER_CONTACT, re.compile(
        rf"\b{_DRIVER}'?s?\s+(?:phone|mobile|cell|number|no|num|name|contact|details|email)\b"
        rf"|\b(?:number|name|contact details) (?:of|for) the {_DRIVER}\b"
        rf"|\b(?:i|me|we)\s+(?:\w+\s+){{0,2}}(?:call|ring|phone|text|contact|speak to|talk to|speak with|talk with|"
        rf"reach|message)\s+(?:the|my|your|ur|him|her|them)?\s*{_DRIVER}\b"
        rf"|\bwho(?:'?s| is) (?:the|my) {_DRIVER}\b",
        re.IGNORECASE)),
    (Question.LIVE_LOCATION, re.compile(
        r"\bon (?:a|the) map\b|\bmap\b.*\b(?:driver|van|parcel|him|her|them|it)\b|\blive (?:tracking|location|map|"
        rf"view)\b|\bho?w (?:far|close) (?:away )?(?:is|are) (?:the |my |ur |your )?(?:{_DRIVER}|van|parcel)\b"
        rf"|\b(?:track|follow|see|watch) (?:the |my )?(?:{_DRIVER}|van)\b(?! to)"
        rf"|\bwhere(?:'?s| is) (?:the |my )?(?:{_DRIVER}|van) (?:now|right now|at)\b",
        re.IGNORECASE)),
    (Question.SUPPORT_HOURS, re.compile(
        r"\b(?:what|when) (?:time )?(?:are|r|is) (?:you|u|your team|ur team|your staff|customer (?:service|support|"
        r"care)|support|the team|someone|anyone|a person|an agent) (?:open|available|in|around|back|online)\b"
        r"|\b(?:your|ur|customer (?:service|support|care)|support|team'?s?) (?:opening )?(?:hours|times)\b"
        r"|\bopening (?:hours|times) (?:for|of) (?:you|customer service|support|the team)\b"
        r"|\bhow (?:do|can) i (?:contact|reach|get hold of|email|call|phone) (?:you|u|customer service|support|"
        r"the shop|the store|the team)\b|\b(?:your|ur|customer service|support)(?:'?s)? (?:phone number|number|"
        r"email(?: address)?|contact details)\b",
        re.IGNORECASE)),
    # The item itself, not its delivery: a size, colour or model changed or swapped ("can i change the size to a
    # 9 before it gets here", "swap it for the black one", "i need a bigger size"). A delivery change never names
    # these. "Wrong size" and "exchange" are left to the NLU: once it has arrived they are a return.
    (Question.ITEM_CHANGE, re.compile(
        rf"\b(?:change|changing|swap|swapping|switch|amend|alter|upgrade)\b[^.?!]{{0,30}}?\b{_ITEM_WORDS}s?\b"
        rf"|\b(?:bigger|smaller|larger|different|another|other)\s+{_ITEM_WORDS}\b"
        r"|\bsize (?:up|down)\b|\b(?:swap|switch) (?:it|them|this|that) for (?:a|an|the)\b",
        re.IGNORECASE)),
    # The name on the parcel, not where it goes ("can you change the name on the parcel", "the name on my order is
    # spelt wrong"): a probe found it started an address change ("What's the new address?").
    (Question.NAME_CHANGE, re.compile(
        r"\b(?:change|changing|update|correct|fix|amend)\b[^.?!]{0,25}?\b(?:the|my|a)\s+(?:\w+\s+)?"
        r"(?:name|recipient)\b(?!\s+(?:of|for)\s+(?:the\s+)?(?:street|road|town|city|building|house))"
        r"|\b(?:wrong|incorrect|misspelt|misspelled)\s+name\b"
        r"|\bname\s+(?:on|for)\s+(?:the|my)\s+(?:parcel|package|order|label|delivery)\s+(?:is|was)\s+(?:wrong|"
        r"incorrect|spelt\s+wrong|spelled\s+wrong|misspelt|misspelled)",
        re.IGNORECASE)),
    # The phone the texts go to, not the delivery ("can i change the phone number for delivery updates", "send the
    # texts to my wifes phone instead", "i got a new number"): a probe found the first unsubscribed the shopper and
    # the others started an address change. The number is how the bot knows who is texting (the code goes to it), so
    # it is never changed by text: a person does it, once they have checked the order. The words are
    # intents.opt_out's (`NUMBER_CHANGE`), which keeps the classifier's opt-out off them.
    (Question.PHONE_CHANGE, NUMBER_CHANGE),
    (Question.HOUSEHOLD_SIGNS, HOUSEHOLD_SIGNS),
    (Question.ONLY_ME_SIGNS, ONLY_ME_SIGNS),
    (Question.WHO_SIGNS, WHO_SIGNS),
    (Question.HOUSEHOLD_TAKES_IT, HOUSEHOLD_TAKES_IT),
    (Question.GENUINE, GENUINE),
    (Question.NOT_ORDERED, NOT_ORDERED),
    (Question.SIGNATURE_NEEDED, SIGNATURE_NEEDED),
    (Question.CANT_SIGN, CANT_SIGN),
)
MAX_WORDS = 25  # a long message is a story with a request in it: the NLU reads it


def question_in(text: str) -> Question | None:
    """The short question this message asks, if it is one of those the bot answers itself."""
    if not text or len(text.split()) > MAX_WORDS:
        return None
    for question, rule in _RULES:
        if rule.search(text):
            return question
    return None
