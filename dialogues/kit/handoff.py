"""Handing a conversation to a person, from any journey (a lockout, a claim, "still not working").

Who owns the conversation is the HandoffService's to change (bot/services/handoff.py: status, waiting
since, reason, audit, the event the console hears); this is the dialogue's side of it.
"""

from __future__ import annotations

from dialogues.base import Turn


def hand_off(turn: Turn, reason: str) -> None:
    """Any flow can call this; the caller says what happened.

    A parked journey is dropped: a person has the conversation now, and "shall we go back to it?"
    would be the bot talking over them.
    """
    turn.finish()
    turn.drop_parked()
    turn.state.handoff_ack_at = None
    turn.services.handoff.hand_off(turn.uow, turn.conversation, reason=reason, actor=turn.message.sender,
                                   now=turn.now)
