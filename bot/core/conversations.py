"""Conversations: who owns one, its typed state, and the lock that makes one turn at a time.

A conversation is one shopper on one channel with one merchant. It is owned by the bot, waiting for a
person, with a person (an agent, `assignee_id`) or resolved (`status`); bot/services/handoff.py moves it
between those. Its dialogue state is a ConversationState: a stack of frames (a journey, and the sub-flows
it called: identify the parcel, verify with a code, make the change) so a called flow hands control back
to its caller by one mechanism (`Turn.call` / `Turn.return_`), plus what the shopper parked, a one-tap
offer from a notification, and when a waiting shopper was last told we have their message.

Every turn opens its conversation here (the engine: find_with_merchant, then create for a first message;
notifications: open): get or create, safe when two first messages race on the unique constraint, and a row
lock held until the turn commits (SELECT ... FOR UPDATE on PostgreSQL; SQLite's BEGIN IMMEDIATE already makes
writers take turns), so two overlapping messages from one shopper are answered one after the other, each
seeing what the other did.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy import and_, bindparam, select, true
from sqlalchemy.orm import Session, aliased
from sqlalchemy.orm.attributes import set_committed_value

from backend import models as m
from backend.db import add_row, attached, insert_or_nothing_on, shared
from bot.core.turn_writes import write_turn_and_replies

T = TypeVar("T")

STATE_VERSION = 2


class Status(StrEnum):
    BOT = "bot"  # the bot answers
    WAITING = "waiting"  # handed off: waiting for a person; the bot only acknowledges
    WITH_AGENT = "with_agent"  # a person has it: the bot says nothing
    RESOLVED = "resolved"  # closed by a person; the next message goes to the bot again


# -- the typed state ---------------------------------------------------------------------------------------
@dataclass
class Question:
    """What the bot last asked in a frame, kept so a re-ask or a resume can say it again."""

    key: str
    values: dict[str, str] = field(default_factory=dict)
    rendered: list[str] = field(default_factory=list)  # which values were already-rendered text
    options: list[str] | None = None  # listed answers: naming one is an answer, not a new request
    choices: list[tuple[str, str]] = field(default_factory=list)  # (payload, title): asked again with buttons

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"key": self.key, "values": dict(self.values), "rendered": list(self.rendered)}
        if self.options is not None:
            data["options"] = list(self.options)
        if self.choices:
            data["choices"] = [list(c) for c in self.choices]
        return data

    @classmethod
    def from_json(cls, data: Any) -> Question | None:
        if not isinstance(data, dict) or not data.get("key"):
            return None
        options = data.get("options")
        choices = [(str(c[0]), str(c[1])) for c in data.get("choices") or () if isinstance(c, list) and len(c) == 2]
        return cls(str(data["key"]), {str(k): str(v) for k, v in (data.get("values") or {}).items()},
                   [str(r) for r in data.get("rendered") or ()],
                   [str(o) for o in options] if isinstance(options, list) else None, choices)


@dataclass
class Frame:
    """One flow in progress: its own slots, the step waiting for the shopper's answer, and (when it called
    a sub-flow) the step to carry on with once that sub-flow returns."""

    flow: str | None
    step: str | None = None
    slots: dict[str, Any] = field(default_factory=dict)
    question: Question | None = None
    free_text: bool = False
    reasks: int = 0
    then: str | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"flow": self.flow, "step": self.step, "slots": copy.deepcopy(self.slots)}
        if self.question is not None:
            data["question"] = self.question.to_json()
        if self.free_text:
            data["free_text"] = True
        if self.reasks:
            data["reasks"] = self.reasks
        if self.then:
            data["then"] = self.then
        return data

    @classmethod
    def from_json(cls, data: Any) -> Frame | None:
        if not isinstance(data, dict):
            return None
        return cls(
            flow=data.get("flow") or None,
            step=data.get("step") or None,
            slots=dict(data.get("slots") or {}),
            question=Question.from_json(data.get("question")),
            free_text=bool(data.get("free_text")),
            reasks=int(data.get("reasks") or 0),
            then=data.get("then") or None,
        )


@dataclass
class Offer:
    """A one-tap offer sent with a notification: "1" starts options["1"] for this parcel until it expires."""

    options: dict[str, str]
    tracking: str
    expires: datetime

    def to_json(self) -> dict[str, Any]:
        return {"options": dict(self.options), "tracking": self.tracking, "expires": self.expires.isoformat()}

    @classmethod
    def from_json(cls, data: Any) -> Offer | None:
        if not isinstance(data, dict) or not isinstance(data.get("options"), dict):
            return None
        try:
            expires = datetime.fromisoformat(str(data.get("expires")))
        except ValueError:
            return None
        if expires.tzinfo is None:
            return None
        return cls({str(k): str(v) for k, v in data["options"].items()}, str(data.get("tracking") or ""), expires)


@dataclass
class ConversationState:
    stack: list[Frame] = field(default_factory=list)
    parked: list[Frame] = field(default_factory=list)
    offer: Offer | None = None
    handoff_ack_at: datetime | None = None
    # Requests the shopper made beside the one being handled ("...and tell the driver about the dog"), in order:
    # each a saved parse (intents.types.ParseResult.to_saved), started when the journey before it ends.
    queue: list[dict[str, Any]] = field(default_factory=list)
    # What the shopper said they do NOT want in this conversation ("not a pickup point", "not piccadilly"):
    # intent names and their own words; nothing is offered or started against them.
    avoid: list[str] = field(default_factory=list)
    # Parcel references and postcodes the shopper has named (not proof of anything): a later question in the
    # same conversation asks only for what is still missing instead of starting over.
    mentioned: dict[str, str] = field(default_factory=dict)
    # A person resolved the conversation and asked for a 1-5 rating: who (the answer is stored against them).
    survey_for: str | None = None
    # The change just made ("Done: ..."): its kind, parcel and what its journey had, kept for the next message only,
    # so that "oops i meant 41 not 14" right after it asks for that change again, corrected (dialogues/kit/
    # afterthought.py).
    made: dict[str, Any] | None = None

    # -- reading -------------------------------------------------------------------------------------------
    @property
    def top(self) -> Frame | None:
        return self.stack[-1] if self.stack else None

    @property
    def open_flow(self) -> str | None:
        return self.top.flow if self.top else None

    @property
    def open_step(self) -> str | None:
        return self.top.step if self.top else None

    @property
    def parked_flow(self) -> str | None:
        return self.parked[-1].flow if self.parked else None

    # -- (de)serialising -----------------------------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"v": STATE_VERSION}
        if self.stack:
            data["stack"] = [f.to_json() for f in self.stack]
        if self.parked:
            data["parked"] = [f.to_json() for f in self.parked]
        if self.offer is not None:
            data["offer"] = self.offer.to_json()
        if self.handoff_ack_at is not None:
            data["handoff_ack_at"] = self.handoff_ack_at.isoformat()
        if self.queue:
            data["queue"] = copy.deepcopy(self.queue)
        if self.avoid:
            data["avoid"] = list(self.avoid)
        if self.mentioned:
            data["mentioned"] = dict(self.mentioned)
        if self.survey_for:
            data["survey_for"] = self.survey_for
        if self.made:
            data["made"] = copy.deepcopy(self.made)
        return data

    @classmethod
    def from_json(cls, data: Any) -> ConversationState:
        """The stored state; anything unreadable (or from before version 2, see migration 0002) is a fresh one."""
        if not isinstance(data, dict) or data.get("v") != STATE_VERSION:
            return cls()
        ack = data.get("handoff_ack_at")
        try:
            ack_at = datetime.fromisoformat(ack) if isinstance(ack, str) else None
        except ValueError:
            ack_at = None
        return cls(
            stack=[f for f in (Frame.from_json(x) for x in data.get("stack") or ()) if f is not None],
            parked=[f for f in (Frame.from_json(x) for x in data.get("parked") or ()) if f is not None],
            offer=Offer.from_json(data.get("offer")),
            handoff_ack_at=ack_at,
            queue=[q for q in data.get("queue") or () if isinstance(q, dict)],
            avoid=[str(a) for a in data.get("avoid") or ()],
            mentioned={str(k): str(v) for k, v in (data.get("mentioned") or {}).items()},
            survey_for=str(data["survey_for"]) if data.get("survey_for") else None,
            made=dict(data["made"]) if isinstance(data.get("made"), dict) else None,
        )

    def copy(self) -> ConversationState:
        return ConversationState.from_json(self.to_json())


def _must(found: T | None) -> T:
    """The row a conflicting insert made. Missing only if it was deleted between our insert giving way and our
    read: the turn fails (its message is kept with an apology, bot/engine/)."""
    if found is None:
        raise LookupError("the conflicting row went away")
    return found


# Built once (every turn runs it): building a statement costs as much CPU as running it. The merchant's row
# always comes back, with the shopper's conversation beside it when there is one: a first message, too, reads
# both in this one statement. On PostgreSQL the conversation is locked inside a LATERAL subquery, because a
# `FOR UPDATE` may not name the nullable side of an outer join; SQLite needs no row lock (BEGIN IMMEDIATE).
_THIS_CONVERSATION = (m.Conversation.merchant_id == bindparam("merchant_id"),
                      m.Conversation.channel == bindparam("channel"), m.Conversation.address == bindparam("address"))
_WITH_MERCHANT = shared(
    select(m.Merchant, m.Conversation)
    .outerjoin(m.Conversation, and_(*_THIS_CONVERSATION))  # the WHERE already names the merchant
    .where(m.Merchant.id == bindparam("merchant_id"))
    .execution_options(populate_existing=True)
)  # fmt: skip
_LOCKED_CONVERSATION = aliased(
    m.Conversation, select(m.Conversation).where(*_THIS_CONVERSATION).with_for_update().lateral("conversation"))
_WITH_MERCHANT_LOCKED = shared(  # an aliased LATERAL shared by every thread: compiled once at import (why: shared)
    select(m.Merchant, _LOCKED_CONVERSATION).outerjoin(_LOCKED_CONVERSATION, true())
    .where(m.Merchant.id == bindparam("merchant_id"))
    .execution_options(populate_existing=True)
)  # fmt: skip


# A shopper's first conversation: INSERT ... ON CONFLICT DO NOTHING RETURNING every column, per database.
_CREATE = {dialect: insert_or_nothing_on(dialect, m.Conversation.__table__).returning(*m.Conversation.__table__.c)
           for dialect in ("postgresql", "sqlite")}

# -- the store ---------------------------------------------------------------------------------------------
def _row_locks(session: Session) -> bool:
    """PostgreSQL locks rows; SQLite's BEGIN IMMEDIATE already serialises every writer (backend/db.py)."""
    return session.get_bind().dialect.name == "postgresql"

