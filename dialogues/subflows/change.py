"""Changing a delivery, the same safe way for every journey: check, confirm, verify, apply, confirm back.

A journey (neighbour, safe place, reschedule...) works out *what* the shopper wants and calls
`propose(turn, shipment, action, summary)`. From there this sub-flow:
1. checks the carrier offers it now (otherwise says why, and what they can do instead);
2. asks the shopper to confirm, saying what the change replaces (kit/replaces.py) and, for a fee, how much
   (£3.50) and how and when it is paid;
3. asks for a one-time code sent to the recipient (subflows/verify.py);
4. applies it once, under the idempotency key chosen here, with its audit entry (bot/services/changes.py);
5. replies with the carrier's reference and what happens next (the fee charged; the journey's own `after`,
   e.g. when a pickup point has it ready); a slow carrier gets "on it" and the confirmation follows by text.
With `then`, the journey's `then` step runs after an accepted change ("for future parcels too?").
"""

from __future__ import annotations

from backend.types import ActionKind, ActionOption, ChangeContext, DeliveryAction, ResultStatus, Shipment
from bot.core.wording import Rendered
from bot.services.changes import ChangeRequest
from dialogues.base import Flow, Turn, register
from dialogues.kit.formatting import money
from dialogues.kit.replaces import with_replaced
from dialogues.subflows.verify import require_code

flow = register(Flow("change", intents=()))
CODE_CARRIERS = frozenset({ActionKind.LEAVE_IN_SAFE_PLACE, ActionKind.LEAVE_WITH_NEIGHBOUR})


def option_for(turn: Turn, shipment: Shipment, kind: ActionKind) -> ActionOption | None:
    return turn.services.changes.option(turn.backend, shipment, kind)


def unavailable(turn: Turn, option: ActionOption | None) -> None:
    """Say why not (the carrier's code in the merchant's words, or its own words), and close the journey."""
    turn.finish()
    if option is None:
        turn.say("utter_change_not_offered")
        return
    turn.say("utter_change_unavailable", reason=turn.voice.reason(option.reason_code, option.reason))


def propose(turn: Turn, shipment: Shipment, action: DeliveryAction, summary: Rendered,
            option: ActionOption | None = None, *, then: str | None = None, after: Rendered | None = None) -> None:
    """`then`: a step of the calling journey to run once the change is accepted (e.g. "for future parcels too?");
    `after`: what happens next, said with the "Done" (e.g. when the pickup point has it ready)."""
    proposal = turn.services.changes.propose(turn.backend, shipment, action, option)
    option = proposal.option
    if option is None or not proposal.available:
        unavailable(turn, option)
        return
    params = dict(action.params)
    for name in ("safe_place", "neighbour"):
        if isinstance(params.get(name), str):  # a code typed into the place travels sealed, never in clear
            params[name], sealed = turn.seal_codes(params[name])
            if sealed:
                params["access_code_enc"] = sealed
    carried = turn.slots.get("access_code_enc")
    if carried and action.kind in CODE_CARRIERS and "access_code_enc" not in params:
        params["access_code_enc"] = carried
    turn.call(flow.name, then=then)
    turn.remember(
        tracking_number=shipment.tracking_number,
        pending_action={"kind": action.kind.value, "params": params},
        change_key=proposal.key,  # chosen now: the one attempt this confirmation makes
        summary=str(summary),
        fee=str(option.fee) if option.fee else None,
        currency=option.currency,
        after=str(after) if after else None,
    )
    shown = with_replaced(turn, shipment, action, summary)
    if option.fee:
        turn.ask("confirm", "utter_confirm_change_with_fee", summary=shown, fee=money(option.fee, option.currency))
    else:
        turn.ask("confirm", "utter_confirm_change", summary=shown)


@flow.step("confirm")
def confirm(turn: Turn) -> None:
    if turn.nlu.intent == "deny":
        turn.finish()
        turn.say("utter_change_not_made")
        return
    if turn.nlu.intent != "affirm":
        turn.reask()
        return
    turn.remember(fee_accepted=bool(turn.slots.get("fee")))
    apply(turn)


@flow.step("apply")
def apply(turn: Turn) -> None:
    slots = turn.slots
    tracking = slots["tracking_number"]
    shipment = turn.backend.get_shipment(tracking)
    pending = slots.get("pending_action") or {}
    if shipment is None or not pending:
        turn.finish()
        turn.say("utter_cancelled")
        return
    if not require_code(turn, shipment, action=pending["kind"], then="apply"):
        return
    action = DeliveryAction(ActionKind(pending["kind"]), dict(pending.get("params") or {}),
                            fee_accepted=bool(slots.get("fee_accepted")))
    context = ChangeContext(actor=turn.message.sender, channel=turn.message.channel,
                            verified_by=turn.verification_for(tracking) or "sender_number")
    request = ChangeRequest(tracking, action, slots["change_key"], context, turn.conversation.id,
                            str(slots.get("summary") or ""))
    result = turn.services.changes.apply(turn.uow, turn.backend, turn.merchant, request, turn.now)
    summary = Rendered(slots.get("summary") or "")
    if result is not None and result.status is ResultStatus.ACCEPTED:
        turn.say("utter_change_done", summary=summary, reference=result.reference or "", next=_next(turn))
        turn.return_()  # back to the journey's `then` step, if it asked for one; else the journey is over
        return
    turn.finish()
    if result is None:
        turn.say("utter_change_in_progress")
    elif result.status is ResultStatus.PENDING:
        turn.say("utter_change_pending", summary=summary)
    else:
        turn.say("utter_change_rejected", reason=turn.voice.reason(result.reason_code, result.reason))


def _next(turn: Turn) -> Rendered:
    """What happens next, after "Done": the fee that will be charged, then the journey's own words."""
    slots, parts = turn.slots, []
    if slots.get("fee") and slots.get("fee_accepted"):
        parts.append(turn.render("utter_change_fee_charged", fee=money(slots["fee"], slots.get("currency"))))
    if slots.get("after"):
        parts.append(Rendered(slots["after"]))
    return Rendered(" ".join(parts))
