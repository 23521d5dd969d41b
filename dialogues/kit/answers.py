"""Reading short answers the same way in every after-sales journey: yes/no, "1 and 3", "both", free text.

The NLU decides yes/no first (it knows "yep", "go ahead", "nah", "I suppose so", 👍); a bare YES/NO also counts
when the model is unsure, because a confirmation must never hang on a classifier's mood. Two readings need the
question's context, which the NLU doesn't have: a "maybe" ("not sure", "let me think", 🤷) is no answer even if
the model leans to a no, and a thanks in the same breath as a yes ("ok thanks", "perfect, ta") is a yes, though
on its own "perfect thanks" is a thank-you.
"""

from __future__ import annotations

import re

from bot.core.messages import Choice
from bot.core.wording import clean_value
from dialogues.base import Turn
from dialogues.kit.choices import pick

_YES = {"yes", "y", "yeah", "yep", "yup", "ok", "okay", "sure", "confirm", "go ahead", "yes please", "please", "pls",
        "please do", "go on", "go on then", "do it", "yess", "yse", "ya", "yah", "yea", "ye", "k", "kk", "okey", "okie",
        "alright", "fine", "correct", "confirmed", "absolutely", "definitely", "of course"}
_NO = {"no", "n", "nope", "nah", "na", "noo", "dont", "don't", "do not", "no thanks", "no thank you", "no ta",
       "nah ta", "no need", "not now", "leave it", "leave it as it is"}
# Praise that answers a yes/no question when a thanks comes with it ("lovely thanks", "brilliant, ta").
_PRAISE = {"great", "lovely", "perfect", "brilliant", "brill", "fab", "fabulous", "awesome", "amazing", "nice",
           "cool", "sweet", "super", "excellent", "wonderful", "smashing", "grand", "sound", "champion", "sorted",
           "ok great", "ok lovely", "ok perfect", "ok cool", "ok brilliant", "yes great", "great stuff"}
_THANKS = re.compile(r"\b(?:thanks?(?: you| u)?(?: (?:very|so) much)?|thx|ty|ta|cheers|many thanks)\b")
# No answer yet: asked again, nothing changed ("maybe not" is a soft no and left to the NLU).
_UNSURE = re.compile(
    r"\b(?:maybe(?! not\b)|perhaps|possibly|not (?:too |really |quite )?sure|unsure|dunno|do(?:n'?t| not) know|idk"
    r"|no idea|not a clue|can'?t decide|undecided|let me (?:think|check|ask)|(?:i'?ll|i will|need to) think"
    r"|get back to you|50 ?/ ?50)\b|[🤷🤔]",
    re.IGNORECASE,
)
_ALL = {"the lot", "all items", "all of them", "both of them", "all of it"}
_ALL_WORDS = {"all", "both", "everything"}


# A yes/no confirmation as structured choices: buttons on a channel that has them (the web chat), while an SMS
# reads the same question's "Reply YES ... or NO" (the text names them, so nothing is added: Reply.listed).
YES_NO = (Choice("yes", "Yes"), Choice("no", "No"))
YES_OR_OTHER = (Choice("yes", "Yes"), Choice("other", "Other options"))


def _plain(text: str) -> str:
    return re.sub(r"[^\w\s']", "", text.lower()).strip()


_ACK_WORDS = frozenset(w for phrase in _YES | _NO | _PRAISE for w in phrase.split()) - {"do", "it", "leave", "as",
                                                                                         "is", "not", "need"}


def is_acknowledgement(text: str) -> bool:
    """ "ok cheers 👍", "no thanks", "cool": nothing but yes, no, praise and thanks (an emoji alone too). "yes
    report it" is not: it asks for something."""
    plain = _plain(text)
    words = _THANKS.sub(" ", plain).split()
    if any(w in _NO for w in words) and not _THANKS.search(plain):
        return False  # a bare "no" / "nope" may dispute what we said ("delivered yesterday"); "no thanks" is an ok
    return all(w in _ACK_WORDS for w in words)


def ask_choice(turn: Turn, step: str, key: str, choices: list[str], *, free_text: bool = False,
               titles: list[str] | None = None, **values: object) -> None:
    """Ask a question with listed options, and tell the router: an answer naming one of them (say "post
    office" for "Drop it off at a Post Office") is this question's answer, not a new request. `titles` are
    the buttons' words when they should be shorter than what an answer may name ("Sunday morning")."""
    listed = tuple(Choice(str(i), str(c)) for i, c in enumerate(titles or choices, 1))
    turn.ask(step, key, free_text=free_text, choices=listed, **values)
    top = turn.state.top
    if top is not None and top.question is not None:
        top.question.options = [str(c) for c in choices]


