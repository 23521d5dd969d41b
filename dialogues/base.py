"""What a flow sees of one shopper message (a Turn) and how a flow is declared.

A flow is one journey, declared top-down as the shopper experiences it:

    flow = Flow("leave_with_neighbour")

    @flow.start
    def start(turn): ...            # the shopper just asked for this

    @flow.step("which_neighbour")
    def which_neighbour(turn): ...  # the shopper answered the question we asked with turn.ask(...)

State lives in conversation.state (the database), never in the process, so any worker can carry on
any conversation.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from backend import models as m
from backend.protocol import Backend
from backend.types import Shipment
from bot.config import Settings
from bot.messages import InboundMessage, Reply
from bot.templates import Rendered, render
from intents.types import ParseResult

log = logging.getLogger(__name__)

Handler = Callable[["Turn"], None]
SEALED_TEXT_SLOTS = frozenset({"safe_place", "neighbour"})


@dataclass
class Turn:
    session: Session
    settings: Settings
    merchant: m.Merchant
    conversation: m.Conversation
    message: InboundMessage
    text: str
    nlu: ParseResult
    backend: Backend
    now: datetime
    enqueue: Callable[..., None]
    replies: list[Reply] = field(default_factory=list)
    flow_name: str | None = None

    # -- speaking -------------------------------------------------------------------------------------
    def render(self, key: str, **values: Any) -> Rendered:
        overrides = (self.merchant.settings or {}).get("responses") or {}
        brand = (self.merchant.settings or {}).get("brand_name") or self.merchant.name
        return render(key, overrides, brand=brand, **values)

    def say(self, key: str, *, media_urls: tuple[str, ...] = (), **values: Any) -> None:
        self.replies.append(Reply(self.render(key, **values), media_urls))

    # -- conversation state ---------------------------------------------------------------------------
    @property
    def state(self) -> dict[str, Any]:
        return self.conversation.state or {}

    def _set_state(self, state: dict[str, Any]) -> None:
        # Reassign (not mutate) so SQLAlchemy sees the JSON column change.
        self.conversation.state = state

    @property
    def slots(self) -> dict[str, Any]:
        return dict(self.state.get("slots") or {})

    def remember(self, **slots: Any) -> None:
        """Keep values for later turns. An access code inside free text (a safe place "behind the gate,
        code 4821") is never kept in clear: it is cut out and sealed for the driver's manifest."""
        for name in SEALED_TEXT_SLOTS & slots.keys():
            if isinstance(slots[name], str):
                slots[name], sealed = self._seal_codes(slots[name])
                if sealed:
                    slots["access_code_enc"] = sealed
        state = dict(self.state)
        state["slots"] = {**(state.get("slots") or {}), **slots}
        self._set_state(state)

    def _seal_codes(self, text: str) -> tuple[str, str | None]:
        from bot.secrets_box import seal
        from dialogues.add_delivery_note import find_access_codes

        codes = find_access_codes(text)
        if not codes:
            return text, None
        secret = "; ".join(f"{c.kind} code {c.code}" for c in codes)
        for c in reversed(codes):
            text = text[: c.start] + "(sealed)" + text[c.end :]
        return text, seal(self.settings.secret_key, secret)

    def ask(self, step: str, key: str | None = None, *, free_text: bool = False, quiet: bool = False,
            **values: Any) -> None:
        """Ask the shopper something; their next message goes to this flow's `step` handler. `quiet`: the
        message already answered it, so it is not said now, only kept for a retry or a re-ask."""
        state = dict(self.state)
        if state.get("step") != step:
            state["reasks"] = 0
        state.update(flow=self.flow_name, step=step, free_text=free_text)
        if key:
            state["question"] = {
                "key": key,
                "values": {k: str(v) for k, v in values.items()},
                "rendered": sorted(k for k, v in values.items() if isinstance(v, Rendered)),
            }
            if not quiet:
                self.say(key, **values)
        self._set_state(state)

    def reask(self, key: str | None = None, **values: Any) -> None:
        """The answer didn't fit: ask again once, then offer a person instead of looping."""
        state = dict(self.state)
        state["reasks"] = int(state.get("reasks") or 0) + 1
        self._set_state(state)
        if state["reasks"] >= 2:
            self.say("utter_offer_human")
            return
        question = state.get("question") or {}
        self.say(key or "utter_didnt_get_that", **values)
        if question.get("key"):
            self.say(question["key"], **question_values(question))

    def finish(self) -> None:
        """This journey is over; anything the shopper parked to come back to stays parked."""
        state = dict(self.state)
        for k in ("flow", "step", "slots", "free_text", "reasks", "question"):
            state.pop(k, None)
        self._set_state(state)

    # -- who is asking --------------------------------------------------------------------------------
    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.merchant.timezone or self.settings.default_timezone)

    def local(self, when: datetime) -> datetime:
        return when.astimezone(self.tz)

    def sender_shipments(self) -> list[Shipment]:
        """The only shipments we may show unasked: the sender's number is the recipient's, or this conversation
        proved them (number and postcode, or a code) within the verified window. Without the second, a web
        chat (no phone number) would forget its parcel between one message and the next."""
        own = self.backend.find_shipments(phone=self.message.sender) if self.message.sender_is_phone else []
        known = {s.tracking_number for s in own}
        for tracking in self.verified_tracking_numbers():
            shipment = None if tracking in known else self.backend.get_shipment(tracking)
            if shipment is not None:
                own.append(shipment)
                known.add(tracking)
        return own

    def _live_proofs(self) -> list[dict]:
        """The conversation's per-parcel proofs that have not run out, oldest first."""
        return [
            e for e in self.conversation.verified_shipment_ids or []
            if isinstance(e, dict) and datetime.fromisoformat(e["until"]) > self.now
        ]

    def verified_tracking_numbers(self) -> list[str]:
        """Parcels this conversation proved it may see, newest proof last, while the proof lasts."""
        return [e["t"] for e in self._live_proofs() if e.get("t")]

    def verification_for(self, tracking_number: str) -> str | None:
        """How this conversation proved it may act on this parcel, if it did within the window."""
        return next((e.get("by") for e in self._live_proofs() if e.get("t") == tracking_number), None)

    def is_verified_for(self, tracking_number: str, *, by: tuple[str, ...] | None = None) -> bool:
        how = self.verification_for(tracking_number)
        return how is not None and (by is None or how in by)

    def mark_verified(self, tracking_number: str, how: str) -> None:
        """Remember the proof for 15 minutes (settings.verified_minutes), per parcel and per method."""
        c = self.conversation
        until = self.now + timedelta(minutes=self.settings.verified_minutes)
        keep = [e for e in self._live_proofs() if e.get("t") != tracking_number]
        c.verified_shipment_ids = [*keep, {"t": tracking_number, "by": how, "until": until.isoformat()}]
        c.verified_until = until
        c.verified_by = how
        self.audit("verification", "verified", subject=tracking_number, verification=how)

    def audit(
        self, action: str, result: str, *, subject: str | None = None, verification: str | None = None, **detail: Any
    ) -> None:
        self.session.add(
            m.AuditEntry(
                at=self.now,
                merchant_id=self.merchant.id,
                actor=self.message.sender,
                action=action,
                subject=subject,
                channel=self.message.channel,
                verification=verification,
                result=result,
                reference=detail.pop("reference", None),
                detail=detail,
            )
        )


