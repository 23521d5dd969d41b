"""Keywords a shopper may send at any point: opt-out and opt-in (Twilio's Advanced Opt-Out lists), HELP,
and BOT / AGENT for who answers.

Why here and not in the NLU: these are promises to carriers and regulators, so they must work the same way
every time, whatever a classifier thinks ("unstop" looks like "stop" to a model). A keyword is the whole
message, in any case, with punctuation and a little politeness around it ("Start please", "STOP!!",
"yes pls"): a longer message is a sentence for the NLU ("stop sending me pickup points" is no opt-out).

Words that mean something else inside a journey are resolved by the router, which knows the state:
CANCEL closes an open question (and opts out only with none open, on a phone channel); YES re-subscribes
only a number that has opted out (otherwise it answers the question); START / UNSTOP on a number that never
opted out just says updates are on (every keyword is idempotent).
"""

from __future__ import annotations

import re
from enum import StrEnum

from dialogues.base import Turn, question_choices, question_values
from intents.opt_out import keeps_texts, stops_the_parcel


class Keyword(StrEnum):
    OPT_OUT = "opt_out"
    CANCEL = "cancel"  # an opt-out word, but "cancel that" first inside a journey
    OPT_IN = "opt_in"
    YES = "yes"  # an opt-in word, but only for a number that opted out
    HELP = "help"
    BOT = "bot"  # back to the assistant
    AGENT = "agent"  # a person, please


# Twilio's default opt-out, opt-in and help words, plus the newer opt-out ones (OPTOUT, REVOKE) and spellings
# shoppers use for them.
_WORDS: dict[str, Keyword] = {
    **dict.fromkeys(("stop", "stopall", "stop all", "unsubscribe", "end", "quit", "optout", "opt out", "revoke",
                     "stop texting", "stop texts", "stop messages", "stop messaging"), Keyword.OPT_OUT),
    "cancel": Keyword.CANCEL,
    **dict.fromkeys(("start", "unstop", "subscribe", "resubscribe", "re subscribe", "opt in", "optin",
                     "start texting", "start texts", "start messages", "start updates", "turn updates on",
                     "updates on", "texts on"), Keyword.OPT_IN),
    **dict.fromkeys(("yes", "y", "yeah", "yep"), Keyword.YES),
    **dict.fromkeys(("help", "info", "menu"), Keyword.HELP),
    **dict.fromkeys(("bot", "back to bot", "back to the bot", "use the bot", "assistant", "back to the assistant",
                     "the bot"), Keyword.BOT),
    **dict.fromkeys(("agent", "human", "a human", "person", "a person", "operator", "real person"), Keyword.AGENT),
}
# Politeness and padding that don't change what the keyword means ("Start please", "stop now thanks",
# "start texting me again"). "again" and "over" only pad an opt-in: "start again" inside a journey is the
# shopper starting over, which the router decides.
_PADDING = frozenset({"please", "pls", "plz", "plse", "thanks", "thank", "you", "thx", "ta", "now", "me", "my",
                      "ok", "okay", "x", "xx", "cheers", "mate", "just", "the", "again", "back", "up", "over"})
_ONLY_FOR_OPT_IN = frozenset({"again", "back", "up", "over"})


# Asking for texts back in other words ("turn notifications back on", "resume texts", "opt me back in"): the NLU
# has no opt-in intent and reads these as opt-outs, so they are recognised here first.
_TEXTS = r"(?:the |my |your )?(?:texts?|updates?|messages?|notifications?|alerts?|texting|messaging)"
_OPT_IN_REQUEST = re.compile(
    rf"\b(?:unstop|re-?subscribe|subscribe me|opt (?:me )?(?:back )?in|(?:start|resume|restart) {_TEXTS}"
    rf"|(?:turn|switch|put) {_TEXTS} (?:back )?on|(?:turn|switch|put) (?:them|it) back on"
    rf"|want {_TEXTS} (?:back|again))\b",
    re.IGNORECASE,
)
_NOT_OPT_IN = re.compile(r"\b(?:don'?t|do not|no more|never|stop|unsubscribe|not)\b", re.IGNORECASE)
def keyword_for(text: str, intent: str | None) -> Keyword | None:
    """The keyword this message is, or asks for: the whole message as a keyword, a request for texts back,
    or the NLU's opt-out (unless it asks for texts back or is about stopping the parcel)."""
    word = keyword_in(text)
    if word is not None:
        return word
    if _ends_with_stop(text):  # "the driver came, stop now", "got it, stop": a STOP said last is one
        return Keyword.OPT_OUT
    if keeps_texts(text):  # "dont stop the updates": they're on (or back on), said so
        return Keyword.OPT_IN
    if _OPT_IN_REQUEST.search(text) and not _NOT_OPT_IN.search(text):
        return Keyword.OPT_IN
    if intent == "opt_out" and not stops_the_parcel(text):
        return Keyword.OPT_OUT
    return None


_PAUSE = re.compile(r"[,.;:!?]+|\s[-–]\s|\n")
_HOLDING_ON = re.compile(r"(?:(?:wait|hold\s+on|hang\s+on|no|nope|sorry|oops|whoa|woah|er+m*|um+|ah+)\s*)+",
                         re.IGNORECASE)


def _ends_with_stop(text: str) -> bool:
    """The message's last part is STOP on its own ("the driver came, stop now"): the classifier read the whole as a
    status question and the opt-out was lost (a review of the opt-out rules). Only the last part: "stop, i meant
    number 5" is a shopper holding on, not opting out."""
    parts = [p for p in _PAUSE.split(text) if p.strip()]
    if any(_HOLDING_ON.fullmatch(p.strip()) for p in parts[:-1]):  # "wait, stop", "no no, stop": an interruption
        return False
    return len(parts) > 1 and keyword_in(parts[-1]) is Keyword.OPT_OUT


def _words(text: str) -> list[str]:
    return re.sub(r"[^\w\s]", " ", text.lower()).split()


def _trimmed(words: list[str]) -> list[str]:
    start, end = 0, len(words)
    while start < end and words[start] in _PADDING - _ONLY_FOR_OPT_IN:
        start += 1
    while end > start and words[end - 1] in _PADDING:
        end -= 1
    return words[start:end]


def keyword_in(text: str) -> Keyword | None:
    """The keyword this whole message is, if it is one."""
    words = _words(text)
    if not words or len(words) > 6:
        return None
    for core in (words, _trimmed(words), [w for w in words if w not in _PADDING]):
        found = _WORDS.get(" ".join(core)) if core else None
        if found is None:
            continue
        padded = core != words
        if found is Keyword.CANCEL and padded:
            return None  # "cancel please" is a request for the NLU; only a bare CANCEL is Twilio's opt-out word
        if padded and found not in (Keyword.OPT_IN, Keyword.YES) and (set(words) - set(core)) & _ONLY_FOR_OPT_IN:
            return None  # "stop again", "help over": not a keyword
        return found
    return None


def opted_out(turn: Turn) -> bool:
    """Whether this number has opted out of texts (a web chat has no number to opt out)."""
    contact = turn.conversation.contact
    return bool(contact is not None and contact.opted_out_at is not None)


def ask_open_question_again(turn: Turn) -> bool:
    """Say the open question again after an aside (a keyword, a short answer), so it is still clear what the
    bot is waiting for. False when nothing is open."""
    top = turn.state.top
    if top is None or not top.step or top.question is None:
        return False
    question = top.question
    turn.say(question.key, choices=question_choices(question), **question_values(question))
    return True

