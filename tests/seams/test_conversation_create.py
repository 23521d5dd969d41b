"""A shopper's first conversation is inserted through Core and made an ORM object from the row it returns
(backend/db.attached): it must be exactly what the ORM would have loaded, in the session, with nothing pending."""

from __future__ import annotations

from sqlalchemy import event, inspect, select

from backend import models as m
from backend.db import transaction
from bot.core.conversations import ConversationStore, Status
from tests.helpers import say

NEW_SHOPPER = "+447700900654"


def test_a_created_conversation_is_the_row_as_the_orm_would_load_it(runtime, demo):  # noqa: ANN001
    statements: list[str] = []

    def note(_conn, _cursor, statement, *_args) -> None:  # noqa: ANN001
        statements.append(statement)

    with transaction(runtime.sessions) as s:
        merchant = s.get(m.Merchant, demo.id)
        conv = ConversationStore().create(s, merchant, "sms", NEW_SHOPPER, phone=True, lock=True)
        state = inspect(conv)
        assert state.persistent and conv in s and s.identity_map.get(state.key) is conv
        assert not s.new and not s.dirty and not state.expired_attributes
        assert conv.status == Status.BOT.value and conv.state == {} and conv.verified_shipment_ids == []
        assert conv.contact_id is not None and conv.created_at is not None and conv.last_message_at is not None
        event.listen(runtime.db, "before_cursor_execute", note)
        try:
            assert conv.merchant is merchant, "the merchant in the session: no query"
            assert conv.contact is not None and conv.contact.phone == NEW_SHOPPER  # lazy, as ever
            conv.status = Status.WAITING.value  # changed through the ORM: flushed at commit as usual
        finally:
            event.remove(runtime.db, "before_cursor_execute", note)
        assert not [q for q in statements if "FROM merchants" in q], statements
        created = {c.key: getattr(conv, c.key) for c in inspect(m.Conversation).column_attrs}
    with runtime.sessions() as s:
        fresh = s.get(m.Conversation, created["id"])
        assert {c.key: getattr(fresh, c.key) for c in inspect(m.Conversation).column_attrs} == {
            **created, "status": Status.WAITING.value}


def test_a_conversation_created_a_moment_before_is_read_not_doubled(runtime, demo):  # noqa: ANN001
    """The insert gives way (ON CONFLICT DO NOTHING) to a conversation that is there: the store reads that one."""
    say(runtime, "hello", sender=NEW_SHOPPER)
    with transaction(runtime.sessions) as s:
        merchant = s.get(m.Merchant, demo.id)
        conv = ConversationStore().create(s, merchant, "sms", NEW_SHOPPER, phone=True, lock=True)
        assert conv.state.get("v") == 2  # the one the first message left, read back
    with runtime.sessions() as s:
        assert len(s.scalars(select(m.Conversation).where(m.Conversation.address == NEW_SHOPPER)).all()) == 1
