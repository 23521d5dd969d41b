"""The requests a shopper made beside the one being handled ("..., and tell the driver about the dog"), started one
at a time as each journey before them ends ("Now your other request: ..."). dialogues/kit/requests.py queues them
(`apply`); the router calls `next_queued` when a turn leaves no journey open.
"""

from __future__ import annotations

from dialogues.base import REGISTRY, Turn
from dialogues.kit.told import answered
from intents.types import ParseResult


def next_queued(turn: Turn) -> bool:
    """Start the next request the shopper made earlier, if the journey before it has ended. True if one did."""
    state = turn.state
    if state.stack or not state.queue:
        return False
    saved = state.queue.pop(0)
    parse = ParseResult.from_saved(saved)
    flow = REGISTRY.get(parse.intent)
    if flow is None:
        return False
    given = parse.entity("tracking_number")
    if answered(turn, flow.name) and (given is None or str(given.value).upper() == answered(turn, flow.name)):
        return next_queued(turn)  # "...can i see the photo he took": it was in the reply before, not sent twice
    label = f"label_{flow.name}"
    if saved.get("parcel"):  # the same change for the shopper's next parcel (dialogues/kit/every_parcel.py)
        turn.say("utter_next_parcel", parcel=str(saved["parcel"]))
    else:
        turn.say("utter_next_request", what=turn.render(label) if turn.voice.has(label) else parse.intent)
    turn.nlu, turn.text = parse, parse.text
    flow.run_start(turn)
    return True
