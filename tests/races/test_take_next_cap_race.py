"""An agent's "Take the next conversation" twice at once (a double click, two tabs, two workers): each request
counted the agent's open conversations before either took one, so each saw room under the cap and each took
one. The agent's own row is now locked while counting, so their requests count one after the other
(PostgreSQL; SQLite serialises writers anyway)."""

from __future__ import annotations

import contextlib
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import event, func, select

from backend import models as m
from backend.db import transaction
from bot.services.console import Actor
from tests.console.kit import make_user

pytestmark = pytest.mark.skipif(
    not os.environ.get("PARCELBOT_TEST_DATABASE_URL"),
    reason="SQLite serialises writers (BEGIN IMMEDIATE), so two requests cannot overlap there",
)


def _waiting(runtime, demo, count: int) -> None:  # noqa: ANN001
    start = runtime.clock() - timedelta(minutes=30)
    with transaction(runtime.sessions) as s:
        for i in range(count):
            s.add(m.Conversation(merchant_id=demo.id, channel="sms", address=f"+4477009006{i:02d}", status="waiting",
                                 waiting_since=start + timedelta(seconds=i), handoff_reason="shopper_asked",
                                 last_message_at=start, created_at=start))


def test_two_take_next_requests_at_once_stay_within_the_cap(runtime, demo):
    _waiting(runtime, demo, 4)
    agent_id = make_user(runtime, max_open=1)
    who = Actor("agent:sam@acme.example", "Sam", agent_id)
    meet = threading.Barrier(2, timeout=5)

    def at_the_pick(_conn, _cursor, sql, *_rest) -> None:  # noqa: ANN001
        """Each request waits, as it picks a conversation, for the other to get there too (if it can)."""
        if "SKIP LOCKED" in sql and "conversations" in sql:
            with contextlib.suppress(threading.BrokenBarrierError):
                meet.wait()

    def take_next(_: int) -> int | None:
        with runtime.uow() as uow:
            conv = runtime.services.console.next_for(uow, demo.id, who, cap=1, now=runtime.clock())
            return conv.id if conv is not None else None

    event.listen(runtime.db, "before_cursor_execute", at_the_pick)
    try:
        with ThreadPoolExecutor(2) as pool:
            taken = list(pool.map(take_next, range(2)))
    finally:
        event.remove(runtime.db, "before_cursor_execute", at_the_pick)

    assert sorted(taken, key=lambda x: x is None)[1] is None, taken  # one got a conversation, the other none
    with runtime.sessions() as s:
        open_now = s.scalar(select(func.count()).select_from(m.Conversation).where(
            m.Conversation.assignee_id == agent_id, m.Conversation.status == "with_agent"))
    assert open_now == 1
