"""Talk to a person: the conversation is flagged for the team and the bot steps back.

What a shopper gets while the conversation waits for a person (conversation.status "waiting", set by
bot/services/handoff.py with the reason and the time it started waiting, audited and announced):

- the handoff itself is confirmed, and says that BOT carries on with the assistant meanwhile;
- every later message is stored as usual (the engine keeps every inbound message), so a person sees
  all of it; the bot does not try to answer it, because the shopper asked for a person;
- the first message after the handoff is always acknowledged (never silence after "hello?"), and
  after that at most once per ACK_EVERY: a shopper who sends five texts in a row gets one reply, not
  five, and someone still waiting an hour later hears again that we have their messages;
- "bot" / "menu" (BACK_TO_BOT) hands the conversation back to the assistant (audited, so the team
  knows they needn't reply); STOP still opts out (the router checks it first);
- once a person has taken the conversation over ("with_agent"), the bot says nothing at all: the person
  answers, and the bot and a person never both answer.
"""

from __future__ import annotations

from datetime import timedelta

from bot.core.conversations import Status
from dialogues.base import Flow, Turn, register
from dialogues.kit.handoff import hand_off

flow = register(Flow("handoff", intents=("talk_to_human",)))
ACK_EVERY = timedelta(minutes=10)
BACK_TO_BOT = {"bot", "menu", "back to bot", "back to the bot", "use the bot", "assistant"}


@flow.start
def start(turn: Turn) -> None:
    hand_off(turn, "shopper_asked")
    turn.say("utter_handoff_started")


@flow.step("with_agent")
def with_agent(turn: Turn) -> None:
    """A message while the conversation is a person's: stored (the engine), acknowledged now and then while
    waiting, and left to the person once they have it."""
    if turn.services.handoff.status(turn.conversation) is Status.WITH_AGENT:
        return  # a person is answering: the bot stays quiet
    if turn.text.lower().strip(" .!") in BACK_TO_BOT:
        turn.state.handoff_ack_at = None
        turn.services.handoff.hand_back(turn.uow, turn.conversation, actor=turn.message.sender, now=turn.now)
        turn.say("utter_back_to_bot")
        return
    last = turn.state.handoff_ack_at
    if last is None or turn.now - last >= ACK_EVERY:
        turn.state.handoff_ack_at = turn.now
        turn.say("utter_handoff_waiting")
