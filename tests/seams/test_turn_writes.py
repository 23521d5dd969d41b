"""A turn's last writes (bot/core/turn_writes.py): the conversation's state and time with the replies, one statement
on PostgreSQL, two or more on SQLite; the same rows either way, in the order given, or nothing at all."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from backend import models as m
from backend.db import transaction
from bot.core.conversations import ConversationState, ConversationStore, Frame
from bot.core.messages import InboundMessage, Reply
from bot.core.turn_writes import reply_rows, write_turn_and_replies
from tests.helpers import new_sid, say

SHOPPER = "+447700900123"


def _conversation_and_inbound(runtime) -> tuple[int, int, int]:  # noqa: ANN001
    say(runtime, "hello", sender=SHOPPER)
    with runtime.sessions() as s:
        conv = s.scalars(select(m.Conversation).where(m.Conversation.address == SHOPPER)).one()
        inbound = s.scalars(select(m.Message.id).where(m.Message.direction == "in")).one()
        return conv.merchant_id, conv.id, inbound


def test_the_state_the_time_and_several_replies_are_stored_together_in_the_order_given(runtime, demo):  # noqa: ANN001
    merchant_id, conversation_id, inbound_id = _conversation_and_inbound(runtime)
    message = InboundMessage("sms", SHOPPER, "+441614960000", "hello", channel_message_id=new_sid())
    at = datetime(2026, 12, 7, 21, 0, tzinfo=UTC)
    replies = [Reply("first"), Reply("second", media_urls=("https://x.example/a.jpg",)), Reply("third")]
    state = ConversationState(stack=[Frame("where_is_my_order", "ask_postcode")])
    with transaction(runtime.sessions) as s:
        conv = s.get(m.Conversation, conversation_id)
        ids = ConversationStore.write_turn(s, conv, state,
                                           at, reply_rows(merchant_id, message, inbound_id, conversation_id, replies,
                                                          at))  # fmt: skip
        assert not s.dirty, "the object holds what was written: nothing left for the ORM to flush"
    assert len(ids) == 3 and ids == sorted(ids)
    with runtime.sessions() as s:
        rows = [s.get(m.Message, i) for i in ids]
        conv = s.get(m.Conversation, conversation_id)
    assert [r.body for r in rows] == ["first", "second", "third"]
    assert rows[1].media_urls == ["https://x.example/a.jpg"] and rows[0].media_urls == []
    assert {(r.direction, r.status, r.conversation_id, r.in_reply_to_id, r.merchant_id, r.attempts, r.sender,
             r.recipient) for r in rows} == {("out", "reply", conversation_id, inbound_id, merchant_id, 0,
                                             "+441614960000", SHOPPER)}  # fmt: skip
    assert all(r.created_at == at for r in rows)
    assert conv.last_message_at == at and ConversationStore.state(conv).open_flow == "where_is_my_order"


def test_no_new_state_leaves_the_stored_one(runtime, demo):  # noqa: ANN001
    merchant_id, conversation_id, inbound_id = _conversation_and_inbound(runtime)
    with runtime.sessions() as s:
        before = s.get(m.Conversation, conversation_id).state
    at = datetime(2026, 12, 7, 21, 5, tzinfo=UTC)
    message = InboundMessage("sms", SHOPPER, "+441614960000", "ok", channel_message_id=new_sid())
    with transaction(runtime.sessions) as s:
        ids = write_turn_and_replies(s, conversation_id, None, at,
                                     reply_rows(merchant_id, message, inbound_id, conversation_id, [Reply("x")], at))
    with runtime.sessions() as s:
        conv = s.get(m.Conversation, conversation_id)
        assert conv.state == before and conv.last_message_at == at
        assert s.get(m.Message, ids[0]).body == "x"


def test_a_conversation_that_went_away_stores_no_reply(runtime, demo):  # noqa: ANN001
    """Under the turn's lock it can't happen; if it did, the replies must not be kept loose (no conversation): the
    write raises and the transaction, the turn's whole unit, rolls back."""
    merchant_id, conversation_id, inbound_id = _conversation_and_inbound(runtime)
    at = datetime(2026, 12, 7, 21, 10, tzinfo=UTC)
    message = InboundMessage("sms", SHOPPER, "+441614960000", "ok", channel_message_id=new_sid())
    rows = reply_rows(merchant_id, message, inbound_id, conversation_id, [Reply("loose 1"), Reply("loose 2")], at)
    with pytest.raises(LookupError), transaction(runtime.sessions) as s:
        write_turn_and_replies(s, conversation_id + 1000, {"v": 2}, at, rows)
    with runtime.sessions() as s:
        assert not s.scalars(select(m.Message).where(m.Message.body.like("loose%"))).all()
        assert s.get(m.Conversation, conversation_id).last_message_at != at


def test_a_turn_on_postgresql_ends_in_one_statement(runtime, demo):  # noqa: ANN001
    if runtime.db.dialect.name != "postgresql":
        pytest.skip("SQLite has no data-modifying WITH: two statements there")
    from sqlalchemy import event

    say(runtime, "hello", sender=SHOPPER)
    seen: list[str] = []

    def note(_conn, _cursor, statement, *_args) -> None:  # noqa: ANN001
        seen.append(statement)

    event.listen(runtime.db, "before_cursor_execute", note)
    try:
        replies = say(runtime, "where is my parcel", sender=SHOPPER)
    finally:
        event.remove(runtime.db, "before_cursor_execute", note)
    assert replies
    writes = [s for s in seen if "UPDATE conversations SET" in s]
    assert len(writes) == 1 and "INSERT INTO messages" in writes[0], seen
    assert not [s for s in seen if s.lstrip().startswith("INSERT INTO messages") and "in_reply_to_id" in s], seen


def test_a_reply_row_gets_every_column_add_row_would_write():
    """The one statement writes what a reply's own INSERT (backend/db.add_row) wrote: the same columns, the
    messages table's Python-side defaults (attempts = 0) included."""
    import re

    from sqlalchemy.dialects import postgresql

    from backend.db import _insert_returning_id
    from bot.core.turn_writes import REPLY_COLUMNS, _statement

    def columns(sql: str) -> set[str]:
        return set(re.search(r"INSERT INTO messages \(([^)]*)\)", sql).group(1).split(", "))

    own = _insert_returning_id("postgresql", m.Message.__table__, False).compile(
        dialect=postgresql.dialect(), column_keys=["conversation_id", *REPLY_COLUMNS])
    for with_state in (True, False):
        for replies in (1, 2, 4):
            combined = _statement(with_state, replies).compile(dialect=postgresql.dialect())
            assert columns(str(combined)) == columns(str(own))
