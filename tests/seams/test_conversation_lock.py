"""One turn at a time per conversation: two messages from one shopper at the same moment are answered one after
the other, each seeing what the other did. Neither is lost, neither overwrites the other's state.

Without the lock (on PostgreSQL, where turns of different conversations run side by side), both turns would read
the same state and the later commit would silently win: here, both would count the same re-ask and neither would
hear the offer of a person. SQLite already serialises writers (BEGIN IMMEDIATE), so there it holds too.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from backend import models as m
from backend.reference import ReferenceBackend
from bot.core.conversations import ConversationState
from bot.core.messages import InboundMessage
from tests.helpers import new_sid

SENDER = "rest:a-web-chat-that-sends-twice"
OFFER_HUMAN = "still not getting it"  # utter_offer_human: what a second miss in a row hears
NOT_A_POSTCODE = "doesn't look like a postcode"  # utter_identify_not_a_postcode: the first miss


def _send(runtime, text: str) -> list[str]:  # noqa: ANN001
    outcome = runtime.engine.handle(InboundMessage("rest", SENDER, "demo", text, channel_message_id=new_sid()))
    return [r.text for r in outcome.replies]


def test_two_overlapping_turns_are_serialised_and_neither_is_lost(runtime, demo):
    assert "postcode" in " ".join(_send(runtime, "where is PB100000001GB")).lower()  # an open question

    # Each turn, once it has read the conversation, takes a while before it commits: without the lock the
    # second turn would read the same state in that time.
    slow = threading.Event()
    inside = threading.Semaphore(0)

    def slow_reference(session, merchant, now):  # noqa: ANN001, ANN202
        if slow.is_set():
            inside.release()
            time.sleep(0.8)
        return ReferenceBackend(session, merchant, now=now)

    runtime.set_backends(slow_reference)
    slow.set()
    start = threading.Barrier(2)

    def send_at_once(text: str) -> list[str]:
        start.wait(timeout=10)
        return _send(runtime, text)

    with ThreadPoolExecutor(2) as pool:
        replies = list(pool.map(send_at_once, ["abc", "xyz qwerty"]))

    # Both were answered, and exactly one of them heard the second re-ask's offer of a person: the turns
    # counted one after the other (0 -> 1 -> 2), not both from 0.
    texts = [" ".join(r) for r in replies]
    assert sum(OFFER_HUMAN in t for t in texts) == 1, texts
    assert sum(NOT_A_POSTCODE in t for t in texts) == 1, texts
    with runtime.sessions() as s:
        conv = s.scalar(select(m.Conversation).where(m.Conversation.address == SENDER))
        inbound = s.scalars(select(m.Message.body).where(m.Message.direction == "in",
                                                         m.Message.conversation_id == conv.id)).all()
        state = ConversationState.from_json(conv.state)
    assert {"abc", "xyz qwerty"} <= set(inbound)  # both stored, none lost
    assert state.top is not None and state.top.reasks == 2, (texts, state)


def test_a_notification_and_a_turn_never_overwrite_each_other(runtime, demo):
    """State written outside a turn (a one-tap offer from a notification) takes the same lock."""
    from datetime import UTC, datetime, timedelta

    from backend.db import transaction
    from backend.types import ActionKind
    from bot.core.notifications import conversation_for, set_offer

    phone = "+447700900456"
    _ = runtime.engine.handle(InboundMessage("sms", phone, "+441614960000", "leave it with a neighbour",
                                             channel_message_id=new_sid()))
    with transaction(runtime.sessions) as session:
        merchant = session.get(m.Merchant, demo.id)
        conv = conversation_for(session, merchant, "sms", phone)
        set_offer(conv, "PB100000002GB", [ActionKind.RESCHEDULE], datetime.now(UTC) + timedelta(hours=1))
    with runtime.sessions() as s:
        state = ConversationState.from_json(
            s.scalar(select(m.Conversation.state).where(m.Conversation.address == phone)))
    assert state.offer is not None and state.offer.options == {"1": "reschedule_delivery"}
    assert state.open_flow == "leave_with_neighbour"  # the journey the shopper started is still there


def test_two_first_messages_at_once_make_one_conversation(runtime, demo):
    """Get-or-create under the unique-constraint race: both first messages land in one conversation."""
    start = threading.Barrier(2)
    sender = "rest:brand-new-chat"

    def first(text: str) -> list[str]:
        start.wait(timeout=10)
        outcome = runtime.engine.handle(InboundMessage("rest", sender, "demo", text, channel_message_id=new_sid()))
        return [r.text for r in outcome.replies]

    with ThreadPoolExecutor(2) as pool:
        replies = list(pool.map(first, ["hello", "hi there"]))
    assert all(replies)
    with runtime.sessions() as s:
        convs = s.scalars(select(m.Conversation).where(m.Conversation.address == sender)).all()
        assert len(convs) == 1
        assert s.scalar(select(func.count()).select_from(m.Message).where(
            m.Message.direction == "in", m.Message.conversation_id == convs[0].id)) == 2
