"""'Did you mean 1) ... or 2) ...?': when the NLU can't tell two intents apart, the shopper decides.

The router starts this flow when turn.nlu.clarify = (a, b). The answer ("1", "the second", or a message
that is clearly a or b) starts that journey as if the original message had been understood: with the
original text and its entities (a tracking number, a date), so nothing has to be typed twice. Turns
have no interpreter, so the original parse is stored (with each entity's resolved value) and rebuilt.
"""

from __future__ import annotations

from typing import Any

from bot.templates import MissingTemplate, Rendered
from dialogues.base import REGISTRY, Flow, Turn, register
from dialogues.choices import pick
from intents.types import Entity, IntentScore, ParseResult

flow = register(Flow("clarify", intents=()))
SWITCH_CONFIDENCE = 0.6
ANSWER_INTENTS = frozenset({"affirm", "inform", "out_of_scope"})
# Not requests: with no question open, asking "did you mean yes or thanks?" helps no one.
SMALL_TALK = frozenset({"affirm", "deny", "inform", "greet", "goodbye", "thank_you", "out_of_scope"})


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
    data = nlu.to_json()
    data["entities"] = [
        {"entity": e.entity, "value": e.value, "start": e.start, "end": e.end, "resolved": e.resolved}
        for e in nlu.entities
    ]
    return data


def rebuild(saved: dict[str, Any], intent: str) -> ParseResult:
    """The original parse, now with the intent the shopper chose (and full confidence: they said so)."""
    return ParseResult(
        text=saved.get("text") or "",
        intent=intent,
        confidence=1.0,
        ranking=[IntentScore(r["intent"], float(r["confidence"])) for r in saved.get("ranking") or []],
        entities=[
            Entity(e["entity"], e["value"], int(e["start"]), int(e["end"]), e.get("resolved"))
            for e in saved.get("entities") or []
        ],
    )


@flow.start
def start(turn: Turn) -> None:
    a, b = turn.nlu.clarify or (turn.nlu.intent, turn.nlu.intent)
    options = [i for i in dict.fromkeys((a, b)) if i in REGISTRY]
    requests = [i for i in options if i not in SMALL_TALK]
    if len(requests) < 2:
        # "hi, where's my parcel" or "yes, thanks": only one of them is a request worth a question.
        chosen = requests[0] if requests else (options[0] if options else "out_of_scope")
        _begin(turn, chosen, _saved(turn.nlu))
        return
    turn.remember(clarify={"options": options, "original": _saved(turn.nlu)})
    turn.ask("choose", "utter_clarify", a=label_for(turn, options[0]), b=label_for(turn, options[1]))


@flow.step("choose")
def choose(turn: Turn) -> None:
    pending = turn.slots.get("clarify") or {}
    options: list[str] = list(pending.get("options") or [])
    if len(options) != 2:
        turn.finish()
        turn.say("utter_cancelled")
        return
    index = pick(turn.text, [str(label_for(turn, i)) for i in options])
    if index is None and turn.nlu.intent in options:
        index = options.index(turn.nlu.intent)
    if index is not None:
        _begin(turn, options[index], pending.get("original") or {})
        return
    if turn.nlu.intent == "deny":
        turn.finish()
        turn.say("utter_clarify_neither")
        return
    if _is_new_request(turn):
        # Neither: a clear new request of its own ("actually, where is it?") is answered as such.
        turn.finish()
        REGISTRY[turn.nlu.intent].run_start(turn)
        return
    turn.reask()


def _is_new_request(turn: Turn) -> bool:
    nlu = turn.nlu
    return (
        nlu.intent in REGISTRY
        and nlu.intent not in ANSWER_INTENTS
        and nlu.intent != "deny"
        and not nlu.clarify
        and nlu.confidence >= SWITCH_CONFIDENCE
    )


def _begin(turn: Turn, intent: str, original: dict[str, Any]) -> None:
    """Start the chosen journey on the original message, as if it had been understood the first time."""
    turn.finish()
    if original:
        turn.nlu = rebuild(original, intent)
        turn.text = turn.nlu.text
    REGISTRY[intent].run_start(turn)
