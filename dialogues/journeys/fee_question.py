"""What a change costs, asked ("whats the fee to change the day", "is it free to redeliver", "how much for evening
delivery"): answered from the carrier's options for this parcel, free or its fee, and never a change started. The
question is read by dialogues/kit/fees.py (the router's asides); mid-journey it is answered for the parcel in hand
and the open question asked again. Review 11: these were out of scope, or started the change unanswered.
"""

from __future__ import annotations

import dataclasses

from backend import local_time
from backend.types import ActionKind, ActionOption, Shipment, TimeWindow
from dialogues.base import REGISTRY, Flow, Turn, register
from dialogues.kit.answers import YES_NO, yes_or_no
from dialogues.kit.fees import fee_asked
from dialogues.kit.formatting import money, parcel_label
from dialogues.kit.keywords import ask_open_question_again
from dialogues.subflows.identify import can_see, shipment_for

flow = register(Flow("fee_question", intents=()))
EVENING_FROM = 17  # a slot starting at 17:00 or later is an evening one


@flow.start
def start(turn: Turn) -> None:
    if turn.state.open_step:  # mid-journey: the parcel in hand, then the question that was open
        tracking = turn.slots.get("tracking_number")
        shipment = turn.backend.get_shipment(tracking) if tracking else None
        if shipment is not None and can_see(turn, shipment):
            _answer(turn, shipment)
        ask_open_question_again(turn)
        return
    turn.remember(fee_text=turn.text)
    with_shipment(turn)


@flow.step("with_shipment")
def with_shipment(turn: Turn) -> None:
    shipment = shipment_for(turn, then="with_shipment")
    if shipment is None:
        return
    text = turn.slots.get("fee_text") or turn.text  # the question, asked before the parcel was proven
    offered = _answer(turn, shipment, text)
    if offered is None or offered.value not in REGISTRY:
        turn.finish()
        return
    # "ok do it" is the likeliest next message: asked, so it has somewhere to go (review 11: it was the help text)
    turn.remember(go=offered.value, tracking_number=shipment.tracking_number)
    turn.ask("go", "utter_fee_go", choices=YES_NO)


@flow.step("go")
def go(turn: Turn) -> None:
    """Yes: the change's own journey for this parcel, which asks what it needs, then confirms and asks for a code."""
    answer = yes_or_no(turn)
    if answer is None:
        turn.reask()
        return
    kind, tracking = turn.slots.get("go"), turn.slots.get("tracking_number")
    turn.finish()
    if not answer or kind not in REGISTRY:
        turn.say("utter_fee_not_now")
        return
    turn.remember(tracking_number=tracking)
    turn.nlu = dataclasses.replace(turn.nlu, intent=kind, confidence=1.0, clarify=None)
    REGISTRY[kind].run_start(turn)


def _answer(turn: Turn, shipment: Shipment, text: str | None = None) -> ActionKind | None:
    """Say the fee; the kind asked about when it is on offer for this parcel (None when it isn't)."""
    asked = fee_asked(text or turn.text)
    if asked is None:  # the router sends only a fee question here; never silence all the same
        turn.say("utter_fee_unavailable", what=turn.render("utter_fee_what_change"), parcel=parcel_label(shipment))
        return None
    options = turn.services.changes.options(turn.backend, shipment).get(asked.kind, [])
    parcel = parcel_label(shipment)
    what = turn.render(f"utter_fee_what_{asked.kind.value}")
    turn.audit("fee_question", asked.kind.value, subject=shipment.tracking_number)
    if asked.evening:
        return asked.kind if _evening(turn, options, parcel) else None
    if not options:
        turn.say("utter_fee_unavailable", what=what, parcel=parcel)
        return None
    if all(o.fee for o in options):
        cheapest = min(options, key=lambda o: o.fee or 0)
        turn.say("utter_fee_paid", what=what, parcel=parcel, fee=money(cheapest.fee, cheapest.currency))
    elif any(o.fee for o in options):
        paid = [turn.render("utter_fee_slot", span=_span(turn, o.windows[0]), fee=money(o.fee, o.currency))
                for o in options if o.fee and o.windows]
        turn.say("utter_fee_some", what=what, parcel=parcel, paid=" and ".join(str(p) for p in paid))
    else:
        turn.say("utter_fee_free", what=what, parcel=parcel)
    return asked.kind


def _evening(turn: Turn, options: list[ActionOption], parcel: str) -> bool:
    """Evening slots' price: the options whose slots start from 17:00. False when there is none."""
    evening = [o for o in options if o.windows and turn.local(o.windows[0].start).hour >= EVENING_FROM]
    if not evening:
        turn.say("utter_fee_evening_none", parcel=parcel)
        return False
    first = evening[0]
    key = "utter_fee_evening_paid" if first.fee else "utter_fee_evening_free"
    turn.say(key, parcel=parcel, span=_span(turn, first.windows[0]),
             fee=money(first.fee, first.currency) if first.fee else "")
    return True


def _span(turn: Turn, window: TimeWindow) -> str:
    return local_time.span(turn.local(window.start), turn.local(window.end), turn.config.region)


