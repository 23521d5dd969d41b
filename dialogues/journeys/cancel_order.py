"""Cancelling an order: which one, may it still be cancelled, "are you sure?", a one-time code, done.

The carrier's rules decide (an order that has left the warehouse can't be cancelled; one already
delivered can be returned instead, and we offer that). The cancellation goes through
the change service (bot/services/changes.py) under an idempotency key chosen when the shopper was asked to confirm,
so a retried webhook or a double "yes" cancels once, with its delivery-change row and audit entry. The
confirmation says what happens next: the refund and when it reaches the card (the merchant's refund_time);
"where's my refund?" later is answered from this cancellation (return_or_refund_status).
"""

from __future__ import annotations

import dataclasses
import re
import uuid

from backend.types import ActionKind, ChangeContext, ResultStatus, Shipment, ShipmentStatus
from bot.core.wording import Rendered
from dialogues.base import REGISTRY, Flow, Turn, register
from dialogues.kit.answers import YES_NO, confirmed, says_no, yes_or_no
from dialogues.kit.claims import cancellation_of
from dialogues.kit.formatting import day_label, parcel_label
from dialogues.subflows.change import option_for
from dialogues.subflows.identify import shipment_for
from dialogues.subflows.verify import require_code

flow = register(Flow("cancel_order"))
ACTION = "cancel_order"
_STANDING = re.compile(r"\bpreference\b", re.IGNORECASE)


@flow.start
def start(turn: Turn) -> None:
    if _STANDING.search(turn.text) and "leave_with_neighbour" in REGISTRY:
        # "cancel my neighbour preference" ends a standing instruction; it doesn't cancel an order.
        turn.nlu = dataclasses.replace(turn.nlu, intent="leave_with_neighbour")
        REGISTRY["leave_with_neighbour"].run_start(turn)
        return
    with_shipment(turn)


@flow.step("with_shipment")
def with_shipment(turn: Turn) -> None:
    shipment = shipment_for(turn, then="with_shipment")
    if shipment is None:
        return
    cancelled = cancellation_of(turn, shipment)
    if cancelled is not None:  # cancelled here already: what happens next, not "can't cancel it"
        turn.finish()
        turn.say("utter_cancel_order_already", order=(cancelled.params or {}).get("order_number") or "",
                 reference=cancelled.reference or "", when=day_label(turn, cancelled.created_at),
                 refund_time=turn.config.refund_time)
        return
    option = option_for(turn, shipment, ActionKind.CANCEL_ORDER)
    if option is None or not shipment.order_number:
        turn.finish()
        turn.say("utter_cancel_order_not_offered")
        return
    if not option.available:
        _refuse(turn, shipment, turn.voice.reason(option.reason_code, option.reason))
        return
    others = [s for s in turn.backend.find_shipments(order_number=shipment.order_number)
              if s.tracking_number != shipment.tracking_number]
    turn.remember(cancel_key=f"cxl-{uuid.uuid4().hex}", order_number=shipment.order_number)
    key = "utter_cancel_order_confirm_whole" if others else "utter_cancel_order_confirm"
    turn.ask("confirm", key, order=shipment.order_number, parcel=parcel_label(shipment), count=len(others) + 1,
             choices=YES_NO)


def _refuse(turn: Turn, shipment: Shipment, reason: Rendered) -> None:
    """Say why not; a delivered order can be sent back instead, so offer that."""
    turn.say("utter_cancel_order_refused", reason=reason)
    if shipment.status is ShipmentStatus.DELIVERED and "start_return" in REGISTRY:
        turn.ask("offer_return", "utter_cancel_order_offer_return", choices=YES_NO)
        return
    turn.finish()


@flow.step("offer_return")
def offer_return(turn: Turn) -> None:
    if not confirmed(turn, "utter_cancel_order_kept"):
        return
    tracking = turn.slots.get("tracking_number")
    turn.finish()
    turn.remember(tracking_number=tracking)
    REGISTRY["start_return"].run_step(turn, "with_shipment")


@flow.step("confirm")
def confirm(turn: Turn) -> None:
    if turn.nlu.intent == flow.name and not says_no(turn.message.text or "") and yes_or_no(turn) is None:
        apply(turn)  # "yes please cancel it", "yep cancel the order": the request again is the yes
        return
    if not confirmed(turn, "utter_cancel_order_kept"):
        return
    apply(turn)


@flow.step("apply")
def apply(turn: Turn) -> None:
    slots = turn.slots
    tracking = slots.get("tracking_number")
    shipment = turn.backend.get_shipment(tracking) if tracking else None
    if shipment is None or not slots.get("cancel_key"):
        turn.finish()
        turn.say("utter_cancelled")
        return
    if not require_code(turn, shipment, action=ACTION, then="apply"):
        return
    context = ChangeContext(actor=turn.message.sender, channel=turn.message.channel,
                            verified_by=turn.verification_for(tracking) or "sender_number")
    order = slots.get("order_number") or shipment.order_number or ""
    result = turn.services.changes.cancel_order(turn.uow, turn.backend, turn.merchant, order,
                                                key=slots["cancel_key"], context=context, tracking=tracking,
                                                now=turn.now, conversation_id=turn.conversation.id)
    turn.finish()
    if result.status is ResultStatus.ACCEPTED:
        turn.say("utter_cancel_order_done", order=order, reference=result.reference or "",
                 refund_time=turn.config.refund_time)
    elif result.status is ResultStatus.PENDING:
        turn.say("utter_cancel_order_pending", order=order)
    else:
        turn.say("utter_cancel_order_refused", reason=turn.voice.reason(result.reason_code, result.reason))
