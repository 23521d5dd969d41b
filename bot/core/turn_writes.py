"""A turn's last writes: its conversation's new state and time, and its replies, in one statement on PostgreSQL.

Every turn ends the same way: `UPDATE conversations SET state, last_message_at WHERE id` (ConversationStore.
write_turn) and one `INSERT INTO messages` per reply. Two executions or more, each a round trip and about 180
Python calls of SQLAlchemy's and psycopg's execution machinery (docs/performance.md, round 12). On PostgreSQL
they go out as one statement:

    WITH turn AS (UPDATE conversations SET ... WHERE id = :conversation_id RETURNING conversations.id)
    INSERT INTO messages (conversation_id, ...) SELECT turn.id, :merchant_id_0, ... FROM turn
                                      UNION ALL SELECT turn.id, :merchant_id_1, ... FROM turn ... RETURNING id

The UPDATE runs first (the INSERT reads its RETURNING) and both are one statement of the turn's transaction:
they commit or roll back together, with everything else the turn wrote. A conversation that went away (it can't,
under the turn's lock) updates no row, so no reply is inserted either, and fewer rows than replies back raises,
which rolls the whole turn back (as the UPDATE's row count did when the two were separate). SQLite has no
data-modifying WITH: there the writes stay separate, as before. Built once per shape (with or without a new
state, how many replies) and compiled before any thread runs it (backend/db.shared), values bound.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Insert, Update, bindparam, insert, literal, select, union_all, update
from sqlalchemy.orm import Session

from backend import models as m
from backend.db import add_row, shared
from bot.core.messages import InboundMessage, Reply

_CONVERSATIONS = m.Conversation.__table__
_MESSAGES = m.Message.__table__

# What a turn writes to its conversation: one prebuilt UPDATE (the SET list is the keys given; SQLAlchemy
# compiles each shape once), on its own or as the WITH of the replies' INSERT.
WRITE_TURN = update(_CONVERSATIONS).where(_CONVERSATIONS.c.id == bindparam("conversation_id"))

# The columns of a reply row (reply_rows), conversation_id excepted: it comes from the UPDATE.
REPLY_COLUMNS = ("merchant_id", "direction", "channel", "sender", "recipient", "body", "media_urls", "status",
                 "in_reply_to_id", "created_at")


def _turn_update(with_state: bool) -> Update:
    values: dict[str, Any] = {"last_message_at": bindparam("turn_at", type_=_CONVERSATIONS.c.last_message_at.type)}
    if with_state:
        values["state"] = bindparam("turn_state", type_=_CONVERSATIONS.c.state.type)
    return update(_CONVERSATIONS).where(_CONVERSATIONS.c.id == bindparam("conversation_id")).values(**values)


def _statement(with_state: bool, replies: int) -> Insert:
    """The prebuilt statement of this shape; a shape not built at import is built under a lock, compiled once
    (backend/db.shared says why two threads must not compile a shared statement for the first time at once)."""
    stmt = _BUILT.get((with_state, replies))
    if stmt is None:
        with _BUILDING:
            stmt = _BUILT.get((with_state, replies))
            if stmt is None:
                stmt = _BUILT[(with_state, replies)] = shared(_turn_and_replies(with_state, replies))
    return stmt


def _turn_and_replies(with_state: bool, replies: int) -> Insert:
    """`WITH turn AS (UPDATE ... RETURNING id) INSERT INTO messages (...) SELECT turn.id, :merchant_id_0, ... FROM
    turn UNION ALL SELECT turn.id, :merchant_id_1, ... FROM turn ...`: a row per reply, each only if the UPDATE
    found the conversation. (INSERT ... SELECT, not a VALUES list: SQLAlchemy caches the compiled form of this one
    and compiled a multi-row VALUES afresh on every run, about 1,200 Python calls.)"""
    turn = _turn_update(with_state).returning(_CONVERSATIONS.c.id).cte("turn")
    rows = [select(turn.c.id, *(bindparam(f"{c}_{i}", type_=_MESSAGES.c[c].type) for c in REPLY_COLUMNS),
                   *(literal(value, _MESSAGES.c[c].type) for c, value in _DEFAULTS.items()))
            for i in range(replies)]  # fmt: skip
    source = rows[0] if replies == 1 else union_all(*rows)
    return (insert(_MESSAGES).from_select(["conversation_id", *REPLY_COLUMNS, *_DEFAULTS], source,
                                          include_defaults=False)
            .returning(_MESSAGES.c.id, _MESSAGES.c.conversation_id))


def _scalar_defaults() -> dict[str, Any]:
    """The Python-side defaults of the columns a reply row leaves out (`attempts`: 0), as add_row's INSERT would
    apply them; written out in the SELECT (SQLAlchemy adds them to an INSERT ... SELECT of one row only). A
    callable default there would need calling per row: none today, and it fails here if one comes."""
    defaults = {}
    for column in _MESSAGES.c:
        if column.key in ("id", "conversation_id", *REPLY_COLUMNS) or column.default is None:
            continue
        if not column.default.is_scalar:
            raise TypeError(f"messages.{column.key}: a reply row must give it (its default is not a constant)")
        defaults[column.key] = column.default.arg
    return defaults


_DEFAULTS = _scalar_defaults()
_BUILDING = threading.Lock()
# A turn has one reply or two, rarely three: those shapes are built and compiled at import.
_BUILT: dict[tuple[bool, int], Insert] = {(state, n): shared(_turn_and_replies(state, n))
                                          for state in (True, False) for n in (1, 2, 3)}


def reply_rows(merchant_id: int, message: InboundMessage, inbound_id: int, conversation_id: int,
               replies: Sequence[Reply], now: datetime) -> list[dict[str, Any]]:
    """The messages rows of a turn's replies to `message` (stored with the turn: write_turn_and_replies)."""
    return [{"merchant_id": merchant_id, "conversation_id": conversation_id, "direction": "out",
             "channel": message.channel, "sender": message.recipient, "recipient": message.sender,
             "body": reply.text, "media_urls": list(reply.media_urls),
             # a kept message's replies go by text (send_outbox): its webhook was answered long ago
             "status": "queued" if message.late else "reply",
             "in_reply_to_id": inbound_id, "created_at": now} for reply in replies]  # fmt: skip


