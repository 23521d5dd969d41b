"""Greetings, thanks, goodbyes, help, and the honest "I didn't get that" — short and never a dead end."""

from __future__ import annotations

from dialogues.base import Flow, Turn, register
from intents.types import OUT_OF_SCOPE

greet = register(Flow("greet"))
goodbye = register(Flow("goodbye"))
thank_you = register(Flow("thank_you"))
help_flow = register(Flow("help"))
fallback = register(Flow(OUT_OF_SCOPE))
stray_answer = register(Flow("stray_answer", intents=("affirm", "deny", "inform")))
media_only = register(Flow("media_only"))


@greet.start
def hello(turn: Turn) -> None:
    turn.say("utter_greet")


@goodbye.start
def bye(turn: Turn) -> None:
    turn.finish()
    turn.say("utter_goodbye")


@thank_you.start
def thanks(turn: Turn) -> None:
    turn.say("utter_you_are_welcome")


@help_flow.start
def what_can_you_do(turn: Turn) -> None:
    turn.say("utter_help")


@fallback.start
def not_understood(turn: Turn) -> None:
    turn.say("utter_out_of_scope")


@stray_answer.start
def answer_without_question(turn: Turn) -> None:
    """A "yes", a "no" or a bare value with no open question: if it names a parcel, show it."""
    if turn.nlu.entity("tracking_number") or turn.nlu.entity("order_number"):
        from dialogues.base import REGISTRY

        REGISTRY["where_is_my_order"].run_start(turn)
        return
    turn.say("utter_help")


@media_only.start
def photo_without_context(turn: Turn) -> None:
    turn.say("utter_media_without_context")
