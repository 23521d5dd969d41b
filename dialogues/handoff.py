"""Talk to a person: the conversation is flagged for the team and the bot steps back.

What a shopper gets while the conversation waits for a person (there is no agent console yet: a
handoff is the flag conversation.handed_off_at plus an audit entry, and the team reads the stored
messages):

- the handoff itself is confirmed, and says that BOT carries on with the assistant meanwhile;
- every later message is stored as usual (the engine keeps every inbound message), so a person sees
  all of it; the bot does not try to answer it, because the shopper asked for a person;
- the first message after the handoff is always acknowledged (never silence after "hello?"), and
  after that at most once per ACK_EVERY: a shopper who sends five texts in a row gets one reply, not
  five, and someone still waiting an hour later hears again that we have their messages;
- "bot" / "menu" (BACK_TO_BOT) hands the conversation back to the assistant (audited, so the team
  knows they needn't reply); STOP still opts out (the router checks it first).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from dialogues.base import Flow, Turn, register

flow = register(Flow("handoff", intents=("talk_to_human",)))
ACK_EVERY = timedelta(minutes=10)
BACK_TO_BOT = {"bot", "menu", "back to bot", "back to the bot", "use the bot", "assistant"}
_STATE_KEYS = ("handoff_ack_at", "handoff_reason")


def hand_off(turn: Turn, reason: str) -> None:
    """Any flow can call this (a lockout, a claim, "still not working"); the caller says what happened.

    A parked journey is dropped: a person has the conversation now, and "shall we go back to it?"
    would be the bot talking over them.
    """
    turn.finish()
    turn.conversation.handed_off_at = turn.now
    state = {k: v for k, v in turn.state.items() if k not in ("parked", *_STATE_KEYS)}
    turn._set_state({**state, "handoff_reason": reason})
    turn.audit("handoff", "requested", reason=reason)


@flow.start
def start(turn: Turn) -> None:
    hand_off(turn, "shopper_asked")
    turn.say("utter_handoff_started")


@flow.step("with_agent")
def with_agent(turn: Turn) -> None:
    """A message while the conversation waits for a person: stored, acknowledged now and then."""
    if turn.text.lower().strip(" .!") in BACK_TO_BOT:
        turn.conversation.handed_off_at = None
        turn._set_state({k: v for k, v in turn.state.items() if k not in _STATE_KEYS})
        turn.audit("handoff", "returned_to_bot")
        turn.say("utter_back_to_bot")
        return
    last = turn.state.get("handoff_ack_at")
    if last is None or turn.now - datetime.fromisoformat(last) >= ACK_EVERY:
        turn._set_state({**turn.state, "handoff_ack_at": turn.now.isoformat()})
        turn.say("utter_handoff_waiting")
