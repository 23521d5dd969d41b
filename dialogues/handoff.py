"""Talk to a person: the conversation is flagged for the team and the bot steps back.

While a person has the conversation the bot stays quiet (the agent console reads the stored messages),
except to acknowledge now and then, and "bot" / "menu" hands it back to the bot.
"""

from __future__ import annotations

from datetime import timedelta

from dialogues.base import Flow, Turn, register

flow = register(Flow("handoff", intents=("talk_to_human",)))
ACK_EVERY = timedelta(hours=1)
BACK_TO_BOT = {"bot", "menu", "back to bot", "use the bot"}


def hand_off(turn: Turn, reason: str) -> None:
    """Any flow can call this (a lockout, a claim, "still not working")."""
    turn.finish()
    turn.conversation.handed_off_at = turn.now
    turn._set_state({**turn.state, "handoff_ack_at": turn.now.isoformat(), "handoff_reason": reason})
    turn.audit("handoff", "requested", reason=reason)


@flow.start
def start(turn: Turn) -> None:
    hand_off(turn, "shopper_asked")
    turn.say("utter_handoff")


@flow.step("with_agent")
def with_agent(turn: Turn) -> None:
    from datetime import datetime

    if turn.text.lower().strip(" .!") in BACK_TO_BOT:
        turn.conversation.handed_off_at = None
        turn.say("utter_back_to_bot")
        return
    last = turn.state.get("handoff_ack_at")
    if last is None or turn.now - datetime.fromisoformat(last) >= ACK_EVERY:
        turn._set_state({**turn.state, "handoff_ack_at": turn.now.isoformat()})
        turn.say("utter_with_agent")
