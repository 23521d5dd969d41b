"""Coming back to a parked journey after a side-trip ("actually, where is it now?" ... "ok, back to it")."""

from __future__ import annotations

from dialogues.base import Flow, Turn, question_choices, question_values, register
from dialogues.subflows.verify import CODE_QUESTIONS, remind

flow = register(Flow("resume", intents=()))


@flow.step("offer")
def offer(turn: Turn) -> None:
    parked = list(turn.state.parked)
    turn.drop_parked()
    if turn.nlu.intent == "affirm" and parked and parked[-1].flow:
        turn.state.stack = parked
        question = parked[-1].question
        if question is not None and question.key in CODE_QUESTIONS:
            tracking = parked[-1].slots.get("tracking")  # the code already sent still stands: don't claim a new one
            remind(turn, turn.backend.get_shipment(tracking) if tracking else None)
        elif question is not None:
            turn.say(question.key, choices=question_choices(question), **question_values(question))
        return
    turn.finish()
    turn.say("utter_ok_dropped")
