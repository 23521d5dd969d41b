"""Changing a delivery, the same safe way for every journey: check, confirm, verify, apply, confirm back.

A journey (neighbour, safe place, reschedule...) works out *what* the shopper wants and calls
`propose(turn, shipment, action, summary)`. From there this sub-flow:
1. checks the carrier offers it now (otherwise says why, and what they can do instead);
2. asks the shopper to confirm, saying what the change replaces (kit/replaces.py) and, for a fee, how much
   (£3.50) and how and when it is paid;
3. asks for a one-time code sent to the recipient (subflows/verify.py);
4. applies it once, under the idempotency key chosen here, with its audit entry (bot/services/changes.py);
   a change with a fee is not applied here: the shopper gets a payment link, and the change is applied once
   the payment is confirmed (bot/services/payments.py, bot/jobs/payments.py, docs/payments.md);
5. replies with the carrier's reference and what happens next (the journey's own `after`, e.g. when a pickup
   point has it ready); a slow carrier gets "on it" and the confirmation follows by text.
With `then`, the journey's `then` step runs after an accepted change ("for future parcels too?").
"""

from __future__ import annotations

import dataclasses
import re
from decimal import Decimal

from backend.types import ActionKind, ActionOption, ChangeContext, DeliveryAction, ResultStatus, Shipment
from bot.core.redaction import mask_codes
from bot.core.secrets_box import SECRET_FIELD
from bot.core.wording import Rendered
from bot.services.changes import ChangeRequest
from dialogues.base import ADDRESS_TEXT, REGISTRY, Flow, Turn, register, valued_by
from dialogues.kit.answers import YES_NO, yes_or_no
from dialogues.kit.choices import excluding
from dialogues.kit.driver_text import with_private_codes
from dialogues.kit.formatting import money
from dialogues.kit.replaces import with_replaced
from dialogues.kit.requests import NOT_REQUESTS
from dialogues.subflows.verify import asks_about_the_code, require_code

flow = register(Flow("change", intents=()))
# Changes whose free text a driver reads: an access code the shopper gave with one rides with it, sealed.
CODE_CARRIERS = frozenset({ActionKind.LEAVE_IN_SAFE_PLACE, ActionKind.LEAVE_WITH_NEIGHBOUR,
                           ActionKind.ADD_DELIVERY_NOTE, ActionKind.CHANGE_ADDRESS})


def option_for(turn: Turn, shipment: Shipment, kind: ActionKind) -> ActionOption | None:
    return turn.services.changes.option(turn.backend, shipment, kind)


def unavailable(turn: Turn, option: ActionOption | None) -> None:
    """Say why not (the carrier's code in the merchant's words, or its own words), and close the journey."""
    turn.finish()
    if option is None:
        turn.say("utter_change_not_offered")
        return
    turn.say("utter_change_unavailable", reason=turn.voice.reason(option.reason_code, option.reason))


def sealed_params(turn: Turn, action: DeliveryAction) -> dict:
    """The action's params with no access code in clear: a code typed into a place, a neighbour, a note or an
    address line is cut out and sealed, and the journey's sealed codes ride along as params["access_code_enc"]
    (the last line of defence: the journeys already keep their free text sealed, Turn.remember)."""
    params = dict(action.params)
    if action.kind not in CODE_CARRIERS:
        return params
    for name, mask in (("safe_place", False), ("neighbour", False), ("note", True)):  # a note keeps "[code]"
        if isinstance(params.get(name), str):
            params[name] = turn.seal_codes(params[name], mask=mask)
    if isinstance(params.get("address"), dict):
        params["address"] = {k: turn.seal_codes(v) if isinstance(v, str) and k in ADDRESS_TEXT else v
                             for k, v in params["address"].items()}
    # A code said in another part of the message ("gate code 4455, leave it in the porch"): the part was told, not
    # asked, so the request's text was blanked of it (dialogues/kit/requests.apply) and the code was lost while the
    # shopper thought the driver had it (a third probe). Every code the shopper typed in this message rides along.
    turn.seal_codes(turn.message.text)
    carried = turn.slots.get(SECRET_FIELD)
    if carried and SECRET_FIELD not in params:
        params[SECRET_FIELD] = carried
    return params


