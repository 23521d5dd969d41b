"""A change made by a person on the shopper's behalf: the same action names and parameters the chat uses
(backend.types.ActionKind and its DeliveryAction params), through the same ChangeService, carrier rules,
idempotency and audit. No one-time code: the person is signed in, and the audit says who ("agent:...",
verified_by "agent"). Free text for the driver is cleaned and its access codes sealed exactly as the chat
seals a shopper's (bot/core/secrets_box.py): the driver gets the code, the label and the logs don't.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from backend import models as m
from backend.protocol import Backend, pin_parcel, scope_to_viewer
from backend.types import ActionKind, ActionResult, ChangeContext, DeliveryAction
from bot.core.messages import clean_text
from bot.core.proofs import proved_parcels
from bot.core.secrets_box import SECRET_FIELD, seal_text
from bot.core.uow import UnitOfWork
from bot.services.action_params import check_params
from bot.services.changes import ChangeRequest, ChangeService
from bot.services.console import Actor, ConsoleError

# The free-text parameters a driver reads, per action (a note keeps "[code]" where a code was).
DRIVER_TEXT = {"neighbour": False, "safe_place": False, "note": True}
KEY_MAX = 64


@dataclass(frozen=True)
class AgentAction:
    tracking: str
    kind: ActionKind
    params: dict[str, Any]
    key: str  # chosen once per request: a retried call (or a carrier replay) never applies it twice
    fee_accepted: bool = False  # a paid option (an evening slot): the person agreed it with the shopper

    @classmethod
    def parse(cls, body: Any, secret_key: str) -> AgentAction:
        if not isinstance(body, dict):
            raise ConsoleError('send {"tracking_number", "action", "params"}', status=422)
        try:
            kind = ActionKind(str(body.get("action")))
        except ValueError:
            kind = None
        if kind is None or kind is ActionKind.CANCEL_ORDER:  # an order is cancelled in the merchant's own system
            names = ", ".join(k.value for k in ActionKind if k is not ActionKind.CANCEL_ORDER)
            raise ConsoleError(f"action must be one of {names}", status=422,
                               errors={"action": f"must be one of {names}"})
        tracking = body.get("tracking_number")
        if not isinstance(tracking, str) or not tracking.strip():
            raise ConsoleError("tracking_number (text) is needed", status=422, errors={"tracking_number": "is needed"})
        params = check_params(kind, body.get("params"))  # each kind's keys and their types, or a 422 naming one
        for name, mask in DRIVER_TEXT.items():
            if name in params:
                kept = seal_text(secret_key, params[name], params, mask=mask)
                params[name] = kept.text
                if SECRET_FIELD in kept.slots:
                    params[SECRET_FIELD] = kept.slots[SECRET_FIELD]
        key = body.get("idempotency_key") or f"agent-{uuid.uuid4().hex}"
        if not isinstance(key, str) or len(key) > KEY_MAX or clean_text(key) != key:
            raise ConsoleError("idempotency_key must be text of 1 to 64 printable characters", status=422,
                               errors={"idempotency_key": f"must be text of 1 to {KEY_MAX} printable characters"})
        return cls(tracking.strip().upper(), kind, params, key, body.get("fee_accepted") is True)


def apply_for_shopper(uow: UnitOfWork, conv: m.Conversation, who: Actor, action: AgentAction, *,
                      backend: Backend, now: datetime) -> ActionResult | None:
    """Apply the change to one of this conversation's parcels (a person who has the conversation only)."""
    if conv.status != "with_agent" or conv.assignee_id != who.agent_id:
        raise ConsoleError("take the conversation over first")
    merchant = uow.session.get(m.Merchant, conv.merchant_id)
    if not _belongs(uow, conv, action.tracking, backend):
        raise ConsoleError("that parcel isn't this shopper's", status=404)
    change = DeliveryAction(action.kind, action.params, action.fee_accepted)
    request = ChangeRequest(action.tracking, change, action.key,
                            ChangeContext(actor=who.actor, channel="console", verified_by="agent"), conv.id)
    return ChangeService().apply(uow, backend, merchant, request, now)


def _belongs(uow: UnitOfWork, conv: m.Conversation, tracking: str, backend: Backend) -> bool:
    """The parcel is this shopper's: the conversation proved it (by its number and postcode, or a code: a web chat
    has no phone to match), or it is addressed to the phone the shopper writes from. The parcel is read where it
    lives: our own table, else the merchant's carrier (a remote one through the snapshot, asked with no transaction
    open). One merchant may hold two carriers' parcels under one number, each someone else's (review 3): the
    backend is pinned to the one that belongs, so the change lands on it and never on the other."""
    scope_to_viewer(backend, conv.address)
    proved = proved_parcels(conv)
    if tracking in proved:
        if proved[tracking] is not None:
            pin_parcel(backend, tracking, str(proved[tracking]))
        return True  # a proof older than carriers in proofs: the scope above lets it reach only an unshared number
    owners = list(uow.session.execute(select(m.Shipment.recipient_phone, m.Shipment.carrier).where(
        m.Shipment.merchant_id == conv.merchant_id, m.Shipment.tracking_number == tracking)))
    if owners:
        mine = next((carrier for phone, carrier in owners if phone == conv.address), None)
        if mine is not None:
            pin_parcel(backend, tracking, mine)
        return mine is not None
    found = backend.get_shipment(tracking)
    return found is not None and found.recipient_phone == conv.address