def question_values(question: dict[str, Any]) -> dict[str, Any]:
    """A stored question's values, with the ones that were rendered text (lists, say) kept as such."""
    rendered = set(question.get("rendered") or ())
    return {k: Rendered(v) if k in rendered else v for k, v in (question.get("values") or {}).items()}


class Flow:
    """A journey: a start handler plus handlers for the questions it asks."""

    def __init__(self, name: str, *, intents: tuple[str, ...] | None = None) -> None:
        self.name = name
        self.intents = intents or (name,)
        self._start: Handler | None = None
        self._steps: dict[str, Handler] = {}

    def start(self, fn: Handler) -> Handler:
        self._start = fn
        return fn

    def step(self, name: str) -> Callable[[Handler], Handler]:
        def register(fn: Handler) -> Handler:
            self._steps[name] = fn
            return fn

        return register

    def has_step(self, name: str) -> bool:
        return name in self._steps

    def run_start(self, turn: Turn) -> None:
        if self._start is None:
            raise RuntimeError(f"flow {self.name} has no start")
        turn.flow_name = self.name
        self._start(turn)

    def run_step(self, turn: Turn, step: str) -> None:
        turn.flow_name = self.name
        self._steps[step](turn)


REGISTRY: dict[str, Flow] = {}


def register(flow: Flow) -> Flow:
    for intent in flow.intents:
        if intent in REGISTRY and REGISTRY[intent] is not flow:
            raise ValueError(f"intent {intent} already handled by {REGISTRY[intent].name}")
    for intent in flow.intents:
        REGISTRY[intent] = flow
    REGISTRY.setdefault(flow.name, flow)
    return flow
