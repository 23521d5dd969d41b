"""One mechanism for a flow that calls another and gets control back: a stack of frames in the conversation's
typed state (dialogues/base.py Turn.call / Turn.return_), stored in the database between messages.

A tiny journey calls a tiny sub-flow that asks a question; the answer comes in a later message (a later turn,
read back from the database), the sub-flow returns a value, and the journey's `then` step carries on with it
and with its own slots, which the sub-flow never saw. Nested calls unwind in order; a sub-flow that ends the
journey ends all of it.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from backend import models as m
from backend.db import transaction
from bot.core.conversations import ConversationState
from bot.core.messages import InboundMessage
from dialogues.base import REGISTRY, Flow, Turn, register
from tests.dialogues.aftersales_kit import ForcedIntent
from tests.helpers import new_sid

SENDER = "rest:frames-test"


def _flow(name: str) -> Flow:
    return REGISTRY[name] if name in REGISTRY else register(Flow(name, intents=(name,)))


journey, middle, ask = _flow("test_frames_journey"), _flow("test_frames_middle"), _flow("test_frames_ask")


@journey.start
def _journey_start(turn: Turn) -> None:
    turn.remember(mine="kept by the journey")
    turn.call(middle.name, then="after")
    _middle_start(turn)


@journey.step("after")
def _journey_after(turn: Turn) -> None:
    turn.say("utter_test_frames", text=f"journey got {turn.slots.get('colour')}, still {turn.slots.get('mine')}")
    turn.finish()


def _middle_start(turn: Turn) -> None:
    turn.remember(middle_only="never seen by the journey")
    turn.call(ask.name, then="after")
    turn.ask("colour", None)


@middle.step("after")
def _middle_after(turn: Turn) -> None:
    turn.return_(colour=turn.slots.get("colour"))


@ask.step("colour")
def _ask_colour(turn: Turn) -> None:
    if turn.text == "forget the colour":
        turn.finish()
        return
    turn.return_(colour=turn.text)


def _send(runtime, text: str) -> list[str]:  # noqa: ANN001
    forced = ForcedIntent(runtime.engine.interpreter, {"go": {"intent": journey.name, "confidence": 1.0}})
    outcome = runtime.engine.replace(interpreter=forced).handle(
        InboundMessage("rest", SENDER, "demo", text, channel_message_id=new_sid()))
    return [r.text for r in outcome.replies]


@pytest.fixture(autouse=True)
def _test_wording(runtime, demo) -> None:  # noqa: ANN001
    """The journey's one line of wording, as a merchant override (the wording service's own mechanism)."""
    with transaction(runtime.sessions) as s:
        s.get(m.Merchant, demo.id).settings = {"responses": {"utter_test_frames": "{text}"}}


def _state(runtime) -> ConversationState:  # noqa: ANN001
    with runtime.sessions() as s:
        return ConversationState.from_json(
            s.scalar(select(m.Conversation.state).where(m.Conversation.address == SENDER)))


def test_a_called_flow_returns_to_its_caller_across_turns(runtime, demo):
    _send(runtime, "go")
    state = _state(runtime)  # stored between messages: three frames, each waiting on the one above
    assert [(f.flow, f.step, f.then) for f in state.stack] == [
        (journey.name, None, "after"), (middle.name, None, "after"), (ask.name, "colour", None)]
    assert state.stack[0].slots == {"mine": "kept by the journey"}
    assert state.stack[1].slots == {"middle_only": "never seen by the journey"}

    assert _send(runtime, "teal") == ["journey got teal, still kept by the journey"]
    assert _state(runtime).stack == []  # the journey finished: nothing left open


def test_a_sub_flow_that_ends_the_journey_ends_all_of_it(runtime, demo):
    _send(runtime, "go")
    assert _send(runtime, "forget the colour") == []
    assert _state(runtime).stack == []
