"""STOP means stop: the number is opted out at once, for every proactive message, until START."""

from __future__ import annotations

from backend import models as m
from dialogues.base import Flow, Turn, register

flow = register(Flow("opt_out"))
opt_in = register(Flow("opt_in", intents=()))


def _contact(turn: Turn) -> m.Contact | None:
    return turn.conversation.contact


@flow.start
def stop(turn: Turn) -> None:
    turn.finish()
    contact = _contact(turn)
    if contact is not None and contact.opted_out_at is None:
        contact.opted_out_at = turn.now
    turn.audit("opt_out", "opted_out")
    turn.say("utter_opted_out")


@opt_in.start
def start_again(turn: Turn) -> None:
    contact = _contact(turn)
    if contact is not None:
        contact.opted_out_at = None
    turn.audit("opt_in", "opted_in")
    turn.say("utter_opted_in")