def write_turn_and_replies(session: Session, conversation_id: int, state: dict[str, Any] | None, at: datetime,
                           replies: Sequence[dict[str, Any]]) -> list[int]:
    """The conversation's `last_message_at` (and `state`, unless None) and the reply rows, in this transaction;
    the replies' ids, in the order given. One statement on PostgreSQL; elsewhere the UPDATE, then an INSERT each
    (backend/db.add_row)."""
    conn = session.connection()
    if not replies or conn.dialect.name != "postgresql":
        values: dict[str, Any] = {"last_message_at": at} if state is None else {"last_message_at": at, "state": state}
        if conn.execute(WRITE_TURN, {"conversation_id": conversation_id, **values}).rowcount != 1:
            raise LookupError(f"conversation {conversation_id} went away during its turn")  # the lock says it can't
        return [_added(add_row(session, m.Message, {**row, "conversation_id": conversation_id})) for row in replies]
    params: dict[str, Any] = {"conversation_id": conversation_id, "turn_at": at}
    if state is not None:
        params["turn_state"] = state
    for i, row in enumerate(replies):
        for column in REPLY_COLUMNS:
            params[f"{column}_{i}"] = row[column]
    # The rows go in in the UNION ALL's order, each taking the sequence's next id (INSERT never runs in parallel):
    # ascending ids are the order given, whatever order RETURNING lists them in.
    stored = conn.execute(_statement(state is not None, len(replies)), params).all()
    if len(stored) != len(replies) or any(row.conversation_id != conversation_id for row in stored):
        raise LookupError(f"conversation {conversation_id} went away during its turn")  # rolled back whole
    return sorted(row.id for row in stored)


def _added(row_id: int | None) -> int:
    assert row_id is not None
    return row_id
