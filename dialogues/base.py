"""What a flow sees of one shopper message (a Turn) and how a flow is declared.

A flow is one journey, declared top-down as the shopper experiences it:

    flow = register(Flow("leave_with_neighbour"))

    @flow.start
    def start(turn): ...            # the shopper just asked for this

    @flow.step("which_neighbour")
    def which_neighbour(turn): ...  # the shopper answered the question we asked with turn.ask(...)

A flow can call another and get control back (python-telegram-bot's nested ConversationHandler, in one
mechanism): `turn.call("identify", then="with_shipment")` pushes the sub-flow's frame; when the sub-flow
is done it calls `turn.return_(tracking_number=...)`, and the caller's `with_shipment` step runs with that
value in its slots. `call(..., then=None)` hands over for good. The stack lives in the conversation's
typed state (bot/core/conversations.py) in the database, never in the process, so any worker can carry
on any conversation.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from backend import models as m
from backend.protocol import Backend, pin_parcel, scope_to_viewer
from backend.types import Shipment
from bot.config import Settings
from bot.core import audit, proofs
from bot.core.channels import ChannelSpec
from bot.core.conversations import ConversationState, Frame, Question
from bot.core.links import LinkSigner
from bot.core.merchant_config import MerchantConfig
from bot.core.messages import Choice, InboundMessage, Reply
from bot.core.secrets_box import seal_text
from bot.core.uow import UnitOfWork
from bot.core.wording import Rendered, Voice
from bot.services import Services
from intents.types import ParsedClause, ParseResult

log = logging.getLogger(__name__)

Handler = Callable[["Turn"], None]
SEALED_TEXT_SLOTS = frozenset({"safe_place", "neighbour", "address"})
ADDRESS_TEXT = frozenset({"line1", "line2", "city"})  # an address's free text (a postcode is never a code)


@dataclass
class Turn:
    uow: UnitOfWork
    settings: Settings
    merchant: m.Merchant
    config: MerchantConfig
    conversation: m.Conversation
    state: ConversationState
    message: InboundMessage
    text: str
    nlu: ParseResult
    backend: Backend
    now: datetime
    voice: Voice
    links: LinkSigner
    services: Services
    last_seen: datetime | None = None  # when this shopper's previous message came (an open question expires)
    # The message's parts, each parsed on its own, when it has several (dialogues/kit/requests.py reads them).
    clauses: tuple[ParsedClause, ...] = ()
    # This message's change reached the carrier in an earlier run of the turn (bot/core/carrier.py): the turn
    # finishes it and tells the shopper even if a person took the conversation during the call.
    wrote_at_carrier: bool = False
    replies: list[Reply] = field(default_factory=list)
    flow_name: str | None = None
    asked: bool = False  # this turn asked the shopper something: no second prompt on top of it
    corrected: bool = False  # the message corrects itself; turn.text is only its last word (kit/requests.py)
    done: set[str] = field(default_factory=set)  # journeys (and change kinds) that ended in this turn
    # The tone's apology before the reply (kit/tone.py): left out if the reply says sorry itself (one a reply),
    # and what stands in its place then (the offer of a person it carried), if anything.
    apology: Reply | None = None
    apology_instead: Reply | None = None

    def __post_init__(self) -> None:
        """Reads by number in this turn mean this shopper's parcel: the one they proved, else one addressed to
        their phone, never another person's that shares the number (two carriers; review 3)."""
        scope_to_viewer(self.backend, self.message.sender if self.message.sender_is_phone else None)
        for tracking, carrier in proofs.verified_parcels(self.conversation, self.now):
            if carrier is not None:
                pin_parcel(self.backend, tracking, carrier)

    @property
    def session(self) -> Session:
        return self.uow.session

    @property
    def channel(self) -> ChannelSpec:
        return self.message.spec

    def enqueue(self, name: str, **kwargs: Any) -> None:
        """A job to start once this turn is committed (never before, never for a rolled-back turn)."""
        self.uow.enqueue(name, **kwargs)

    # -- speaking -------------------------------------------------------------------------------------
    def render(self, key: str, **values: Any) -> Rendered:
        return self.voice(key, **values)

    def say(self, key: str, *, media_urls: tuple[str, ...] = (), choices: tuple[Choice, ...] = (),
            **values: Any) -> None:
        self.replies.append(Reply(self.render(key, **values), media_urls, choices))

    # -- conversation state ---------------------------------------------------------------------------
    def _top(self) -> Frame:
        """The frame the running flow writes to: the top of the stack, created on first use. The running flow
        owns it (a journey started over a stale frame, or a flow handed over to, takes the frame as it is)."""
        stack = self.state.stack
        if not stack:
            stack.append(Frame(self.flow_name))
        top = stack[-1]
        if self.flow_name:
            top.flow = self.flow_name
        return top

    @property
    def slots(self) -> dict[str, Any]:
        top = self.state.top
        return dict(top.slots) if top else {}

    def remember(self, **slots: Any) -> None:
        """Keep values for later turns. Free text for the driver (a safe place, a neighbour, an address) is
        never kept with an access code in it: every code in it, and in this message ("put it behind the side
        gate, code 3579"), is sealed into this journey's slots for the driver only (seal_codes)."""
        for name in SEALED_TEXT_SLOTS & slots.keys():
            self.seal_codes(self.text)
            value = slots[name]
            if isinstance(value, str):
                slots[name] = self.seal_codes(value)
            elif isinstance(value, dict):
                slots[name] = {k: self.seal_codes(v) if isinstance(v, str) and k in ADDRESS_TEXT else v
                               for k, v in value.items()}
        self._top().slots.update(slots)

    def seal_codes(self, text: str, *, mask: bool = False, fresh: bool = False) -> str:
        """`text` without its access codes, which are sealed into this journey's slots ("access_code_enc",
        with the kinds in "code_kinds") to ride with the change to the driver (bot/core/secrets_box.py).
        `mask`: a note keeps "[code]" in their place; `fresh`: codes held before are forgotten."""
        kept = seal_text(self.settings.secret_key, text, self.slots, mask=mask, fresh=fresh)
        if kept.slots:
            self._top().slots.update(kept.slots)
        return kept.text

    def ask(self, step: str, key: str | None = None, *, free_text: bool = False, quiet: bool = False,
            choices: tuple[Choice, ...] = (), **values: Any) -> None:
        """Ask the shopper something; their next message goes to this flow's `step` handler. `quiet`: the
        message already answered it, so it is not said now, only kept for a retry or a re-ask."""
        top = self._top()
        if top.step != step:
            top.reasks = 0
        top.flow, top.step, top.free_text = self.flow_name, step, free_text
        if key:
            top.question = Question(
                key,
                {k: str(v) for k, v in values.items()},
                sorted(k for k, v in values.items() if isinstance(v, Rendered)),
                choices=[(c.payload, c.title) for c in choices],
            )
            if not quiet:
                self.say(key, choices=choices, **values)
                self.asked = True

    def reask(self, key: str | None = None, *, whole: bool = False, **values: Any) -> None:
        """The answer didn't fit: ask again once, then offer a person, then let the question go (a loop always
        has a way out: the shopper is never stuck answering the same question).

        `key` says why it didn't fit ("That doesn't look like a postcode"), and the question follows it; with
        `whole`, `key` is the question itself said again ("Please reply with the 6-digit code ... (or RESEND
        for a new one)", "Please reply with a photo ..., or SKIP"), so the question is not said a second time
        in the same reply (only its choices go with it)."""
        top = self._top()
        top.reasks += 1
        if top.reasks >= 3:
            self.finish()
            self.say("utter_loop_dropped")
            return
        if top.reasks == 2:
            self.say("utter_offer_human")
            return
        if whole and key:
            question = top.question
            self.say(key, choices=question_choices(question) if question is not None else (), **values)
            return
        self.say(key or "utter_didnt_get_that", **values)
        if top.question is not None:
            self.say(top.question.key, choices=question_choices(top.question), **question_values(top.question))

    def finish(self) -> None:
        """This journey (and every flow it called) is over; anything the shopper parked stays parked."""
        for frame in self.state.stack:
            self._ended(frame)
        self.state.stack.clear()

    def _ended(self, frame: Frame) -> None:
        self.done |= {frame.flow or "", str((frame.slots.get("pending_action") or {}).get("kind") or "")}
        self.done.discard("")

    def call(self, flow: str, *, then: str | None) -> None:
        """Hand the conversation to `flow`. With `then`, this flow's `then` step runs when it returns
        (turn.return_); without, the called flow takes this one's place for good."""
        if then is None:
            if self.state.stack:
                self.state.stack.pop()
        else:
            self._top().then = then
        self.state.stack.append(Frame(flow))
        self.flow_name = flow

    def return_(self, **values: Any) -> None:
        """This sub-flow is done: back to the flow that called it (its `then` step), with `values` in its
        slots. With no caller waiting, the journey is over."""
        stack = self.state.stack
        ended = stack.pop() if stack else None
        caller = stack[-1] if stack else None
        flow = REGISTRY.get(caller.flow or "") if caller else None
        if caller is None or flow is None or not caller.then or not flow.has_step(caller.then):
            if ended is not None:  # the journey is over with it: a change just made is done (router._offer_parked)
                self._ended(ended)
            self.finish()
            return
        then, caller.then, caller.step = caller.then, None, None
        caller.slots.update(values)
        flow.run_step(self, then)

    def park(self) -> None:
        """Put the open journey aside (a new request came in) so it can be offered back later."""
        for frame in self.state.stack:
            frame.reasks = 0
        self.state.parked = list(self.state.stack)
        self.state.stack = []

    def drop_parked(self) -> None:
        self.state.parked = []

    # -- who is asking --------------------------------------------------------------------------------
    @property
    def tz(self) -> ZoneInfo:
        return self.config.zone(self.settings.default_timezone)

    def local(self, when: datetime) -> datetime:
        return when.astimezone(self.tz)

    def sender_shipments(self) -> list[Shipment]:
        """The only shipments we may show unasked: the sender's number is the recipient's, or this conversation
        proved them (number and postcode, or a code) within the verified window. Without the second, a web
        chat (no phone number) would forget its parcel between one message and the next."""
        own = self.backend.find_shipments(phone=self.message.sender) if self.message.sender_is_phone else []
        known = {s.tracking_number for s in own}
        for tracking, carrier in proofs.verified_parcels(self.conversation, self.now):
            shipment = None if tracking in known else self.backend.get_shipment(tracking)
            if shipment is not None and carrier in (None, shipment.carrier):  # the parcel proved, no other
                own.append(shipment)
                known.add(tracking)
        return own

    def verified_tracking_numbers(self) -> list[str]:
        return proofs.verified_tracking_numbers(self.conversation, self.now)

    def verification_for(self, tracking_number: str, carrier: str | None = None) -> str | None:
        return proofs.verification_for(self.conversation, tracking_number, self.now, carrier)

    def is_verified_for(self, shipment: Shipment, *, by: tuple[str, ...] | None = None) -> bool:
        """This very parcel (number and carrier) was proved within the window (by one of `by`, if given)."""
        how = self.verification_for(shipment.tracking_number, shipment.carrier)
        return how is not None and (by is None or how in by)

    def mark_verified(self, shipment: Shipment, how: str) -> None:
        """Remember the proof for 15 minutes (settings.verified_minutes), per parcel and per method. The parcel is
        named with its carrier, and from now on this turn's reads of its number mean it."""
        proofs.mark_verified(self.conversation, shipment.tracking_number, how, self.now,
                             self.settings.verified_minutes, carrier=shipment.carrier)
        pin_parcel(self.backend, shipment.tracking_number, shipment.carrier)
        self.audit("verification", "verified", subject=shipment.tracking_number, verification=how)

    def audit(self, action: str, result: str, *, subject: str | None = None, verification: str | None = None,
              **detail: Any) -> None:
        audit.record(self.session, at=self.now, merchant_id=self.merchant.id, actor=self.message.sender,
                     action=action, result=result, subject=subject, channel=self.message.channel,
                     verification=verification, reference=detail.pop("reference", None), **detail)


