"""What one turn asks of the database: one transaction, and no more statements than it needs.

A where-is turn used to take 17 statements on PostgreSQL (a session before the transaction to read the merchant,
a SELECT for a retried webhook, three savepoints) and 22 on a first message; today 8 and 8. These bounds fail
if any of that comes back. They count statements, never time (docs/performance.md has the profile).
"""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import select

from backend import models as m
from backend.db import transaction
from bot.core.messages import InboundMessage
from tests.helpers import new_sid

SHOP = "+441614960000"
SHOPPER = "+447700900123"  # a demo parcel's recipient: "where is it?" is answered from the number
# Queries a where-is turn makes once the conversation exists: the merchant (the cache's check) and the
# conversation locked (one statement), the inbound message (with its conversation), the parcel with its events
# (one statement), the audit of the disclosure, and the conversation's new state with the reply: one statement on
# PostgreSQL (bot/core/turn_writes.py), two on SQLite. No SAVEPOINT, no UPDATE of the message after it is stored.
# A first message adds its contact's and its conversation's INSERTs.
WHERE_IS_BOUND = {"postgresql": 5, "sqlite": 6}
FIRST_MESSAGE_BOUND = {"postgresql": 7, "sqlite": 8}


def bound(runtime, bounds: dict[str, int]) -> int:  # noqa: ANN001
    return bounds[runtime.db.dialect.name]


def where_is(runtime, *, sid: str | None = None, sender: str = SHOPPER):  # noqa: ANN001, ANN201
    return runtime.engine.handle(InboundMessage("sms", sender, SHOP, "where's my parcel",
                                                channel_message_id=sid or new_sid()))  # fmt: skip


def test_a_where_is_turn_is_one_transaction_and_a_handful_of_statements(runtime, demo, sql_count):  # noqa: ANN001
    first = where_is(runtime)
    assert "PB100000001GB" in first.replies[0].text
    sql_count.reset()
    outcome = where_is(runtime)
    assert "PB100000001GB" in outcome.replies[0].text and not outcome.failed
    assert sql_count.commits == 1, "a turn is one transaction"
    assert sql_count.rollbacks == 0, "no session is opened and thrown away before the turn's transaction"
    savepoints = [s for s in sql_count.statements if s.lstrip().upper().startswith("SAVEPOINT")]
    assert not savepoints, sql_count.statements
    assert len(sql_count.queries()) <= bound(runtime, WHERE_IS_BOUND), sql_count.queries()
    assert not [s for s in sql_count.queries() if "FROM merchants" in s and "WHERE merchants.sms_number" in s], \
        "the merchant is found by its number from the cache, not a query, once seen"


def test_a_first_message_creates_its_conversation_in_the_same_single_transaction(runtime, demo, sql_count):  # noqa: ANN001
    where_is(runtime, sender="+447700900456")  # the merchant is cached by another shopper's message
    sql_count.reset()
    outcome = where_is(runtime)
    assert "PB100000001GB" in outcome.replies[0].text
    assert sql_count.commits == 1
    # + the contact's and the conversation's INSERTs, but the merchant's row comes with the look for a
    # conversation (it was a statement of its own: 9 before, then 8; 7 on PostgreSQL with the turn's last writes
    # in one statement)
    assert len(sql_count.queries()) <= bound(runtime, FIRST_MESSAGE_BOUND), sql_count.queries()
    assert not [q for q in sql_count.queries() if q.lstrip().startswith("SELECT merchants.") and "JOIN" not in q], \
        "a first message reads the merchant in the same statement as its (missing) conversation, not on its own"
    assert not [s for s in sql_count.statements if s.lstrip().upper().startswith("SAVEPOINT")], \
        "a first message's contact and conversation go in with INSERT ... ON CONFLICT DO NOTHING, no savepoint"


def test_a_retried_webhook_is_answered_from_what_was_stored_with_nothing_run_twice(runtime, demo, sql_count):  # noqa: ANN001
    sid = new_sid()
    first = where_is(runtime, sid=sid)
    sql_count.reset()
    again = where_is(runtime, sid=sid)
    assert again.duplicate and [r.text for r in again.replies] == [r.text for r in first.replies]
    # Nothing of the turn runs again: no audit, no conversation or parcel written. The inbound INSERT ... ON
    # CONFLICT DO NOTHING is what finds the retry; the one write is which delivery of the webhook carried the
    # replies (messages.answered_by: a replay of a kept copy must not text them again).
    writes = [s.lstrip() for s in sql_count.statements if s.lstrip().upper().startswith(("UPDATE", "INSERT", "DELETE"))]
    assert len(writes) == 2 and writes[0].startswith("INSERT INTO messages") and "ON CONFLICT DO NOTHING" in writes[0]
    assert writes[1].startswith("UPDATE messages SET answered_by="), writes
    with runtime.sessions() as s:
        inbound = s.scalars(select(m.Message).where(m.Message.channel_message_id == sid)).all()
    assert len(inbound) == 1 and inbound[0].intent == "where_is_my_order" and inbound[0].conversation_id


