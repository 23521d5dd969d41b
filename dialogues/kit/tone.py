"""Is the shopper upset? Plain rules, read before the message is used, so the reply can start with an apology
and go straight to the fastest way forward instead of "Sorry, I didn't catch that".

Why rules and not an NLU intent: being upset isn't a request, it comes on top of one ("WHERE IS MY PARCEL???"
still asks where the parcel is), and the signs are visible in the text itself: shouting, "???", swearing,
having to ask again. Each sign has a weight; two points make a message upset, so one capitalised word for
emphasis ("I'm NOT in on Monday") or a lone "again" ("can you try again tomorrow") is not enough.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

from bot.core.messages import Reply
from dialogues.base import Turn

UPSET_AT = 2

# The bot's own keywords (and common acronyms) are written in capitals because we ask for them that way.
_NOT_SHOUTING = frozenset({
    "YES", "NO", "STOP", "START", "UNSTOP", "HELP", "INFO", "AGENT", "BOT", "CANCEL", "PHOTO", "RETURN", "NEIGHBOUR",
    "PICKUP", "OTHER", "RESEND", "SKIP", "MENU", "OK", "UK", "US", "USA", "GPS", "TV", "ID", "DPD", "UPS", "DHL",
    "USPS", "SMS", "MMS", "ETA", "ASAP", "PO", "AM", "PM", "NHS", "PIN", "OTP", "QR", "UK'S", "IT", "PS", "FYI",
})
_SWEARING = re.compile(
    r"\b(?:f+u+c+k\w*|fck\w*|fk|feck\w*|sh[i1]t\w*|crap|bloody|damn\w*|wtf|ffs|piss\w*|bollocks|arse\w*|ass|"
    r"bullshit|bs|hell)\b",
    re.IGNORECASE,
)
_INSULTS = re.compile(
    r"\b(?:useless|rubbish|pathetic|ridiculous|joke|joking me|disgrace\w*|unacceptable|appalling|awful|terrible|"
    r"worst|incompetent|shambles|scam|liars?|lying|lied|sick of|fed up|fuming|furious|livid|angry|annoyed|"
    r"frustrat\w*|disgusted|not good enough|stupid)\b",
    re.IGNORECASE,
)
# Having had to ask before ("3rd time", "i already told you", "ive texted 3 times"): the apology says so.
_AGAIN_AND_AGAIN = re.compile(
    r"\b(?:(?:2nd|3rd|4th|5th|\d+th|second|third|fourth|fifth|umpteenth|hundredth)\s+time|how many times|"
    r"(?:yet|once) again|again and again|keeps? (?:telling|saying|sending)|every time|already (?:told|said|asked"
    # "i already asked my neighbours / next door / around": someone else was asked, not us
    r"(?!\s+(?:my|the|our|all|both|a|some|every|next|around|round|them|him|her|everyone|every\w*|people"
    r"|neighbou?r)))"
    r"|i (?:told|said) (?:you|u)|(?:texted|asked|messaged|rang|called|tried|contacted) (?:you |u )?(?:\d+|two|three"
    r"|four|five|several|so many|loads of) times|no one (?:has )?(?:replied|answered|got back)"
    r"|nobody (?:has )?(?:replied|answered|got back))\b",
    re.IGNORECASE,
)
# Still waiting ("still nothing", "still not here", "been waiting days now"): as upsetting, but about the parcel,
# not about asking: "nope still nothing" is often the first answer to "Have you found it?", not a second ask.
_STILL_WAITING = re.compile(
    r"\b(?:still (?:not|no|waiting|hasn'?t|nothing|haven'?t)|been waiting|(?:days|weeks|hours) (?:now|later))\b",
    re.IGNORECASE,
)
_AGAIN = re.compile(r"\b(?:again|still)\b", re.IGNORECASE)
_MISSED = re.compile(
    r"\b(?:nobody|no one|noone|never|didn'?t(?: even)?|did not) (?:knock\w*|rang|ring|came|come|turned up|showed up|"
    r"tried)\b|\b(?:was|were|i'?m|been) (?:in|home|at home|here|in all day|in all morning|waiting)\b.*\b(?:all|whole)"
    r" (?:day|morning|afternoon)\b|\bwhy not\b|\bwhat now\b|\bseriously\b|\bunbelievable\b",
    re.IGNORECASE,
)
_BURST = re.compile(r"[?!]{3,}|\?!|!\?")
_DOUBLE = re.compile(r"[?!]{2}")


@dataclass(frozen=True)
class Mood:
    """What the rules saw: how upset (points), whether the shopper has had to ask before, and why."""

    points: int
    again: bool
    signs: tuple[str, ...]

    @property
    def upset(self) -> bool:
        return self.points >= UPSET_AT


def _shouting(text: str) -> int:
    tokens = (t.strip(".,;:!?()\"-") for t in text.split())
    words = [t for t in tokens if t and not any(c.isdigit() for c in t)]  # references and postcodes aren't shouting
    caps = [w for w in words if len(w) >= 2 and w.isupper() and w not in _NOT_SHOUTING]
    lettered = [w for w in words if len(w) >= 2]
    if len(lettered) >= 3 and len(caps) >= 0.6 * len(lettered):
        return 2  # the whole message in capitals
    return 1 if caps else 0


def read_mood(text: str) -> Mood:
    """Weigh the signs of an upset shopper in one message."""
    signs: list[tuple[str, int]] = []
    shout = _shouting(text)
    if shout:
        signs.append(("shouting", shout))
    if _BURST.search(text):
        signs.append(("???", 2))
    elif _DOUBLE.search(text):
        signs.append(("??", 1))
    if _SWEARING.search(text):
        signs.append(("swearing", 2))
    if _INSULTS.search(text):
        signs.append(("complaint", 2))
    again = bool(_AGAIN_AND_AGAIN.search(text))
    if again:
        signs.append(("asked before", 2))
    elif _STILL_WAITING.search(text):
        signs.append(("still waiting", 2))
    elif _AGAIN.search(text):
        signs.append(("again", 1))
    if _MISSED.search(text):
        signs.append(("let down", 1))
    return Mood(sum(p for _, p in signs), again, tuple(s for s, _ in signs))


def is_upset(text: str) -> bool:
    return read_mood(text).upset


def apologise(turn: Turn, *, person_offered: bool = True) -> None:
    """A short apology before a clear request goes where it was going ("WHERE IS IT???"). A shopper let down
    ("I was IN all morning... nobody knocked. what now") is also offered a person, unless they are getting one."""
    mood = read_mood(turn.text)
    forward = person_offered and not mood.again and "let down" in mood.signs
    if forward:
        turn.say("utter_tone_sorry_forward")
    else:
        turn.say("utter_tone_sorry_again" if mood.again else "utter_tone_sorry")
    turn.apology = turn.replies[-1]
    turn.apology_instead = Reply(turn.render("utter_tone_forward")) if forward else None


_SORRY = re.compile(r"\b(?:sorry|apologi[sz]e|apologies)\b", re.IGNORECASE)
# "Sorry, I can't cancel it: ...", "Apologies - ...": an opening apology that leaves a whole sentence behind.
_SORRY_OPENER = re.compile(r"^(?:sorry|i'?m\s+sorry|i\s+am\s+sorry|apologies)\s*(?:[,:]|\s-)\s+(?=\w)",
                           re.IGNORECASE)


def one_apology(turn: Turn) -> None:
    """One apology a reply, whatever path made it: two in a row ("I'm sorry about this. I'm sorry it's missing")
    read as a script. The tone's general apology goes when a journey says sorry for the thing itself; a later
    reply that opens with "Sorry, " after an apology keeps the rest of its sentence."""
    sorry = [r for r in turn.replies if _SORRY.search(r.text)]
    if len(sorry) < 2:
        return
    if turn.apology is not None and any(r is turn.apology for r in sorry):
        instead = [turn.apology_instead] if turn.apology_instead is not None else []
        turn.replies = [x for r in turn.replies for x in (instead if r is turn.apology else [r])]
        sorry = [r for r in sorry if r is not turn.apology]
    later = {id(r) for r in sorry[1:]}
    for i, reply in enumerate(turn.replies):
        opener = _SORRY_OPENER.match(reply.text) if id(reply) in later else None
        if opener is not None:
            rest = reply.text[opener.end():]
            turn.replies[i] = dataclasses.replace(reply, text=type(reply.text)(rest[:1].upper() + rest[1:]))