def question_choices(question: Question) -> tuple[Choice, ...]:
    """A stored question's choices, to ask it again with its buttons."""
    return tuple(Choice(payload, title) for payload, title in question.choices)


def question_values(question: Question) -> dict[str, Any]:
    """A stored question's values, with the ones that were rendered text (lists, say) kept as such."""
    rendered = set(question.rendered)
    return {k: Rendered(v) if k in rendered else v for k, v in question.values.items()}


class Flow:
    """A journey: a start handler plus handlers for the questions it asks."""

    def __init__(self, name: str, *, intents: tuple[str, ...] | None = None, amend: str | None = None,
                 values: tuple[str, ...] = (), values_when_proposed: bool = False, reported: bool = False,
                 corrected_by: Callable[[str, dict], bool] | None = None) -> None:
        self.name = name
        self.intents = intents or (name,)
        # The step that takes this journey's value as an answer ("which neighbour?"): a correction at the
        # confirmation ("actually make it number 8") goes back there with the new words (subflows/change.py).
        self.amend = amend
        # The entities that are this journey's value ("number 8" is a neighbour, "the garage" a safe place):
        # a bare value after "i meant" goes to the journey it belongs to.
        self.values = values
        # Its value names it only as a correction of its own proposal: a bare day corrects a proposed hold, but
        # anywhere else a day is a delivery day (reschedule).
        self.values_when_proposed = values_when_proposed
        # Asked for by telling: "it says delivered but i cant find it" is a report that wants handling though it
        # asks nothing in words, so beside another request it is a request of its own (kit/requests.read).
        self.reported = reported
        # Whether a message (as sent) corrects part of this journey's proposal in words no entity names ("41 not 14"
        # at an address read back), given the journey's slots: it then goes back to `amend` like any correction.
        self.corrected_by = corrected_by
        self._start: Handler | None = None
        self._steps: dict[str, Handler] = {}
        self._answers: dict[str, Callable[[Turn], bool]] = {}

    def start(self, fn: Handler) -> Handler:
        self._start = fn
        return fn

    def step(self, name: str) -> Callable[[Handler], Handler]:
        def register(fn: Handler) -> Handler:
            self._steps[name] = fn
            return fn

        return register

    def answers(self, step: str) -> Callable[[Callable[[Turn], bool]], Callable[[Turn], bool]]:
        """Register how to tell that a message answers `step`'s question in words the NLU reads as another
        request ("a replacement, not a refund" at a claim's menu is no refund question): the router keeps it."""
        def register(fn: Callable[[Turn], bool]) -> Callable[[Turn], bool]:
            self._answers[step] = fn
            return fn

        return register

    def recognises(self, turn: Turn, step: str) -> bool:
        check = self._answers.get(step)
        return bool(check and check(turn))

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


def valued_by(entities: set[str]) -> list[Flow]:
    """The journeys whose value these entities are ("the garage": a safe place), once each, in registration
    order, those whose value names them only as a correction of their own proposal last (a bare day: a
    delivery day before a hold)."""
    found = [f for f in dict.fromkeys(REGISTRY.values()) if set(f.values) & entities]
    return sorted(found, key=lambda f: f.values_when_proposed)