def propose(turn: Turn, shipment: Shipment, action: DeliveryAction, summary: Rendered,
            option: ActionOption | None = None, *, then: str | None = None, after: Rendered | None = None) -> None:
    """`then`: a step of the calling journey to run once the change is accepted (e.g. "for future parcels too?");
    `after`: what happens next, said with the "Done" (e.g. when the pickup point has it ready)."""
    proposal = turn.services.changes.propose(turn.backend, shipment, action, option)
    option = proposal.option
    if option is None or not proposal.available:
        unavailable(turn, option)
        return
    params = sealed_params(turn, action)
    # A code is never read back, whatever the journey put in its summary; if one rides along, say so.
    summary = with_private_codes(turn, Rendered(mask_codes(summary)), params.get(SECRET_FIELD))
    journey = {k: v for k, v in turn.slots.items() if k not in _OWN_SLOTS}  # for a correction (_amend)
    turn.call(flow.name, then=then)
    turn.remember(
        journey_slots=journey if then is None else None,
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
        turn.ask("confirm", "utter_confirm_change_with_fee", summary=shown, fee=money(option.fee, option.currency),
                 choices=YES_NO)
    else:
        turn.ask("confirm", "utter_confirm_change", summary=shown, choices=YES_NO)


@flow.step("confirm")
def confirm(turn: Turn) -> None:
    answer = yes_or_no(turn)  # every form of yes and no ("ok thanks", a thumbs-up); a maybe is neither
    if (turn.corrected or answer is None or _another_one(turn)) and _amend(turn, again=_another_one(turn)):
        return
    if answer is False:
        key = str(turn.slots.get("change_key") or "")
        made = turn.services.changes.made(turn.uow, turn.merchant, key)
        if made is None and turn.services.changes.in_flight(turn.uow, turn.merchant, key):
            # the YES is with a remote carrier right now (asked with no lock held): "unchanged" may be untrue, and
            # the question stays open for the YES's own turn, which answers with what the carrier says
            turn.say("utter_change_in_flight")
            return
        turn.finish()
        if made is not None:  # settled meanwhile by a retry (and texted): "unchanged" would not be true
            turn.say("utter_change_already_made", summary=Rendered(turn.slots.get("summary") or ""),
                     reference=made.reference or "")
        else:
            turn.say("utter_change_not_made")
        return
    if answer is None:  # "where is the code? i did not get it": none is sent before the YES (review 12)
        turn.reask("utter_code_after_yes" if asks_about_the_code(turn.message.text) else None)
        return
    turn.remember(fee_accepted=bool(turn.slots.get("fee")))
    apply(turn)


@flow.answers("confirm")
def corrects_the_proposal(turn: Turn) -> bool:
    """ "should be 41" at an address read back reads as a new address change to the NLU: it is this proposal
    corrected (its journey's `corrected_by`), so the router keeps it here for `_amend`."""
    proposed = REGISTRY.get(str((turn.slots.get("pending_action") or {}).get("kind") or ""))
    return _corrects(turn, proposed) or (proposed is not None and proposed.amend is not None
                                         and _bare_value_for(turn, proposed))


def _corrects(turn: Turn, proposed: Flow | None) -> bool:
    return bool(proposed is not None and proposed.corrected_by is not None
                and proposed.corrected_by(turn.message.text, dict(turn.slots.get("journey_slots") or {})))


_ANOTHER = re.compile(r"\b(?:another|other|others|different|else)\b", re.IGNORECASE)


def _another_one(turn: Turn) -> bool:
    """ "not that one, any other", "nah not there, another one": the proposal ruled out, and another of its kind
    wanted (a plain "no" or "not that one" leaves it as it is)."""
    return excluding(turn.message.text, [""], referent=0) == [] and bool(_ANOTHER.search(turn.message.text))


def _amended_by(turn: Turn, *, again: bool = False) -> tuple[Flow, str | None] | None:
    """The journey (and its amend step, or None to start it) this message goes back to instead of the proposal:
    the proposal's own with a new word for it, or, corrected, the journey it names. None: no amendment."""
    pending = turn.slots.get("pending_action") or {}
    if not again and _only_confirms(turn.message.text or "", str(pending)):  # "number 14 is right": said back
        return None
    proposed = REGISTRY.get(str(pending.get("kind") or ""))  # change kinds are named after their journeys
    named = REGISTRY.get(turn.nlu.intent) if turn.nlu.intent not in NOT_REQUESTS else _valued(turn, proposed)
    if proposed is not None and proposed.amend and (named is proposed or again or (turn.corrected and named is None)
                                                     or _corrects(turn, proposed) or _bare_value_for(turn, proposed)):
        return proposed, proposed.amend
    if turn.corrected and named is not None and named.amend:
        return named, None
    return None


# The proposal said back as right ("number 14 is right", "yes thats correct, 14", "14 is fine"), with no word of
# correcting in it: a false-positive review found it read as a new neighbour, "number 14 is right", at the code prompt.
_CONFIRMS = re.compile(r"\b(?:is|are|'s|its|thats|that\s+is|was)\s+(?:right|correct|fine|good|ok|okay|perfect"
                       r"|spot\s+on)\b|^\W*(?:yes|yep|yeah|correct|right)\b", re.IGNORECASE)
_CORRECTING = re.compile(r"\b(?:no|nope|nah|not|wrong|actually|meant|mean|instead|should|sorry|soz|oops|change|make"
                         r"|but|rather)\b|n't\b", re.IGNORECASE)


def _only_confirms(text: str, proposal: str) -> bool:
    """Right, with nothing corrected and no number the proposal doesn't have ("yes number 8" for number 14 amends)."""
    said = set(re.findall(r"\d+", text))
    return (bool(_CONFIRMS.search(text)) and not _CORRECTING.search(text)
            and said <= set(re.findall(r"\d+", proposal)))


# The words around a bare value that corrects a proposal ("sorry, should be number 4 not 14", "no its 16"): nothing
# in them names another journey.
_CUE_WORDS = frozenset((
    "sorry", "soz", "should", "be", "it", "its", "it's", "is", "was", "no", "nope", "nah", "not", "number", "num", "nr",
    "house", "door", "i", "i'm", "im", "meant", "mean", "make", "oops", "oh", "actually", "wait", "the", "a", "that",
    "one", "my", "bad", "typo", "instead", "please", "pls", "wrong", "ok", "okay", "hmm", "um", "er"))
_WORD = re.compile(r"[a-z][a-z'.]*")


def _bare_value_for(turn: Turn, proposed: Flow) -> bool:
    """The message is only a new value of the proposal's own kind, in correcting words: "should be number 4" at
    a neighbour's read-back is that neighbour's house, though the classifier hears an address change (a review
    found the shopper asked for a whole new address)."""
    entities = turn.nlu.entities
    if not entities or not all(e.entity in proposed.values for e in entities):
        return False
    rest, end = [], 0
    for e in sorted(entities, key=lambda e: e.start):
        rest.append(turn.text[end:e.start])
        end = max(end, e.end)
    rest.append(turn.text[end:])
    return all(w.rstrip(".") in _CUE_WORDS for w in _WORD.findall(" ".join(rest).lower()))


@flow.answers("amend")
def amends_at_the_code(turn: Turn) -> bool:
    """At the code prompt (subflows/verify.py, this frame then on top again), a new word for the change ("wrong
    number sorry, 16 not 14"): the code waits, the proposal is amended and read back first. A review found it
    answered "Please reply with the 6-digit code" and the correction lost."""
    return _amended_by(turn) is not None


@flow.step("amend")
def amend(turn: Turn) -> None:
    _amend(turn)


def _amend(turn: Turn, *, again: bool = False) -> bool:
    """A new word at the confirmation replaces the proposal, never stacks on it: "actually make it number 8"
    (or "leave it with number 8", or `again`: "not that one, any other") goes back to the journey's own question
    with this message as the answer,
    and "i meant the porch, not a neighbour" drops this proposal for the journey named. True if it did."""
    amended = _amended_by(turn, again=again)
    if amended is None:
        return False
    target, step = amended
    tracking = turn.slots.get("tracking_number")
    kept: dict = {}
    if step is not None:
        stack = turn.state.stack
        waiting = stack[-2].slots if len(stack) >= 2 and stack[-2].flow == target.name else {}
        kept = dict(turn.slots.get("journey_slots") or waiting)  # what the journey had: the new words add to it
    if step is not None and _bare_value_for(turn, target):  # "should be number 4": the value, not its words
        spans = [(e.start, e.end) for e in turn.nlu.entities]
        turn.text = "".join(ch if any(a <= i < b for a, b in spans) else " " for i, ch in enumerate(turn.text))
        turn.nlu = dataclasses.replace(turn.nlu, text=turn.text)
    turn.finish()  # replaced, not parked: this proposal is never offered back
    turn.done.discard(target.name)
    turn.call(target.name, then=None)
    if kept:
        turn.state.stack[-1].slots.update(kept)
    turn.remember(tracking_number=tracking)
    if step is None:
        target.run_start(turn)
    else:
        target.run_step(turn, step)
    return True


_OWN_SLOTS = frozenset({"journey_slots", "pending_action", "change_key", "summary", "fee", "currency", "fee_accepted",
                        "after"})


def _valued(turn: Turn, proposed: Flow | None) -> Flow | None:
    """The journey whose value this bare answer is ("the garage": a safe place), if it names one; the journey
    proposed first ("5 Tib Lane" is an address line as much as a neighbour's house number)."""
    named = {e.entity for e in turn.nlu.entities}
    if proposed is not None and set(proposed.values) & named:
        return proposed
    found = valued_by(named)
    return found[0] if found else None


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
                            str(slots.get("summary") or ""), carrier=shipment.carrier)
    if slots.get("fee") and action.fee_accepted:
        _ask_to_pay(turn, request)
        return
    result = turn.services.changes.apply(turn.uow, turn.backend, turn.merchant, request, turn.now)
    summary = Rendered(slots.get("summary") or "")
    if result is not None and result.status is ResultStatus.ACCEPTED:
        turn.say("utter_change_done", summary=summary, reference=result.reference or "", next=_next(turn))
        # for "oops i meant 41 not 14" as the next message (kit/afterthought.py)
        stack = turn.state.stack
        journey = slots.get("journey_slots") or (stack[-2].slots if len(stack) >= 2 else {})
        turn.state.made = {"kind": pending["kind"], "tracking": tracking, "params": dict(pending.get("params") or {}),
                           "journey_slots": {k: v for k, v in journey.items() if k not in _OWN_SLOTS}}
        turn.return_()  # back to the journey's `then` step, if it asked for one; else the journey is over
        return
    turn.finish()
    if result is None:
        turn.say("utter_change_in_progress")
    elif result.status is ResultStatus.PENDING:
        turn.say("utter_change_pending", summary=summary)
    else:
        turn.say("utter_change_rejected", reason=turn.voice.reason(result.reason_code, result.reason))


def _ask_to_pay(turn: Turn, request: ChangeRequest) -> None:
    """A paid option is paid before it is applied: the change waits with its payment (bot/services/payments.py)
    and is applied once the provider confirms; the shopper is texted the outcome then."""
    slots = turn.slots
    payments = turn.services.payments
    if not payments.ready(turn.merchant):
        turn.finish()
        turn.audit("payment", "unavailable", subject=request.tracking)
        turn.say("utter_payment_unavailable")
        return
    payment = payments.start(turn.uow, turn.merchant, request, fee=Decimal(str(slots["fee"])),
                             currency=slots.get("currency") or "GBP", now=turn.now, after=str(slots.get("after") or ""))
    turn.finish()
    turn.say("utter_change_pay_link", fee=money(slots["fee"], slots.get("currency")), pay_link=payment.url,
             minutes=str(payments.minutes))


def _next(turn: Turn) -> Rendered:
    """What happens next, after "Done": the journey's own words (a fee is paid by link first: _ask_to_pay)."""
    slots, parts = turn.slots, []
    if slots.get("after"):
        parts.append(Rendered(slots["after"]))
    return Rendered(" ".join(parts))
