"""Coming back to a parked journey after a side-trip ("actually, where is it now?" ... "ok, back to it")."""

from __future__ import annotations

from dialogues.base import Flow, Turn, question_values, register

flow = register(Flow("resume", intents=()))


@flow.step("offer")
def offer(turn: Turn) -> None:
    parked = dict(turn.state.get("parked") or {})
    state = {k: v for k, v in turn.state.items() if k != "parked"}
    if turn.nlu.intent == "affirm" and parked.get("flow"):
        turn._set_state({**{k: v for k, v in state.items() if k not in ("flow", "step", "question")}, **parked})
        question = parked.get("question") or {}
        if question.get("key") == "utter_code_sent":
            turn.say("utter_code_format")  # the code already sent still stands: don't claim a new one
        elif question.get("key"):
            turn.say(question["key"], **question_values(question))
        return
    turn._set_state({k: v for k, v in state.items() if k not in ("flow", "step", "question", "slots")})
    turn.say("utter_ok_dropped")
