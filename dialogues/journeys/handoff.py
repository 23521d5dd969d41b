"""Talk to a person: the conversation is flagged for the team, and the shopper is never left in silence.

What a shopper gets while the conversation waits for a person (conversation.status "waiting", set by
bot/services/handoff.py with the reason and the time it started waiting, audited and announced):

- the handoff itself is confirmed with when a person will reply: the team is in now (the merchant's
  support hours, in the team's time zone) or when it is back; and that the bot can still answer tracking
  questions meanwhile, and BOT leaves the queue;
- every later message is stored as usual (the engine keeps every inbound message), so a person sees all of
  it, and EVERY message gets an answer: a tracking, photo or return-status question, or a short question
  the bot answers itself, is answered as usual without ending the wait (the router lets it through:
  dialogues/kit/handoff.py); anything else is acknowledged with when a person will reply, in full the
  first time and every ACK_EVERY, briefly in between;
- AGENT (or "a real person please") while already waiting doesn't queue twice: it says the shopper is in
  the queue and when a person will reply; a change asked for meanwhile is left for the person, and BOT
  does it with the assistant now;
- BOT hands the conversation back to the assistant (audited, so the team knows they needn't reply); BOT
  sent while already with the assistant is answered by the router and changes nothing;
- once a person has taken the conversation over ("with_agent"), the bot says nothing at all: the person
  answers, and the bot and a person never both answer. STOP still opts out (the router checks it first).
"""

from __future__ import annotations

from datetime import timedelta

from bot.core.conversations import Status
from dialogues.base import Flow, Turn, register
from dialogues.kit.handoff import ANSWERED_WHILE_WAITING, CONFIDENT, hand_off, reply_when
from dialogues.kit.keywords import Keyword, keyword_in
from dialogues.kit.tone import is_upset
from intents.complaint import is_complaint

flow = register(Flow("handoff", intents=("talk_to_human",)))
ACK_EVERY = timedelta(minutes=10)
# Messages that aren't a request for something the bot would do: they get the acknowledgement.
_NOT_A_CHANGE = ANSWERED_WHILE_WAITING | {"greet", "goodbye", "thank_you", "help", "affirm", "deny", "inform",
                                          "out_of_scope", "talk_to_human", "opt_out", "stray_answer", "media_only"}


@flow.start
def start(turn: Turn) -> None:
    complained = is_complaint(turn.text)  # "the driver was rude": sorry first, and the queue says it's a complaint
    hand_off(turn, "complaint" if complained else "upset" if is_upset(turn.text) else "shopper_asked")
    if complained:
        turn.say("utter_handoff_sorry_complaint")
    turn.say("utter_handoff_started", reply_when=reply_when(turn))


@flow.step("with_agent")
def with_agent(turn: Turn) -> None:
    """A message while the conversation is a person's: stored (the engine), always answered while it waits,
    left to the person once they have it."""
    if turn.services.handoff.status(turn.conversation) is Status.WITH_AGENT:
        return  # a person is answering: the bot stays quiet
    keyword = keyword_in(turn.text)
    if keyword is Keyword.BOT:
        turn.state.handoff_ack_at = None
        turn.services.handoff.hand_back(turn.uow, turn.conversation, actor=turn.message.sender, now=turn.now)
        turn.say("utter_back_to_bot")
        return
    if is_upset(turn.text):
        turn.say("utter_handoff_sorry_wait")
    when = reply_when(turn)
    if keyword is Keyword.AGENT or turn.nlu.intent == "talk_to_human":
        turn.say("utter_handoff_already_waiting", reply_when=when)  # already queued: not queued again
    elif _asks_for_a_change(turn):
        turn.say("utter_handoff_waiting_change", reply_when=when)
    elif turn.state.handoff_ack_at is None or turn.now - turn.state.handoff_ack_at >= ACK_EVERY:
        turn.say("utter_handoff_waiting", reply_when=when)
    else:
        turn.say("utter_handoff_still_waiting", reply_when=when)
        return
    turn.state.handoff_ack_at = turn.now


def _asks_for_a_change(turn: Turn) -> bool:
    nlu = turn.nlu
    return nlu.intent not in _NOT_A_CHANGE and nlu.confidence >= CONFIDENT and not nlu.clarify