def test_a_kept_message_found_stored_reads_it_once_to_queue_its_replies(runtime, demo, sql_count):  # noqa: ANN001
    """The replay of a message kept through an outage whose turn committed after all: its replies are texted, and
    the stored row is read once, with the delivery that answered it (it was a second SELECT for answered_by)."""
    sid = new_sid()
    sent = InboundMessage("sms", SHOPPER, SHOP, "where's my parcel", channel_message_id=sid, attempt="first")
    answered = runtime.engine.handle(sent)
    sql_count.reset()
    replay = runtime.engine.handle(dataclasses.replace(sent, kept_at=runtime.clock()))
    assert replay.duplicate and not replay.replies
    reads = [s.lstrip() for s in sql_count.queries() if s.lstrip().startswith("SELECT") and "FROM messages" in s]
    looks = [s for s in reads if "channel_message_id = " in s]  # the stored inbound row, by its channel id
    assert len(looks) == 1 and looks[0].startswith("SELECT messages.id, messages.answered_by"), reads
    assert not [s for s in reads if s.startswith("SELECT messages.answered_by")], reads  # not read again by id
    with runtime.sessions() as s:
        texted = s.scalars(select(m.Message.body).where(m.Message.direction == "out", m.Message.status != "reply",
                                                        m.Message.recipient == SHOPPER)).all()
    assert texted == [r.text for r in answered.replies]  # queued, and sent by then (the sender runs eagerly here)


def test_settings_saved_elsewhere_take_effect_on_the_next_message(runtime, demo):  # noqa: ANN001
    """The merchant is cached per worker; a change written by any other process (the console on another host) is
    seen on the very next message, because the turn compares the cached row with the one it reads anyway."""
    before = [r.text for r in where_is(runtime).replies]  # the merchant is now cached
    assert not any("Brand new words" in t for t in before)
    with transaction(runtime.sessions) as s:  # what the console does, in another session
        merchant = s.get(m.Merchant, demo.id)
        merchant.settings = {**(merchant.settings or {}),
                             "responses": {"utter_status_in_transit": "Brand new words for {tracking}."}}
    texts = [r.text for r in where_is(runtime).replies]
    assert any("Brand new words" in t for t in texts), texts


def test_a_number_moved_to_another_merchant_is_followed_at_once(runtime, demo):  # noqa: ANN001
    where_is(runtime)  # cached: SHOP -> the demo merchant
    with transaction(runtime.sessions) as s:
        s.get(m.Merchant, demo.id).sms_number = "+441614960999"
    from bot.engine import UnknownMerchant

    with pytest.raises(UnknownMerchant):
        where_is(runtime)
    assert "PB100000001GB" in runtime.engine.handle(InboundMessage(
        "sms", SHOPPER, "+441614960999", "where's my parcel", channel_message_id=new_sid())).replies[0].text


def test_a_turn_writes_its_conversation_in_one_update_with_no_orm_flush(runtime, demo, sql_count):  # noqa: ANN001
    """The state and the time of the shopper's message go out in one prebuilt UPDATE (ConversationStore.write_turn),
    not through the ORM's unit of work, which cost about a tenth of a turn for this one row. Read back afresh, the
    row holds what the turn left."""
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    where_is(runtime)
    flushed: list[str] = []

    def note_flush(session, context, instances) -> None:  # noqa: ANN001
        flushed.extend(type(o).__name__ for o in [*session.dirty, *session.new, *session.deleted]
                       if session.is_modified(o) or o in session.new or o in session.deleted)

    event.listen(Session, "before_flush", note_flush)
    try:
        sql_count.reset()
        outcome = runtime.engine.handle(InboundMessage("sms", SHOPPER, SHOP, "can you leave it with a neighbour",
                                                       channel_message_id=new_sid()))
    finally:
        event.remove(Session, "before_flush", note_flush)
    assert outcome.replies and not outcome.failed
    assert "Conversation" not in flushed, flushed
    updates = [s for s in sql_count.queries() if "UPDATE CONVERSATIONS" in s.upper()]
    assert len(updates) == 1, sql_count.queries()
    assert "state" in updates[0] and "last_message_at" in updates[0]
    if runtime.db.dialect.name == "postgresql":  # with the reply, in one statement (bot/core/turn_writes.py)
        assert updates[0].lstrip().startswith("WITH turn AS") and "INSERT INTO messages" in updates[0], updates
    with runtime.sessions() as s:
        conv = s.scalars(select(m.Conversation).where(m.Conversation.address == SHOPPER)).one()
        assert conv.state["stack"], "the turn's open question was written"
        assert conv.last_message_at is not None