class ConversationStore:
    """Finding, creating and locking conversations, and reading and writing their typed state."""

    def find(self, session: Session, merchant_id: int, channel: str, address: str, *,
             lock: bool = False) -> m.Conversation | None:
        query = select(m.Conversation).where(
            m.Conversation.merchant_id == merchant_id,
            m.Conversation.channel == channel,
            m.Conversation.address == address,
        )
        if lock and _row_locks(session):
            query = query.with_for_update().execution_options(populate_existing=True)
        return session.scalar(query)

    def find_with_merchant(self, session: Session, merchant_id: int, channel: str,
                           address: str) -> tuple[m.Merchant, m.Conversation | None] | None:
        """A turn's merchant row and its conversation (locked), None for a shopper's first message, in one
        statement; None altogether if there is no such merchant. The turn needs both: the merchant's row for the
        cache's check and the dialogues, the conversation to write to."""
        query = _WITH_MERCHANT_LOCKED if _row_locks(session) else _WITH_MERCHANT
        row = session.execute(query, {"merchant_id": merchant_id, "channel": channel, "address": address}).first()
        return (row[0], row[1]) if row is not None else None

    def create(self, session: Session, merchant: m.Merchant, channel: str, address: str, *, phone: bool,
               lock: bool = False) -> m.Conversation:
        """A new conversation (and contact), or the one another transaction created a moment before.

        Two first messages at once both try to insert: `INSERT ... ON CONFLICT DO NOTHING` makes the loser wait
        for the winner's transaction, insert nothing, and read (and lock) the winner's row instead. No SAVEPOINT:
        a first message costs three statements (look, add the contact, add the conversation), not eight."""
        contact_id = self._contact_id(session, merchant.id, address) if phone else None
        values = dict(merchant_id=merchant.id, contact_id=contact_id, channel=channel, address=address, state={},
                      status=Status.BOT.value)
        # A prebuilt Core INSERT (its defaults applied as the ORM's would be), the object made from the row it
        # returns: an ORM INSERT ... RETURNING the entity, built per message, cost three times the CPU.
        conn = session.connection()
        row = conn.execute(_CREATE[conn.dialect.name], values).first()
        if row is not None:
            return attached(session, m.Conversation, row)
        return _must(self.find(session, merchant.id, channel, address, lock=lock))

    def _contact_id(self, session: Session, merchant_id: int, phone: str) -> int:
        def find() -> int | None:
            return session.scalar(select(m.Contact.id).where(m.Contact.merchant_id == merchant_id,
                                                             m.Contact.phone == phone))

        created = add_row(session, m.Contact, {"merchant_id": merchant_id, "phone": phone}, unless_exists=True)
        return created if created is not None else _must(find())

    def lock(self, session: Session, conv: m.Conversation) -> m.Conversation:
        """Hold the conversation until this transaction ends, and read it as the last turn left it."""
        if not _row_locks(session):
            return conv
        locked = session.scalar(
            select(m.Conversation).where(m.Conversation.id == conv.id).with_for_update()
            .execution_options(populate_existing=True)
        )
        return locked if locked is not None else conv

    def open(self, session: Session, merchant: m.Merchant, channel: str, address: str, *,
             phone: bool) -> m.Conversation:
        """Get or create the conversation (with the shopper's contact, for a phone number), locked until the
        transaction commits: one statement when it exists (SELECT ... FOR UPDATE). The engine's turns use
        find_with_merchant and create instead (the merchant's row in the same statement)."""
        conv = self.find(session, merchant.id, channel, address, lock=True)
        return conv if conv is not None else self.create(session, merchant, channel, address, phone=phone, lock=True)

    @staticmethod
    def state(conv: m.Conversation) -> ConversationState:
        return ConversationState.from_json(conv.state)

    @staticmethod
    def save(conv: m.Conversation, state: ConversationState) -> None:
        conv.state = state.to_json()  # reassigned, so SQLAlchemy sees the JSON change

    @staticmethod
    def write_turn(session: Session, conv: m.Conversation, state: ConversationState | None, at: datetime,
                   replies: Sequence[dict[str, Any]] = ()) -> list[int]:
        """End a turn: its new state (None: unchanged) and `last_message_at`, and its reply rows (the messages
        table's values, conversation_id aside), on the turn's own connection and transaction: one statement on
        PostgreSQL (bot/core/turn_writes.py), not the ORM's unit of work, which was about a tenth of a turn's CPU
        for this one row. The replies' ids come back in order. The object is told these are its committed values
        (SQLAlchemy's public `set_committed_value`), so the unit of work has nothing left to flush for them;
        anything else a turn changed on the conversation (a handoff's status, a verification) still goes through
        the ORM as usual. A conversation that went away (it can't, under the turn's lock) raises LookupError."""
        saved = state.to_json() if state is not None else None
        ids = write_turn_and_replies(session, conv.id, saved, at, replies)
        set_committed_value(conv, "last_message_at", at)
        if saved is not None:
            set_committed_value(conv, "state", saved)
        return ids

    @staticmethod
    def status(conv: m.Conversation) -> Status:
        try:
            return Status(conv.status or Status.BOT.value)
        except ValueError:
            return Status.BOT
