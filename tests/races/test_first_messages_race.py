"""Issue 16's review: a new shopper's two first messages at the same moment (PostgreSQL). Both turns find no
conversation, both insert one (and the shopper's contact); the loser must read the winner's row and be
answered, not get the apology and never be handled.

The two turns are made to miss together: each waits, after its first look for the conversation, until the
other has looked too. Then both insert, as two gunicorn workers do on a busy morning.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import pytest
from sqlalchemy import func, select

from backend import models as m
from bot.core.conversations import ConversationStore
from bot.core.messages import InboundMessage
from tests.helpers import new_sid

pytestmark = pytest.mark.skipif(
    not os.environ.get("PARCELBOT_TEST_DATABASE_URL"),
    reason="SQLite serialises writers (BEGIN IMMEDIATE), so two first turns cannot overlap there",
)

NEW_SHOPPER = "+447700900321"  # no conversation, no contact yet
MERCHANT_SMS = "+441614960000"
APOLOGY = "went wrong"


@dataclass
class MissTogether(ConversationStore):
    """The real store, except that each thread's first look waits for the other thread's first look."""

    barrier: threading.Barrier = field(default_factory=lambda: threading.Barrier(2, timeout=20))
    seen: set[int] = field(default_factory=set)

    def find_with_merchant(self, session, merchant_id, channel, address):  # noqa: ANN001, ANN201
        found = super().find_with_merchant(session, merchant_id, channel, address)  # a turn's first look
        me = threading.get_ident()
        if me not in self.seen:
            self.seen.add(me)
            self.barrier.wait()
        return found


def _send(engine, sender: str, text: str, channel: str = "sms", to: str = MERCHANT_SMS) -> str:  # noqa: ANN001
    outcome = engine.handle(InboundMessage(channel, sender, to, text, channel_message_id=new_sid()))
    return "\n".join(r.text for r in outcome.replies)


def _first_messages_at_once(runtime, sender: str, channel: str, to: str) -> list[str]:  # noqa: ANN001
    engine = runtime.engine.replace(conversations=MissTogether())
    with ThreadPoolExecutor(2) as pool:
        return list(pool.map(lambda t: _send(engine, sender, t, channel, to), ["hello", "where is my parcel"]))


def test_two_first_sms_at_once_are_both_answered_in_one_conversation(runtime, demo):
    replies = _first_messages_at_once(runtime, NEW_SHOPPER, "sms", MERCHANT_SMS)
    assert all(r.strip() for r in replies)
    assert not any(APOLOGY in r for r in replies), replies
    with runtime.sessions() as s:
        assert s.scalar(select(func.count()).select_from(m.Conversation)
                        .where(m.Conversation.address == NEW_SHOPPER)) == 1
        assert s.scalar(select(func.count()).select_from(m.Contact).where(m.Contact.phone == NEW_SHOPPER)) == 1
        inbound = list(s.scalars(select(m.Message).where(m.Message.direction == "in",
                                                         m.Message.sender == NEW_SHOPPER)))
        assert len(inbound) == 2 and all(i.conversation_id is not None for i in inbound)
        assert len({i.conversation_id for i in inbound}) == 1


def test_two_first_web_chat_messages_at_once_are_both_answered(runtime, demo):
    sender = "rest:brand-new-web-chat"
    replies = _first_messages_at_once(runtime, sender, "rest", "demo")
    assert all(r.strip() for r in replies)
    assert not any(APOLOGY in r for r in replies), replies
    with runtime.sessions() as s:
        assert s.scalar(select(func.count()).select_from(m.Conversation)
                        .where(m.Conversation.address == sender)) == 1


def test_first_sms_and_first_whatsapp_at_once_share_one_contact(runtime, demo):
    """Two conversations (one per channel) but one contact: the contact's insert races too."""
    engine = runtime.engine.replace(conversations=MissTogether())
    sends = [("sms", MERCHANT_SMS, "hello"), ("whatsapp", "+441614960001", "where is my parcel")]
    with ThreadPoolExecutor(2) as pool:
        replies = list(pool.map(lambda c: _send(engine, NEW_SHOPPER, c[2], c[0], c[1]), sends))
    assert all(r.strip() for r in replies)
    assert not any(APOLOGY in r for r in replies), replies
    with runtime.sessions() as s:
        assert s.scalar(select(func.count()).select_from(m.Contact).where(m.Contact.phone == NEW_SHOPPER)) == 1
        contacts = set(s.scalars(select(m.Conversation.contact_id).where(m.Conversation.address == NEW_SHOPPER)))
        assert len(contacts) == 1 and None not in contacts
