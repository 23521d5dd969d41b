"""Which flow hears a message: the open question, a change of topic, a clarification, or a new journey.

Order of precedence (why): an opt-out always wins (it's the law in most markets); "cancel" / "never mind"
closes the open question; an answer goes to the question that was asked; a confident new request
parks the open journey so the shopper can come back to it; anything else starts the journey its intent
names, and what we don't understand gets an honest fallback.
"""

from __future__ import annotations

import re
from datetime import timedelta

from dialogues.base import REGISTRY, Turn
from dialogues.kit import claims
from dialogues.kit.choices import pick
from dialogues.subflows import one_tap
from intents.types import OUT_OF_SCOPE

ANSWER_INTENTS = frozenset({"affirm", "deny", "inform"})
ABANDON = frozenset(
    {"cancel", "cancel that", "cancel it", "never mind", "nevermind", "nvm", "forget it", "forget that",
     "quit", "exit", "start again", "start over", "reset"}
)
STOP_WORDS = frozenset({"stop", "stopall", "unsubscribe", "end", "quit texting", "optout", "opt out"})
START_WORDS = frozenset({"start", "unstop", "subscribe"})
SWITCH_CONFIDENCE = 0.6


def _plain(text: str) -> str:
    return re.sub(r"[^\w\s]", "", text.lower()).strip()


def respond(turn: Turn) -> None:
    _expire_stale_state(turn)
    plain = _plain(turn.text)

    if plain in STOP_WORDS or turn.nlu.intent == "opt_out":
        REGISTRY["opt_out"].run_start(turn)
        return
    if plain in START_WORDS:
        REGISTRY["opt_in"].run_start(turn)
        return
    if claims.before_routing(turn):  # "found it!" closes a claim; "any news on my claim?" is its status
        return

    if turn.conversation.handed_off and "handoff" in REGISTRY:
        REGISTRY["handoff"].run_step(turn, "with_agent")
        return

    if not turn.text and not turn.message.media:
        turn.say("utter_empty_message")
        return

    open_flow, step = turn.state.open_flow, turn.state.open_step
    if open_flow and step:
        if plain in ABANDON:
            turn.finish()
            turn.say("utter_cancelled")
            return
        if open_flow == "resume" and _is_topic_switch(turn, open_flow):
            # A new request instead of "yes, back to it": the parked journey is dropped, not re-parked.
            turn.drop_parked()
            turn.finish()
        elif not _is_topic_switch(turn, open_flow):
            flow = REGISTRY[open_flow]
            if flow.has_step(step):
                flow.run_step(turn, step)
                _offer_parked(turn)
                return
        else:
            turn.park()

    if one_tap.maybe_take_offer(turn):
        return
    if turn.nlu.clarify and "clarify" in REGISTRY:
        REGISTRY["clarify"].run_start(turn)
        return

    intent = turn.nlu.intent
    if turn.message.media and not turn.text:
        intent = "media_only"
    flow = REGISTRY.get(intent) or REGISTRY[OUT_OF_SCOPE]
    flow.run_start(turn)
    _offer_parked(turn)


def _is_topic_switch(turn: Turn, open_flow: str) -> bool:
    intent, confidence = turn.nlu.intent, turn.nlu.confidence
    if intent in ANSWER_INTENTS or intent == OUT_OF_SCOPE or intent not in REGISTRY:
        return False
    if REGISTRY[intent].name == open_flow or intent in {"greet", "thank_you"}:
        return False
    if open_flow == "clarify":
        # "Did you mean A or B?" is answered by naming A or B; its step also starts any other clear request.
        return False
    top = turn.state.top
    options = top.question.options if top and top.question else None
    if options and pick(turn.text, [str(o) for o in options]) is not None:
        # "post office" or "refund please" picks from the list we just sent; it isn't a new request.
        return False
    if top and top.step and REGISTRY[open_flow].recognises(turn, top.step):
        return False  # the open step knows this for its answer (Flow.answers)
    # A free-text question ("what should the note say?") takes almost anything as its answer.
    needed = 0.85 if top and top.free_text else SWITCH_CONFIDENCE
    return confidence >= needed


def _offer_parked(turn: Turn) -> None:
    """When the side-trip is over, offer to go back to what the shopper was doing."""
    parked = turn.state.parked_flow
    if not turn.state.parked or turn.state.open_flow:
        return
    label = turn.render(f"label_{parked}") if parked else ""
    turn.flow_name = "resume"
    turn.ask("offer", "utter_offer_resume", label=label)


def _expire_stale_state(turn: Turn) -> None:
    ttl = timedelta(minutes=turn.settings.conversation_ttl_minutes)
    last = turn.last_seen
    if last and turn.now - last > ttl:
        # The open question and any parked journey go stale; a one-tap offer or a handoff note carries
        # its own lifetime and stays.
        turn.finish()
        turn.drop_parked()
