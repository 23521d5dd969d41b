"""STOP means stop; START (or UNSTOP, or YES from a number that opted out) means start again; HELP says how to
reach the merchant and how to stop. Twilio's Advanced Opt-Out keywords, honoured by the bot as well so our
own records (which every proactive text checks: bot/core/outbox.py) agree with the carrier's.

Every keyword is idempotent: STOP twice, or START on a number that never stopped, says how things stand
and changes nothing. The router decides when a word is a keyword (dialogues/kit/keywords.py: CANCEL and
YES mean other things inside a journey); these flows only do what the keyword says.

A web chat has no number to opt out: STOP there closes what was open, and says how to stop delivery texts.

Deploying on Twilio: with Advanced Opt-Out on its default lists, Twilio itself opts a number out on a bare
CANCEL, even mid-journey where the bot reads it as "cancel that". A merchant who wants the journey meaning
removes CANCEL from the Messaging Service's opt-out keywords; the bot's own handling is the same either way.
"""

from __future__ import annotations

from backend import models as m
from dialogues.base import Flow, Turn, register
from dialogues.kit.handoff import contact_line, hours_label
from dialogues.kit.keywords import ask_open_question_again

flow = register(Flow("opt_out"))
opt_in = register(Flow("opt_in", intents=()))
opt_out_cancel = register(Flow("opt_out_cancel", intents=()))
help_keyword = register(Flow("help_keyword", intents=()))


def _contact(turn: Turn) -> m.Contact | None:
    return turn.conversation.contact if turn.channel.phone_like else None


def _stop(turn: Turn, key: str) -> None:
    turn.finish()
    turn.drop_parked()  # nothing is offered back to a number that said STOP
    contact = _contact(turn)
    if contact is None:
        turn.audit("opt_out", "no_number")
        turn.say(key)
        return
    if contact.opted_out_at is not None:
        turn.say("utter_opted_out_already")
        return
    contact.opted_out_at = turn.now
    turn.audit("opt_out", "opted_out")
    turn.say(key)


@flow.start
def stop(turn: Turn) -> None:
    _stop(turn, "utter_opted_out")


@opt_out_cancel.start
def stop_by_cancel(turn: Turn) -> None:
    """A bare CANCEL with nothing open is Twilio's opt-out word: the reply says how to cancel an order instead."""
    _stop(turn, "utter_opted_out_cancel")


@opt_in.start
def start_again(turn: Turn) -> None:
    contact = _contact(turn)
    if contact is None or contact.opted_out_at is None:
        turn.say("utter_opted_in_already")
    else:
        contact.opted_out_at = None
        turn.audit("opt_in", "opted_in")
        turn.say("utter_opted_in")
    ask_open_question_again(turn)  # a question asked while texts were off is asked again now


@help_keyword.start
def help_me(turn: Turn) -> None:
    """HELP / INFO: who we are, how to reach a person and the merchant, and how to stop texts."""
    turn.say("utter_help", hours=hours_label(turn), contact=contact_line(turn))
    ask_open_question_again(turn)
