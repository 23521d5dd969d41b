"""An opt-out is a wish to stop: the classifier's `opt_out` counts only with a word that says so.

Why: an opt-out is a promise to carriers and regulators that silences every delivery text to the number, codes
included. A model trained on "dont text me again" hears "text me again", "can you message me when it's out" and
"txt me the code" as the same thing (a sixth review unsubscribed shoppers who asked *for* a text). So the NLU's
opt-out stands only beside a word of stopping, refusing or removing; without one the next-best reading is used.
The keyword STOP and its friends never reach this: they are recognised before the NLU (dialogues/kit/keywords.py).
"""

from __future__ import annotations

import dataclasses
import re

from intents.types import OUT_OF_SCOPE, ParseResult

OPT_OUT = "opt_out"
# The runner-up stands in for a refused opt-out only if the model was fairly sure of it too; otherwise the message
# is read as out of scope (the help reply says what the bot can do), never a journey started on a 0.2 guess.
NEXT_BEST_CONFIDENCE = 0.5

# Stopping, refusing, removing, muting, or being fed up, as shoppers write it (misspellings included).
_STOPPING = re.compile(
    r"\b(?:sto+p+\w*|stpo|unsu\w*|opt(?:\s+(?:me|us|this\s+number))?\s*out|optout|cease|quit\w*|end|mute|"
    r"disable|cancel\w*|remove|delete|block|take\s+(?:me|my|this|it|us)\b.*\boff|(?:turn|switch|shut)\s+(?:\w+\s+){0,3}off|"
    r"no\s+more|no\s+longer|never|don'?t|dont|do\s+not|doesn'?t|not\s+(?:want|interested|the|my|wish)|"
    r"want\s+out|leave\s+(?:me|us)\s+alone|spam\w*|enough|too\s+many|sick\s+of|fed\s+up|wrong\s+number|"
    r"without|less|fewer|pause|silence)\b",
    re.IGNORECASE,
)


def says_stop(text: str) -> bool:
    """Does the message carry a word of stopping ("stop", "no more", "unsubscribe", "leave me alone")?"""
    return _STOPPING.search(text.replace("\u2019", "'")) is not None


def unless_asked_for(parsed: ParseResult) -> ParseResult:
    """The parse, with an opt-out that says no stop read as the next-best intent ("can you text me again" is no
    opt-out); a clarification between an opt-out and another intent becomes that other intent."""
    if says_stop(parsed.text):
        return parsed
    if parsed.intent != OPT_OUT and not (parsed.clarify and OPT_OUT in parsed.clarify):
        return parsed
    ranking = [s for s in parsed.ranking if s.intent != OPT_OUT]
    if parsed.intent != OPT_OUT:  # only the clarification named it
        return dataclasses.replace(parsed, clarify=None, ranking=ranking)
    best = ranking[0] if ranking else None
    if best is None or best.confidence < NEXT_BEST_CONFIDENCE:  # "pls text me back" is no return request either
        return dataclasses.replace(parsed, intent=OUT_OF_SCOPE, confidence=0.0, ranking=[], clarify=None)
    return dataclasses.replace(parsed, intent=best.intent, confidence=best.confidence, ranking=ranking, clarify=None)
