"""Why a shopper is sending something back, read from their own words beside the request: "its too small", "it
arrived broken", "it's not what I ordered", "changed my mind". The four reasons are the return journey's own
(`start_return.REASONS`); a reason said in the first message is not asked for again (review 7). Only clear words
count: a message with none of them, or with two reasons in it that disagree, is asked as before."""

from __future__ import annotations

import re

from intents.return_call_off import calls_off_return

# Each reason and the words that say it, UK and US. A word after "not" / "isn't" ("not broken, just too big") does
# not count for its reason.
_NOT = r"(?:does ?n[o']?t|do ?n[o']?t|did ?n[o']?t|won'?t|wont)"  # "doesn't", "doesnt", "does not", "dont", "won't"
_WORDS: tuple[tuple[str, str], ...] = (
    ("doesnt_fit", rf"too (?:small|big|large|tight|loose|short|long|narrow|wide|baggy)|(?:{_NOT}|not) fit"
                   r"|wrong size|size is wrong|runs? (?:small|large|big)|need (?:a|the) (?:smaller|bigger|larger)"
                   r" (?:size|one)"),
    ("not_as_described", r"not what i (?:ordered|asked for|wanted|expected)|wrong (?:item|thing|one|colou?r|model"
                         r"|product)|not as (?:described|pictured|advertised|shown)|nothing like (?:the|its|it's)"
                         r" (?:picture|photo|pic|description|listing)|looks? (?:nothing|different)|different"
                         r" (?:from|to|than) (?:the )?(?:picture|photo|description|listing|website)|sent (?:me )?"
                         r"the wrong"),
    ("faulty", rf"broken|(?<!\bim )(?<!i'm )(?<!\bam )broke|damaged|faulty|defective|cracked|smashed|dented"
               rf"|snapped|ripped|torn|{_NOT} work|(?:not|isn'?t|isnt) working|stopped working|dead on arrival"
               r"|leak(?:s|ing)"),
    ("changed_mind", rf"chang(?:ed|e) (?:my|our) minds?|(?:{_NOT}|no longer) (?:need|want|like) (?:it|them|this"
                     r"|these)|not for me|found (?:it )?cheaper|bought (?:it|one|another) elsewhere"
                     r"|ordered (?:it )?by mistake"),
)
_READ = [(reason, re.compile(rf"\b(?:{words})\b", re.IGNORECASE)) for reason, words in _WORDS]
_NEGATED = re.compile(r"\b(?:not|isn'?t|isnt|wasn'?t|wasnt|aren'?t|arent|nothing)\s+(?:\w+\s+)?$", re.IGNORECASE)


def said(text: str) -> str | None:
    """The one reason the text gives ("doesnt_fit", "not_as_described", "faulty", "changed_mind"), or None when it
    gives none or more than one."""
    found = set()
    for reason, pattern in _READ:
        for hit in pattern.finditer(text):
            if reason != "not_as_described" and _NEGATED.search(text[: hit.start()]):
                continue
            found.add(reason)
            break
    return found.pop() if len(found) == 1 else None


# Calling the return off at one of its questions ("actually no i'll keep it", "changed my mind, keep it", "dont
# bother", a bare "no"): no reason, nothing booked. "Changed my mind" alone is a reason (the fourth) and stays one;
# "i dont want it" is a reason too, where "i dont want to return it" is not. Review 11.
_KEEPS = re.compile(
    r"\b(?:i'?ll|ill|i\s+will|i'?m|im|i\s+am|gonna|going\s+to|(?:i'?d\s+)?rather|think\s+i'?ll|(?:may|might)\s+as"
    r"\s+well)\s+(?:just\s+)?keep(?:ing)?\s+(?:it|them|this|these|the\s+\w+)\b"
    r"|\bkeep\s+(?:it|them)\b[\s,.!]*(?:thanks|thank\s+you|thx|ta|then|please|pls)?[\s.!]*$"
    rf"|\b(?:{_NOT}|no\s+longer|not)\s+(?:want|wanna|need)\s+to\s+(?:return|send)\b"
    rf"|\b{_NOT}\s+bother\b|\bnot\s+(?:returning|sending)\s+(?:it|them)\b",
    re.IGNORECASE)
_BARE_NO = re.compile(r"\s*(?:actually\s+|oh\s+|um+\s+)?(?:no+|nope|nah|na)\b[\s,.!]*(?:thanks|thank\s+you|thx|ta)?"
                      r"[\s.!]*", re.IGNORECASE)


def keeps_it(text: str) -> bool:
    """The shopper calls the return off at its questions: they'll keep it, "cancel the return", or a plain no."""
    return bool(_KEEPS.search(text) or _BARE_NO.fullmatch(text) or calls_off_return(text))


# Already sent back, in the shopper's words ("i posted it back", "mailed it back already", "returned it ages ago",
# "dropped the return off at the post office", "has my return arrived"): a question about a return, never a new one.
# With none booked here, "send RETURN" is no answer either: a person traces it (return_or_refund_status). Review 11.
_SENT_BACK = re.compile(
    r"\b(?:sent|posted|mailed|shipped|took|taken|couriered|returned)\b(?:\s+(?:it|them|the\s+\w+|\w+\s+\w+))?"
    r"(?:\s+\w+)?\s+back\b"
    r"|\b(?:i|i've|ive|i\s+have|we|we've|already)\s+(?:already\s+|just\s+)?(?:dropped|took|taken)\s+(?:it|them|the\s+\w+"
    r"|my\s+\w+)\s+off\b"
    r"|\b(?:sent|posted|mailed|shipped|dropped(?:\s+off)?|took|taken|handed\s+in)\s+(?:off\s+)?(?:my|the)\s+returns?\b"
    r"|\b(?:i|i've|ive|i\s+have|i\s+already|already)\s+(?:already\s+)?returned\b|^\s*returned\s+(?:it|them)\b"
    r"|\b(?:has|have|did)\s+(?:my|the)\s+return\s+(?:arrived|got\s+there|reached|come|been\s+received)"
    r"|\b(?:have|did)\s+(?:you|u|ya|y'?all)\s+(?:guys\s+)?(?:got|get|gotten|received|recieved)\s+(?:my|the)\s+return",
    re.IGNORECASE)


def says_sent_back(text: str) -> bool:
    """The shopper says they have already sent it back (or asks if it has arrived)."""
    return bool(_SENT_BACK.search(text))
