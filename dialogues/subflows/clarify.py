"""'Did you mean 1) ... or 2) ...?': when the NLU can't tell two intents apart, the shopper decides.

The router starts this flow when turn.nlu.clarify = (a, b). The answer ("1", "the second", or a message
that is clearly a or b) starts that journey as if the original message had been understood: with the
original text and its entities (a tracking number, a date), so nothing has to be typed twice. Turns
have no interpreter, so the original parse is stored (with each entity's resolved value) and rebuilt.

An answer that says more than the pick ("2, ring the bell twice", "the note: dog in the garden") is the
shopper's newer word: the journey starts on those words (what the note says, where the safe place is),
with the pick cut off, and only the original's entities the answer lacks (the tracking number) kept.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from bot.core.messages import Choice
from bot.core.wording import MissingTemplate, Rendered
from dialogues.base import REGISTRY, Flow, Turn, register
from dialogues.kit.choices import pick
from dialogues.kit.every_parcel import where_are_all
from intents.types import ParseResult

flow = register(Flow("clarify", intents=()))
SWITCH_CONFIDENCE = 0.6
# A request this sure of itself, and neither option, outweighs a label's word met by chance ("can YOU try again
# tomorrow" against "tracking YOUR parcel"); a number or "the second" still picks.
OVER_WORDS_CONFIDENCE = 0.9
ANSWER_INTENTS = frozenset({"affirm", "inform", "out_of_scope"})
# Not requests: with no question open, asking "did you mean yes or thanks?" helps no one.
SMALL_TALK = frozenset({"affirm", "deny", "inform", "greet", "goodbye", "thank_you", "out_of_scope"})
# A pick at the start of an answer that goes on: "2, ring twice", "option 1 - the porch", "the second: ...".
_LEADING_PICK = re.compile(
    r"^\W*(?P<pick>(?:(?:no\.?|number|option|#)\s*)?\d{1,2}(?![\w:])|(?:the\s+)?(?:first|second|1st|2nd)"
    r"(?:\s+one)?\b)[\s).,:;!-]*",
    re.IGNORECASE,
)
# Words that only pick (with the labels' own words): an answer made of nothing else says nothing new.
_PICK_WORDS = frozenset({
    "yes", "yeah", "yep", "ok", "okay", "please", "pls", "plz", "thanks", "thank", "you", "ta", "the", "a", "an",
    "one", "i", "meant", "mean", "it", "its", "it's", "that", "this", "is", "option", "number", "no", "for", "my",
    "first", "second", "1st", "2nd", "1", "2", "two",
    # politeness and chat around a pick ("2 thanks so much", "2 sorry", "2 pls mate"): not a new note
    "so", "much", "very", "sorry", "soz", "mate", "cheers", "thx", "ty", "tysm", "lol", "haha", "x", "xx",
    "great", "cool", "perfect", "lovely", "right", "correct", "sure", "yup", "go", "that's",
    "thats", "one's", "ones", "hun", "love", "pal", "bro", "dear", "just", "oh", "ah", "oops", "of", "course",
})
_ARTICLE = re.compile(r"(?:the|a|an|my)\s+(?P<word>[\w']+)", re.IGNORECASE)


def label_for(turn: Turn, intent: str) -> Rendered:
    """What an intent is, in words: label_<intent>, else the label of the flow that handles it."""
    names = [intent]
    if intent in REGISTRY:
        names.append(REGISTRY[intent].name)
    for name in names:
        try:
            return turn.render(f"label_{name}")
        except MissingTemplate:
            continue
    return turn.render("utter_clarify_unnamed", what=intent.replace("_", " "))


def _saved(nlu: ParseResult) -> dict[str, Any]:
    return nlu.to_saved()


def rebuild(saved: dict[str, Any], intent: str) -> ParseResult:
    """The original parse, now with the intent the shopper chose (and full confidence: they said so)."""
    return ParseResult.from_saved(saved, intent=intent, confidence=1.0)


@flow.start
def start(turn: Turn) -> None:
    a, b = turn.nlu.clarify or (turn.nlu.intent, turn.nlu.intent)
    options = [i for i in dict.fromkeys((a, b)) if i in REGISTRY]
    requests = [i for i in options if i not in SMALL_TALK]
    if "where_is_my_order" in requests and where_are_all(turn.text):  # "where both my parcel?": no question
        requests = ["where_is_my_order"]
    if len(requests) < 2:
        # "hi, where's my parcel" or "yes, thanks": only one of them is a request worth a question.
        chosen = requests[0] if requests else (options[0] if options else "out_of_scope")
        _begin(turn, chosen, _saved(turn.nlu))
        return
    turn.remember(clarify={"options": options, "original": _saved(turn.nlu)})
    a, b = label_for(turn, options[0]), label_for(turn, options[1])
    turn.ask("choose", "utter_clarify", a=a, b=b, choices=(Choice("1", a), Choice("2", b)))


@flow.step("choose")
def choose(turn: Turn) -> None:
    pending = turn.slots.get("clarify") or {}
    options: list[str] = list(pending.get("options") or [])
    if len(options) != 2:
        turn.finish()
        turn.say("utter_cancelled")
        return
    labels = [str(label_for(turn, i)) for i in options]
    lead = _LEADING_PICK.match(turn.text)
    if not lead and _by_number(turn.text, len(labels)) is None and _is_new_request(turn) \
            and turn.nlu.intent not in options and turn.nlu.confidence >= OVER_WORDS_CONFIDENCE:
        _answer_as_itself(turn)
        return
    index = pick(turn.text, labels)
    if index is None and lead:
        index = pick(lead.group("pick"), labels)
    if index is None and turn.nlu.intent in options:
        index = options.index(turn.nlu.intent)
    if index is not None:
        _begin(turn, options[index], pending.get("original") or {}, _own_words(turn.text, labels, lead))
        return
    if turn.nlu.intent == "deny":
        turn.finish()
        turn.say("utter_clarify_neither")
        return
    if _is_new_request(turn):
        # Neither: a clear new request of its own ("actually, where is it?") is answered as such.
        _answer_as_itself(turn)
        return
    turn.reask()


def _answer_as_itself(turn: Turn) -> None:
    """Drop the question and start the journey of the request the shopper made instead."""
    turn.finish()
    REGISTRY[turn.nlu.intent].run_start(turn)


def _by_number(text: str, count: int) -> int | None:
    """A pick by number or position only ("2", "number two", "the first"): labels with no words match nothing."""
    return pick(text, [""] * count)


def _is_new_request(turn: Turn) -> bool:
    nlu = turn.nlu
    return (
        nlu.intent in REGISTRY
        and nlu.intent not in ANSWER_INTENTS
        and nlu.intent != "deny"
        and not nlu.clarify
        and nlu.confidence >= SWITCH_CONFIDENCE
    )


def _own_words(text: str, labels: list[str], lead: re.Match[str] | None) -> int | None:
    """Where the shopper's own words start in a pick, or None when the answer only picks ("2", "the note")."""
    start = lead.end() if lead else 0
    label_words = {w for label in labels for w in re.findall(r"[\w']+", label.lower())}
    words = re.findall(r"[\w']+", text[start:].lower())
    if all(w in _PICK_WORDS or w in label_words for w in words):
        return None
    article = _ARTICLE.match(text, start)
    if article and article.group("word").lower() in label_words:
        start = article.start("word")  # "the note: dog in the garden" reads as "note: dog in the garden"
    return start


def _from_answer(turn: Turn, intent: str, original: dict[str, Any], start: int) -> ParseResult:
    """This answer's words from `start` (its entities moved to match), plus the original's it lacks."""
    text = turn.text[start:]
    own = [dataclasses.replace(e, start=e.start - start, end=e.end - start)
           for e in turn.nlu.entities if e.start >= start]
    named = {e.entity for e in own}
    # Carried over with an empty span at the end: nothing reads the answer's text at the original's offsets.
    carried = [dataclasses.replace(e, start=len(text), end=len(text))
               for e in rebuild(original, intent).entities if e.entity not in named]
    return dataclasses.replace(turn.nlu, text=text, intent=intent, confidence=1.0, entities=own + carried,
                               clarify=None)


def _begin(turn: Turn, intent: str, original: dict[str, Any], own_words: int | None = None) -> None:
    """Start the chosen journey as if it had been understood the first time: on the original message,
    or on the answer's own words when it has some."""
    turn.finish()
    if own_words is not None:
        turn.nlu = _from_answer(turn, intent, original, own_words)
        turn.text = turn.nlu.text
    elif original:
        turn.nlu = rebuild(original, intent)
        turn.text = turn.nlu.text
    REGISTRY[intent].run_start(turn)
