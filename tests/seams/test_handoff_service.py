"""Who owns a conversation, channel-free (bot/services/handoff.py): the chat, and later the console and the
helpdesk API, move it between the bot, waiting for a person, a person, and resolved. A person who has it keeps
it (a second one is refused), every move is audited with who made it, and while a person has it the bot
never answers."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from backend import models as m
from bot.core.conversations import Status
from bot.core.events import ConversationStatusChanged, DomainEvent
from bot.services.handoff import AlreadyTaken, HandoffError
from tests.helpers import say

OWN = "+447700900123"
NOW = datetime(2026, 12, 5, 10, 0, tzinfo=UTC)


def _move(runtime, action: str, **kwargs: object) -> None:  # noqa: ANN001
    with runtime.uow() as uow:
        conv = uow.session.scalar(select(m.Conversation).where(m.Conversation.address == OWN))
        getattr(runtime.services.handoff, action)(uow, conv, now=NOW, **kwargs)


def _conv(runtime) -> m.Conversation:  # noqa: ANN001
    with runtime.sessions() as s:
        return s.scalar(select(m.Conversation).where(m.Conversation.address == OWN))


def test_take_over_hand_back_and_resolve(runtime, demo):
    seen: list[DomainEvent] = []
    runtime.local_events.subscribe(seen.append)
    say(runtime, "talk to a human please")
    assert (_conv(runtime).status, _conv(runtime).handoff_reason) == ("waiting", "shopper_asked")

    _move(runtime, "take_over", agent_id=7, actor="agent:7")
    assert (_conv(runtime).status, _conv(runtime).assignee_id) == ("with_agent", 7)
    with pytest.raises(AlreadyTaken) as taken:
        _move(runtime, "take_over", agent_id=8, actor="agent:8")
    assert taken.value.assignee_id == 7 and _conv(runtime).assignee_id == 7
    _move(runtime, "take_over", agent_id=7, actor="agent:7")  # the same person again: nothing changes

    assert say(runtime, "hello? anyone there") == []  # a person has it: the bot stays quiet
    _move(runtime, "hand_back", actor="agent:7")
    assert (_conv(runtime).status, _conv(runtime).assignee_id, _conv(runtime).waiting_since) == ("bot", None, None)
    assert say(runtime, "where is my parcel")  # the bot answers again

    _move(runtime, "resolve", actor="agent:7")
    assert _conv(runtime).status == Status.RESOLVED
    assert say(runtime, "hi")  # a new message after a person closed it goes to the bot
    assert _conv(runtime).status == Status.BOT

    moves = [(e.previous, e.status, e.actor) for e in seen if isinstance(e, ConversationStatusChanged)]
    assert moves == [("bot", "waiting", OWN), ("waiting", "with_agent", "agent:7"), ("with_agent", "bot", "agent:7"),
                     ("bot", "resolved", "agent:7"), ("resolved", "bot", OWN)]  # the shopper's new message reopens
    with runtime.sessions() as s:
        audit = [(a.actor, a.result) for a in s.scalars(select(m.AuditEntry).where(m.AuditEntry.action == "handoff")
                                                        .order_by(m.AuditEntry.id))]
    assert audit == [(OWN, "requested"), ("agent:7", "taken_over"), ("agent:7", "returned_to_bot"),
                     ("agent:7", "resolved"), (OWN, "reopened")]


def test_a_refused_move_changes_nothing(runtime, demo):
    say(runtime, "hi")
    from bot.services.handoff import ALLOWED

    assert all(target is not source for source, targets in ALLOWED.items() for target in targets)
    with runtime.uow() as uow:
        conv = uow.session.scalar(select(m.Conversation).where(m.Conversation.address == OWN))
        with pytest.raises(HandoffError):
            runtime.services.handoff._move(uow, conv, Status.BOT, actor="x", now=NOW, result="noop")
    assert _conv(runtime).status == "bot"