def unsure(text: str) -> bool:
    """ "maybe", "not sure", "let me think", 🤷: no answer yet, whatever the words around it."""
    return _UNSURE.search(text) is not None


# A no that says what to do instead of the change asked about, in words the question itself offers ("Reply ... NO
# to keep it"): "actually no keep it", "wait no dont cancel", "no, leave it". Read on the whole message: a "no,"
# first reads as a correction, and "keep it" alone as a hold (review 11: "Sorry, I didn't catch that").
_NO_KEEP_IT = re.compile(
    r"\s*(?:(?:actually|wait|hang\s+on|hold\s+on|oh|oops|um+|erm+|sorry)[\s,.!-]+)*"
    r"(?:(?:no+|nope|nah)[\s,.!-]+(?:(?:please|pls|just|i'?ll|ill|i\s+will|i'?m\s+going\s+to|gonna)\s+)?(?:just\s+)?"
    r"(?:keep|leave)\s+(?:it|them|my\s+order|the\s+order)"
    r"(?:\s+as\s+(?:it\s+is|is))?"
    r"|(?:(?:no+|nope|nah)[\s,.!-]+)?(?:(?:please|pls|just)\s+)?do\s*n[o']?t\s+(?:cancel|change|bother|do\s+(?:it|that))"
    r"(?:\s+(?:it|that|them|my\s+order|the\s+order))?)"
    r"(?:[\s,.!]+(?:thanks|thank\s+you|thx|ta|then|please|pls))?[\s.!]*",
    re.IGNORECASE)


_NO_WORD = re.compile(r"\b(?:no+|nope|nah|do\s*n[o']?t|do\s+not|not|never|stop|wait|hold\s+on|hang\s+on)\b",
                      re.IGNORECASE)


def says_no(text: str) -> bool:
    """A word of no, stopping or waiting anywhere in it: "yes please cancel it" has none, "wait dont cancel" has."""
    return _NO_WORD.search(text) is not None


def yes_or_no(turn: Turn) -> bool | None:
    """True for yes, False for no, None when the message is neither (a "maybe" is neither)."""
    if unsure(turn.text):
        return None
    if _NO_KEEP_IT.fullmatch(turn.message.text or ""):
        return False
    if turn.nlu.intent == "affirm":
        return True
    if turn.nlu.intent == "deny":
        return False
    plain = _plain(turn.text)
    if plain in _YES:
        return True
    if plain in _NO:
        return False
    if turn.nlu.intent in ("thank_you", "goodbye", "out_of_scope"):
        head = " ".join(_THANKS.sub(" ", plain).split())
        if head and plain != head and (head in _YES or head in _PRAISE):
            return True
        if head and plain != head and head in _NO:
            return False
    return None


def pick_many(text: str, options: list[str]) -> list[int] | None:
    """Indexes named in "1 and 3", "1,2", "both", "all", "the shoes"; None when nothing clear was named."""
    if not options:
        return None
    plain = _plain(text)
    if plain in _ALL or set(plain.split()) & _ALL_WORDS:
        return list(range(len(options)))
    low = text.lower().replace("#", " ").strip(" .!")
    numbers = re.findall(r"\d{1,2}", low)
    if numbers and re.fullmatch(r"(?:\s*(?:\d{1,2}|and|n|plus|[,&+/]))+\s*", low):
        chosen = sorted({int(n) - 1 for n in numbers})
        return chosen if all(0 <= i < len(options) for i in chosen) else None
    parts = [p for p in re.split(r"\s*(?:,|&|\+|\band\b)\s*", low) if p.strip()]
    if len(parts) > 1:
        found = [pick(p, options) for p in parts]
        if all(i is not None for i in found):
            return sorted(set(found))  # type: ignore[arg-type]
    one = pick(text, options)
    return [one] if one is not None else None


def free_text(text: str, limit: int) -> str:
    """Something the shopper typed, fit to store and show: printable, one line, at most `limit` characters."""
    cleaned = clean_value(text)
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 3] + "..."


def confirmed(turn: Turn, declined_key: str) -> bool:
    """True on a yes. A no closes the journey with `declined_key`; anything else is asked again."""
    answer = yes_or_no(turn)
    if answer is None:
        turn.reask()
        return False
    if not answer:
        turn.finish()
        turn.say(declined_key)
        return False
    return True
