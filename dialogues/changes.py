"""Changing a delivery, the same safe way for every journey: check, confirm, verify, apply, confirm back.

A journey (neighbour, safe place, reschedule...) works out *what* the shopper wants and calls
`propose(turn, shipment, action, summary)`. From there this module:
1. checks the carrier offers it now (otherwise says why, and what they can do instead);
2. asks the shopper to confirm (and to accept a fee, if there is one);
3. asks for a one-time code sent to the recipient (dialogues/verification.py);
4. applies it once, under an idempotency key, with its audit entry, in the turn's transaction;
5. replies with the carrier's reference; a slow carrier gets "on it" and the confirmation follows by text.
"""

from __future__ import annotations

import copy
import logging
import uuid
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

from backend.protocol import BackendError
from backend.types import ActionKind, ActionOption, ActionResult, ChangeContext, DeliveryAction, ResultStatus, Shipment
from bot.templates import Rendered
from dialogues.base import REGISTRY, Flow, Turn, register
from dialogues.verification import require_code

log = logging.getLogger(__name__)
flow = register(Flow("change", intents=()))
CODE_CARRIERS = frozenset({ActionKind.LEAVE_IN_SAFE_PLACE, ActionKind.LEAVE_WITH_NEIGHBOUR})
_slow_calls = ThreadPoolExecutor(max_workers=8, thread_name_prefix="parcelbot-backend")


def option_for(turn: Turn, shipment: Shipment, kind: ActionKind) -> ActionOption | None:
    if kind not in turn.backend.supported_actions:
        return None
    return next((o for o in turn.backend.available_actions(shipment.tracking_number) if o.kind == kind), None)


def unavailable(turn: Turn, option: ActionOption | None) -> None:
    """Say why not, in the carrier's words, and close the journey."""
    turn.finish()
    if option is None:
        turn.say("utter_change_not_offered")
        return
    turn.say("utter_change_unavailable", reason=option.reason or "")


def propose(turn: Turn, shipment: Shipment, action: DeliveryAction, summary: Rendered,
            option: ActionOption | None = None, *, then: str | None = None) -> None:
    """`then`: a step of the calling journey to run once the change is accepted (e.g. "for future parcels too?")."""
    option = option or option_for(turn, shipment, action.kind)
    if option is None or not option.available:
        unavailable(turn, option)
        return
    params = dict(action.params)
    for name in ("safe_place", "neighbour"):
        if isinstance(params.get(name), str):  # a code typed into the place travels sealed, never in clear
            params[name], sealed = turn._seal_codes(params[name])
            if sealed:
                params["access_code_enc"] = sealed
    if turn.slots.get("access_code_enc") and action.kind in CODE_CARRIERS and "access_code_enc" not in params:
        params["access_code_enc"] = turn.slots["access_code_enc"]
    turn.remember(
        tracking_number=shipment.tracking_number,
        pending_action={"kind": action.kind.value, "params": params},
        change_key=f"chg-{uuid.uuid4().hex}",
        summary=str(summary),
        fee=str(option.fee) if option.fee else None,
        currency=option.currency,
        after_change={"flow": turn.flow_name, "step": then} if then else None,
    )
    turn.flow_name = flow.name
    if option.fee:
        turn.ask("confirm", "utter_confirm_change_with_fee", summary=summary, fee=option.fee, currency=option.currency)
    else:
        turn.ask("confirm", "utter_confirm_change", summary=summary)


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
    turn.flow_name = flow.name
    if not require_code(turn, shipment, action=pending["kind"], then="apply"):
        return
    action = DeliveryAction(ActionKind(pending["kind"]), dict(pending.get("params") or {}),
                            fee_accepted=bool(slots.get("fee_accepted")))
    context = ChangeContext(actor=turn.message.sender, channel=turn.message.channel,
                            verified_by=turn.verification_for(tracking) or "sender_number")
    result = _apply_with_deadline(turn, tracking, action, slots["change_key"], context)
    summary = Rendered(slots.get("summary") or "")
    turn.finish()
    if result is None:
        turn.say("utter_change_in_progress")
    elif result.status is ResultStatus.ACCEPTED:
        turn.say("utter_change_done", summary=summary, reference=result.reference or "")
        _continue_caller(turn, slots)
    elif result.status is ResultStatus.PENDING:
        turn.say("utter_change_pending", summary=summary)
    else:
        turn.say("utter_change_rejected", reason=result.reason or "")


def _continue_caller(turn: Turn, slots: dict[str, Any]) -> None:
    """Hand back to the journey that proposed the change, with its own slots, if it asked for that."""
    after = slots.get("after_change") or {}
    caller = REGISTRY.get(after.get("flow") or "")
    if caller is None or not caller.has_step(after.get("step") or ""):
        return
    mine = {"pending_action", "change_key", "summary", "fee", "currency", "fee_accepted", "after_change", "verify"}
    turn._set_state({**turn.state, "flow": caller.name, "step": None})
    turn.remember(**{k: v for k, v in slots.items() if k not in mine})
    caller.run_step(turn, after["step"])


def _apply_with_deadline(turn: Turn, tracking: str, action: DeliveryAction, key: str,
                         context: ChangeContext) -> ActionResult | None:
    """Apply now; a remote carrier slower than settings.slow_backend_seconds finishes in the background.

    The reference backend shares the turn's transaction (so change + audit commit together) and is never
    slow. A remote backend's HTTP call runs on a worker thread that touches no database; if it answers in
    time, its answer is recorded in this turn's transaction. If not, the shopper hears "on it" and the job
    `finish_slow_change` repeats the call with the same idempotency key (the carrier answers it once),
    records it and texts the confirmation. A retried webhook can never apply it twice.
    """
    from backend.changes import apply_change

    backend = turn.backend
    if getattr(backend, "is_remote", False) or hasattr(backend, "pending_sink"):
        remote = copy.copy(backend)
        remote.pending_sink = None  # apply_change keeps failed writes itself, in the turn's own session
        future = _slow_calls.submit(remote.apply_action, tracking, action, idempotency_key=key, context=context)
        try:
            outcome: ActionResult | BackendError = future.result(timeout=turn.settings.slow_backend_seconds)
        except FutureTimeout:
            turn.enqueue("finish_slow_change", merchant_id=turn.merchant.id, tracking=tracking,
                         action=action.kind.value, params=action.params, fee_accepted=action.fee_accepted,
                         key=key, actor=context.actor, channel=context.channel, verified_by=context.verified_by,
                         conversation_id=turn.conversation.id, summary=str(turn.slots.get("summary") or ""))
            return None
        except BackendError as exc:
            outcome = exc
        backend = _Answered(backend, outcome)
    try:
        return apply_change(turn.session, backend, turn.merchant, tracking, action,
                            idempotency_key=key, context=context, now=turn.now)
    except BackendError as exc:
        log.warning("backend error applying a change: %s", exc)
        return ActionResult(ResultStatus.PENDING, reason=str(exc))


class _Answered:
    """A backend whose apply_action has already been answered (on the worker thread)."""

    def __init__(self, backend: Any, outcome: ActionResult | BackendError) -> None:
        self.name = backend.name
        self._outcome = outcome

    def apply_action(self, *_args: Any, **_kwargs: Any) -> ActionResult:
        if isinstance(self._outcome, BaseException):
            raise self._outcome
        return self._outcome
